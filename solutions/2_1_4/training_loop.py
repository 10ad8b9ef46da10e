# %% [markdown]
# # 2.1.4 · The training loop
#
# Lesson `training-loop`. You already know the heartbeat of training from Series 1: **forward → loss →
# backward → update**, again and again. This lesson keeps the same heartbeat and hands you new instruments:
# `nn.MSELoss` measures the wrongness, `loss.backward()` presses Rewind, and an optimizer from `torch.optim`
# performs the update. Same heartbeat, new instruments. In this notebook you will:
#
# 1. build SGD or Adam through one function, because every optimizer shares one interface;
# 2. write the training loop itself and watch it fit a known function;
# 3. evaluate a model the way PyTorch expects: in eval mode, with recording paused.
#
# The gradient lifecycle has three beats, always in this order: **clear, compute, use**:
# `optimizer.zero_grad()` clears, `loss.backward()` computes, `optimizer.step()` uses. Gradients *add up* by
# default, so forgetting to clear is the number-one beginner bug. Every piece was verified on its own in the
# previous lessons; the loop only runs them in sequence, so when it works: of course it works.
#
# Check your work with `pytest graders/2_1_4` (add `--exercise 2_1_4.ex2` for one exercise).

# %% tags=["parameters"]
# Settings: the grader's notebook runs change these; you may too.
EPOCHS = 300  # epochs of the demo runs below
SEED = 0  # the demo's seed: the same start for both optimizers

# %% [markdown]
# ## Given code
#
# A small network for one input and one output, and data from a function you know: `y = sin(x)` on
# `[-3, 3]`, with a little noise. `SmallNet` has a `Dropout` layer, so the mode matters: in training mode
# (`model.train()`) dropout zeroes a random share of the hidden units on every forward pass; in eval mode
# (`model.eval()`) it is switched off and the same input always gives the same output.

# %% tags=["graded"]
# [graded] 2_1_4 given code — the grader runs the code in this cell
import torch
import torch.nn as nn


class SmallNet(nn.Module):
    """in_features → hidden (Tanh, Dropout) → out_features: w*x + b twice, with a bend in between."""

    def __init__(self, in_features: int = 1, hidden: int = 16, out_features: int = 1, dropout: float = 0.1) -> None:
        super().__init__()
        self.hidden = nn.Linear(in_features, hidden)
        self.act = nn.Tanh()
        self.drop = nn.Dropout(dropout)
        self.out = nn.Linear(hidden, out_features)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.out(self.drop(self.act(self.hidden(x))))


def make_data(n: int = 64, noise: float = 0.05, seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    """n points of y = sin(x) + noise on [-3, 3], as column tensors of shape [n, 1] (float32)."""
    generator = torch.Generator().manual_seed(seed)
    X = torch.rand(n, 1, generator=generator) * 6 - 3
    y = torch.sin(X) + noise * torch.randn(n, 1, generator=generator)
    return X, y


# %%
X, y = make_data(seed=SEED)
print("X:", tuple(X.shape), X.dtype, "| y:", tuple(y.shape), y.dtype)  # shape, dtype, device: check these first
torch.manual_seed(SEED)
print(SmallNet())

# %% [markdown]
# ## Exercise 1 · One interface for every optimizer (2_1_4.ex1)
#
# *Guided.* Write `make_optimizer(name, params, lr)`, which returns a `torch.optim` optimizer over `params`:
#
# - `name == "sgd"`: `torch.optim.SGD` (plain gradient descent, `param -= lr * grad`: no momentum);
# - `name == "adam"`: `torch.optim.Adam` with the course's defaults (`betas=(0.9, 0.999)`, `eps=1e-8`);
# - the learning rate is always `lr`; leave every other setting at PyTorch's default;
# - any other name raises `ValueError` (say which names you accept).
#
# `params` is whatever you would pass to the optimizer yourself, usually `model.parameters()`. Build the
# optimizer on **those** parameters: an optimizer built on another model's parameters steps that other model,
# and yours never learns. Whatever it returns, the rest of your code only calls `.zero_grad()` and `.step()`:
# that uniform interface is why swapping SGD for Adam is a one-line change.
#
# <details><summary>Hint</summary>
#
# `torch.optim.SGD(params, lr=lr)` and `torch.optim.Adam(params, lr=lr)`: Adam's defaults are already the
# course's.
# </details>

# %% tags=["graded"]
# [graded] 2_1_4.ex1 — the grader runs the code in this cell
def make_optimizer(name: str, params, lr: float) -> torch.optim.Optimizer:
    """Return SGD or Adam (by `name`: "sgd" or "adam") over `params` with learning rate `lr`."""
    # BEGIN SOLUTION hint: "sgd" → torch.optim.SGD, "adam" → torch.optim.Adam, both on params with lr=lr
    if name == "sgd":
        return torch.optim.SGD(params, lr=lr)
    if name == "adam":
        return torch.optim.Adam(params, lr=lr)
    raise ValueError(f"unknown optimizer {name!r}: use 'sgd' or 'adam'")
    # END SOLUTION


# %% [markdown]
# One step by hand: the gradient of `(w - 3)²` at `w = 1` is `-4`, so SGD with `lr=0.1` moves `w` to `1.4`.

# %%
w = torch.tensor([1.0], requires_grad=True)
sgd = make_optimizer("sgd", [w], lr=0.1)
((w - 3) ** 2).sum().backward()  # compute
sgd.step()  # use
print("w after one SGD step:", round(w.item(), 4))

# %% [markdown]
# ## Exercise 2 · The training loop (2_1_4.ex2)
#
# *Supported.* Write `train(model, X, y, optimizer, criterion, epochs)`. Each epoch is one full-batch step on
# all of `X`:
#
# 1. **forward**: `y_hat = model(X)` (the same shape as `y`);
# 2. **loss**: `criterion(y_hat, y)`: prediction first, target second (for `MSELoss` the order happens not to
#    matter; for `BCEWithLogitsLoss`, `CrossEntropyLoss` and most others it does);
# 3. **backward** and **update** in the order *clear, compute, use*: `optimizer.zero_grad()`,
#    `loss.backward()`, `optimizer.step()`.
#
# Put the model in training mode (`model.train()`) before the loop: the model you are handed may have been
# left in eval mode, and with dropout off it would train a different network. Use the `optimizer` you are
# given (never build a new one inside `train`: it would forget its state between calls).
#
# Return a `list` of `epochs` Python floats: each epoch's loss as computed in that epoch's forward pass,
# before its update, taken with `loss.item()`. Keeping `loss` itself (a tensor) keeps its whole graph alive,
# one per epoch, and memory grows.
#
# Clearing right after the step instead (backward, step, zero_grad) is the same loop when the gradients start
# clear, and `optimizer.zero_grad(set_to_none=True)` or `model.zero_grad()` clear just as well: all fine.
#
# <details><summary>Hint</summary>
#
# Inside `for epoch in range(epochs):` the body has five lines: `zero_grad`, the forward pass and loss,
# `backward`, `step`, and `losses.append(loss.item())`.
# </details>

# %% tags=["graded"]
# [graded] 2_1_4.ex2 — the grader runs the code in this cell
def train(model: nn.Module, X: torch.Tensor, y: torch.Tensor, optimizer, criterion, epochs: int) -> list[float]:
    """Train `model` on (X, y) for `epochs` full-batch steps; return each epoch's loss as a float."""
    # BEGIN SOLUTION hint: model.train(), then per epoch: clear, forward + loss, compute, use; record loss.item()
    model.train()
    losses = []
    for _ in range(epochs):
        optimizer.zero_grad()  # clear
        loss = criterion(model(X), y)  # forward → loss
        loss.backward()  # compute
        optimizer.step()  # use
        losses.append(loss.item())
    return losses
    # END SOLUTION


# %% [markdown]
# Same start, two optimizers, one line changed: the uniform interface at work.

# %%
curves = {}
for name, lr in [("sgd", 0.1), ("adam", 0.02)]:
    torch.manual_seed(SEED)
    model = SmallNet()
    optimizer = make_optimizer(name, model.parameters(), lr=lr)
    curves[name] = train(model, X, y, optimizer, nn.MSELoss(), EPOCHS)
    print(f"{name}: loss {curves[name][0]:.4f} → {curves[name][-1]:.4f}")

# %%
import matplotlib.pyplot as plt

for name, losses in curves.items():
    plt.plot(range(1, len(losses) + 1), losses, label=name)
plt.xlabel("epoch")
plt.ylabel("training loss (MSE)")
plt.yscale("log")
plt.legend()
plt.show()

# %% [markdown]
# ## Exercise 3 · Evaluate in eval mode (2_1_4.ex3)
#
# *Independent.* Write `evaluate(model, X, y, criterion)`, which returns the loss of `model` on `(X, y)` as a
# Python float, measured the way you will measure every validation set from now on:
#
# - `model.eval()` first: dropout off, so two calls give the same number;
# - the forward pass inside `with torch.no_grad():`: press Record off, no graph is built and nothing is kept
#   for a backward pass that never comes;
# - `criterion(y_hat, y)` as in exercise 2, returned with `.item()`.
#
# Leave the model in eval mode; the next `train` call switches it back (that is why `train` starts with
# `model.train()`).

# %% tags=["graded"]
# [graded] 2_1_4.ex3 — the grader runs the code in this cell
def evaluate(model: nn.Module, X: torch.Tensor, y: torch.Tensor, criterion) -> float:
    """The loss of `model` on (X, y) in eval mode, with recording paused, as a float."""
    # BEGIN SOLUTION hint: model.eval(), then the forward pass and loss inside torch.no_grad(); return .item()
    model.eval()
    with torch.no_grad():
        return criterion(model(X), y).item()
    # END SOLUTION


# %%
torch.manual_seed(SEED)
model = SmallNet(dropout=0.3)
optimizer = make_optimizer("adam", model.parameters(), lr=0.02)
train(model, X, y, optimizer, nn.MSELoss(), EPOCHS)
X_test, y_test = make_data(n=200, noise=0.0, seed=SEED + 1)
print("test loss, eval mode:", round(evaluate(model, X_test, y_test, nn.MSELoss()), 4))
print("the same again:      ", round(evaluate(model, X_test, y_test, nn.MSELoss()), 4))
model.train()
with torch.no_grad():
    print("train mode, twice:   ", [round(nn.MSELoss()(model(X_test), y_test).item(), 4) for _ in range(2)])

# %%
grid = torch.linspace(-3, 3, 200).unsqueeze(1)
model.eval()
with torch.no_grad():
    plt.plot(grid.squeeze(), model(grid).squeeze(), label="model")
plt.plot(grid.squeeze(), torch.sin(grid).squeeze(), "--", label="sin(x)")
plt.scatter(X.squeeze(), y.squeeze(), s=8, color="gray", label="training data")
plt.legend()
plt.show()
