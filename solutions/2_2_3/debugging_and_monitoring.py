# %% [markdown]
# # 2.2.3 · Debugging and monitoring
#
# Lesson `debugging-and-monitoring`. You can now train on real data, and real data brings a new kind of bug:
# the one that does not crash. The loss prints, the loop runs, and the model learns nothing. This lesson
# replaces random guessing with a systematic workflow, four phases, each with its instrument:
#
# 1. **before training**, look inside the model: *torchinfo is an X-ray*. Every layer's output shape and
#    parameter count, without training anything. Shape errors are *plumbing problems, not design flaws*:
#    usually one mismatched number, and the X-ray shows which;
# 2. **on the first iteration**, check the gradients: *gradient checking is taking the pulse*. One norm per
#    parameter tells vanishing and exploding gradients apart from a healthy network before any symptom shows;
# 3. **during training**, record everything: *TensorBoard is a flight recorder*. Two lines of logging, and
#    when something goes wrong you replay the flight;
# 4. **diagnose by symptom**: *loss going down does not mean training is working*. A model that only learned
#    the class prior has a falling loss and a flat accuracy. Always watch accuracy beside the loss.
#
# In this notebook you will write `model_summary`, fix a network's plumbing, write `gradient_norms` and
# `diagnose`, log a history with `log_history`, and catch a silent failure with `detect_silent_failure`.
#
# Check your work with `pytest graders/2_2_3` (add `--exercise 2_2_3.ex1` for one exercise).

# %% tags=["parameters"]
# Settings: the grader's notebook runs change these; you may too.
SEED = 0
EPOCHS = 30  # epochs of the silent-failure demo at the end
LOG_DIR = "runs/2-2-3"  # where the demo's TensorBoard logs go

# %% [markdown]
# Two instruments of this lesson are packages of their own: `torchinfo` (the X-ray) and `tensorboard` (the flight
# recorder). The course bundle installs both; in plain Colab, which ships `tensorboard` but not `torchinfo`, the
# next cell installs what is missing.

# %%
import importlib.util
import subprocess
import sys

missing = [name for name in ("torchinfo", "tensorboard") if importlib.util.find_spec(name) is None]
if missing:
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", *missing], check=True)
print("torchinfo and tensorboard:", "installed now" if missing else "ready")

# %% [markdown]
# ## Given code
#
# `PlumbingNet` is a small classifier for 28×28 images (MNIST's size): `Flatten`, a body of two `Linear`
# layers with `ReLU`, and a head that turns the body's features into 10 class scores. The head's input size,
# `head_in`, is a parameter, and its default is wrong: that is exercise 2.
#
# `pulse_network(kind)` builds a small network whose gradients are `"healthy"`, `"vanishing"` (ten `Sigmoid`
# layers with small weights: each layer shrinks the gradient that flows back through it) or `"exploding"`
# (ten `ReLU` layers with large weights: each layer multiplies it), with a batch to take its pulse on.

# %% tags=["graded"]
# [graded] 2_2_3 given code — the grader runs the code in this cell
import torch
import torch.nn as nn


class PlumbingNet(nn.Module):
    """Flatten → body (Linear, ReLU, Linear, ReLU) → head: Linear(head_in, 10), raw scores for 10 classes."""

    def __init__(self, head_in: int = 128) -> None:
        super().__init__()
        self.flatten = nn.Flatten()
        self.body = nn.Sequential(nn.Linear(28 * 28, 128), nn.ReLU(), nn.Linear(128, 32), nn.ReLU())
        self.head = nn.Linear(head_in, 10)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.body(self.flatten(x)))


def pulse_network(kind: str, seed: int = 0, batch: int = 64) -> tuple[nn.Module, torch.Tensor, torch.Tensor]:
    """A network whose gradients are "healthy", "vanishing" or "exploding", with a batch (X, y) of 4 classes."""
    generator = torch.Generator().manual_seed(seed)
    depth, activation = {"healthy": (4, nn.ReLU), "vanishing": (10, nn.Sigmoid), "exploding": (10, nn.ReLU)}[kind]
    layers, width = [], 20
    for _ in range(depth):
        layers += [nn.Linear(width, 32), activation()]
        width = 32
    model = nn.Sequential(*layers, nn.Linear(width, 4))
    with torch.no_grad():
        for layer in model:
            if isinstance(layer, nn.Linear):
                fan_in = layer.in_features
                scale = {"healthy": (2 / fan_in) ** 0.5, "vanishing": 0.2 / fan_in**0.5, "exploding": 4 / fan_in**0.5}
                layer.weight.copy_(torch.randn(layer.weight.shape, generator=generator) * scale[kind])
                layer.bias.copy_(torch.randn(layer.bias.shape, generator=generator) * 0.1)
    X = torch.randn(batch, 20, generator=generator)
    y = torch.randint(0, 4, (batch,), generator=generator)
    return model, X, y


# %% [markdown]
# ## Exercise 1 · torchinfo is an X-ray (2_2_3.ex1)
#
# *Guided.* Write `model_summary(model, input_size)` with `torchinfo.summary`, and return what the X-ray shows
# as a plain dict:
#
# - `"total_params"`: the number of parameters of the model (an `int`);
# - `"trainable_params"`: how many of them have `requires_grad=True` (an `int`; a frozen layer counts in the
#   total, not here);
# - `"output_shapes"`: the output shape of every **leaf layer** (a layer with no layers inside it: `Linear`,
#   `ReLU`, `Flatten`, ..., never the `Sequential` that holds them), in the order the forward pass runs them,
#   each a `list` of `int`s with the batch dimension first.
#
# `input_size` is the shape of a whole input batch, batch dimension included, for example `(64, 1, 28, 28)`:
# hand it to torchinfo exactly as it is. Leaving out the batch dimension, or putting your own batch size in,
# X-rays a different input from the one you were asked about. Call it with `verbose=0` so it prints nothing;
# the object it returns has `total_params`, `trainable_params` and `summary_list` (one entry per layer, with
# `is_leaf_layer` and `output_size`).
#
# <details><summary>Hint</summary>
#
# `stats = summary(model, input_size=input_size, verbose=0)`, then
# `[list(layer.output_size) for layer in stats.summary_list if layer.is_leaf_layer]`.
# </details>

# %% tags=["graded"]
# [graded] 2_2_3.ex1 — the grader runs the code in this cell
from torchinfo import summary


def model_summary(model: nn.Module, input_size: tuple) -> dict:
    """torchinfo's X-ray of `model` on a batch of shape `input_size`: parameter counts and leaf output shapes."""
    # BEGIN SOLUTION hint: stats = summary(model, input_size=input_size, verbose=0); read its counts and summary_list
    stats = summary(model, input_size=input_size, verbose=0)
    shapes = [list(layer.output_size) for layer in stats.summary_list if layer.is_leaf_layer]
    return {"total_params": int(stats.total_params), "trainable_params": int(stats.trainable_params),
            "output_shapes": shapes}
    # END SOLUTION


# %% [markdown]
# The X-ray of a small MNIST classifier, first as torchinfo's own table, then as your dict:

# %%
demo = nn.Sequential(nn.Flatten(), nn.Linear(784, 64), nn.ReLU(), nn.Linear(64, 10))
print(summary(demo, input_size=(32, 1, 28, 28), verbose=0))
print(model_summary(demo, (32, 1, 28, 28)))

# %% [markdown]
# ## Exercise 2 · Plumbing, not design (2_2_3.ex2)
#
# *Supported.* `PlumbingNet()` as given does not run: X-ray it and torchinfo stops with PyTorch's shape error.
# The design is fine; one number is wrong. Read the table (torchinfo prints the layers it got through) or X-ray
# `model.body` alone, find how many features the body hands the head, and write `fixed_network()`, which
# returns a `PlumbingNet` whose head takes exactly that many. Change nothing else: the same class, the same
# layers, only the right `head_in`.

# %%
try:
    summary(PlumbingNet(), input_size=(8, 1, 28, 28), verbose=0)
except RuntimeError as error:
    print("X-ray failed:", str(error).splitlines()[0][:200])
    print("because:", error.__cause__)  # PyTorch's own shape error: (batch x features) against the head's weight

# %% tags=["graded"]
# [graded] 2_2_3.ex2 — the grader runs the code in this cell
def fixed_network() -> nn.Module:
    """PlumbingNet with the head's in_features matching what the body hands it."""
    # BEGIN SOLUTION hint: return PlumbingNet(head_in=...) with the body's last output size
    return PlumbingNet(head_in=32)
    # END SOLUTION


# %%
print(model_summary(fixed_network(), (8, 1, 28, 28))["output_shapes"])

# %% [markdown]
# ## Exercise 3 · Taking the pulse (2_2_3.ex3)
#
# *Supported.* Write `gradient_norms(model, X, y, criterion)`: one training iteration's gradients, measured.
#
# 1. clear the gradients first (`model.zero_grad()`): the model you are handed may still hold gradients from
#    an earlier step, and gradients add up: *clear, compute, use*;
# 2. forward and loss: `loss = criterion(model(X), y)`; then `loss.backward()`;
# 3. **after** the backward pass, return `{name: norm}` for every parameter of `model.named_parameters()`:
#    the L2 norm of that parameter's **gradient** (`param.grad`), as a Python `float`.
#
# Two ways to get a believable but wrong pulse: the norm of the weights themselves (`param.norm()`: it says
# how big the knobs are, not how hard the loss pushes on them), and norms read before `backward` (the
# gradients of the previous step, or none at all). Keep tiny norms as they are: `1e-14` is the diagnosis, do
# not round it away.
#
# <details><summary>Hint</summary>
#
# `{name: param.grad.norm().item() for name, param in model.named_parameters()}` once `backward` has run.
# </details>

# %% tags=["graded"]
# [graded] 2_2_3.ex3 — the grader runs the code in this cell
def gradient_norms(model: nn.Module, X: torch.Tensor, y: torch.Tensor, criterion) -> dict[str, float]:
    """One forward and backward pass on (X, y) from clear gradients; the L2 norm of each parameter's gradient."""
    # BEGIN SOLUTION hint: model.zero_grad(), criterion(model(X), y).backward(), then param.grad.norm().item()
    model.zero_grad()
    criterion(model(X), y).backward()
    return {name: param.grad.norm().item() for name, param in model.named_parameters()}
    # END SOLUTION


# %%
for kind in ("healthy", "vanishing", "exploding"):
    model, X, y = pulse_network(kind, seed=SEED)
    norms = gradient_norms(model, X, y, nn.CrossEntropyLoss())
    print(f"{kind:>9}: first layer {norms['0.weight']:.2e}, last layer {norms[list(norms)[-2]]:.2e}")

# %% [markdown]
# ## Exercise 4 · Read the pulse (2_2_3.ex4)
#
# *Supported.* Write `diagnose(norms)`, which reads a dict `{name: gradient norm}` (what `gradient_norms`
# returns) and says what it shows, by this rule:
#
# - `"exploding"` if the **largest** norm is above `1e3`;
# - otherwise `"vanishing"` if the **smallest** norm is below `1e-6`;
# - otherwise `"healthy"`.
#
# Look at every parameter: vanishing gradients die out in the layers *far from the loss* (the first ones), so
# the last layer alone looks healthy, and so does the loss: a vanishing network's first loss is as ordinary as
# a healthy one's. Only the pulse shows it, before any symptom appears.

# %% tags=["graded"]
# [graded] 2_2_3.ex4 — the grader runs the code in this cell
EXPLODING_ABOVE = 1e3
VANISHING_BELOW = 1e-6


def diagnose(norms: dict[str, float]) -> str:
    """Read the pulse: "exploding" if the largest norm is above 1e3, else "vanishing" if the smallest is below
    1e-6, else "healthy"."""
    # BEGIN SOLUTION hint: compare max(norms.values()) and min(norms.values()) with the two thresholds
    if max(norms.values()) > EXPLODING_ABOVE:
        return "exploding"
    if min(norms.values()) < VANISHING_BELOW:
        return "vanishing"
    return "healthy"
    # END SOLUTION


# %%
for kind in ("healthy", "vanishing", "exploding"):
    model, X, y = pulse_network(kind, seed=SEED)
    print(f"the {kind} network reads as {diagnose(gradient_norms(model, X, y, nn.CrossEntropyLoss()))!r}")

# %% [markdown]
# ## Exercise 5 · The flight recorder (2_2_3.ex5)
#
# *Supported.* Write `log_history(log_dir, history)`, which records a finished training history for
# TensorBoard with `torch.utils.tensorboard.SummaryWriter`:
#
# - `history` maps a name to one value per epoch, for example
#   `{"loss": [1.2, 0.8, 0.6], "accuracy": [0.61, 0.74, 0.80]}`;
# - every value is a scalar logged under its name as the tag (`writer.add_scalar("loss", 0.8, 2)`), at the
#   step of its **epoch number, counting from 1**: epoch 1's value at step 1, epoch 2's at step 2, ...;
#   `add_scalars(main_tag, {name: value}, epoch)` is fine too (TensorBoard then files each name in a
#   subfolder `<main_tag>_<name>` of `log_dir`);
# - write into `log_dir` (the writer creates it), and `close()` the writer before returning so every event is
#   on disk.
#
# The grader reads your event files back with TensorBoard's own reader and compares tags, steps and values.
# Forgetting the step (`add_scalar("loss", value)`) logs every value at step 0: TensorBoard then has no
# curve, only a pile of points at one step. Then run `tensorboard --logdir runs` (or, in Colab or Jupyter,
# `%load_ext tensorboard` and `%tensorboard --logdir runs`) to watch the recording.

# %% tags=["graded"]
# [graded] 2_2_3.ex5 — the grader runs the code in this cell
from torch.utils.tensorboard import SummaryWriter


def log_history(log_dir: str, history: dict[str, list[float]]) -> None:
    """Log every value of `history` to TensorBoard in `log_dir`: tag = its name, step = its epoch (from 1)."""
    # BEGIN SOLUTION hint: one SummaryWriter(log_dir); add_scalar(name, value, epoch) with epoch from 1; close()
    writer = SummaryWriter(log_dir)
    for name, values in history.items():
        for epoch, value in enumerate(values, start=1):
            writer.add_scalar(name, value, epoch)
    writer.close()
    # END SOLUTION


# %% [markdown]
# ## Exercise 6 · Loss going down ≠ training working (2_2_3.ex6)
#
# *Independent.* Write `detect_silent_failure(history, class_counts)`: `history` has one value per epoch
# under `"loss"` and under `"accuracy"` (a fraction between 0 and 1), and `class_counts[k]` is how many
# training examples belong to class `k`. Return `True` (a `bool`) exactly when both hold:
#
# - the loss went down: the last epoch's loss is below the first epoch's;
# - the last epoch's accuracy sits at the **class prior**: within `0.02` of the accuracy of always
#   guessing the most common class, `max(class_counts) / sum(class_counts)`.
#
# That is the silent failure: the model learned how common each class is, which lowers the loss, and nothing
# about the inputs. Note the prior is the most common class's share, not `1 / number of classes`: on an
# imbalanced data set they differ. A falling loss alone proves nothing; a loss that rises is a failure too, but
# a loud one, and not what this function detects.

# %% tags=["graded"]
# [graded] 2_2_3.ex6 — the grader runs the code in this cell
def detect_silent_failure(history: dict[str, list[float]], class_counts: list[int]) -> bool:
    """True when the loss went down while the last accuracy sits within 0.02 of the majority-class prior."""
    # BEGIN SOLUTION hint: the loss fell (last < first) and abs(last accuracy - max(counts) / sum(counts)) <= 0.02
    loss, accuracy = history["loss"], history["accuracy"]
    prior = max(class_counts) / sum(class_counts)
    return bool(loss[-1] < loss[0] and abs(accuracy[-1] - prior) <= 0.02)
    # END SOLUTION


# %% [markdown]
# A silent failure, live: 600 examples of 4 classes (70 % are class 0) whose inputs are pure noise. The loss
# falls from `ln 4 ≈ 1.39` towards the entropy of the class frequencies, and the accuracy never leaves 70 %.
# The flight recorder keeps both curves.

# %%
torch.manual_seed(SEED)
counts = [420, 60, 60, 60]
X_noise = torch.randn(sum(counts), 20)
y_noise = torch.cat([torch.full((n,), k) for k, n in enumerate(counts)])
model = nn.Sequential(nn.Linear(20, 4))
with torch.no_grad():
    model[0].weight.zero_()  # the inputs carry nothing: only the bias (the prior) can be learned
    model[0].bias.zero_()  # every class equally likely at the start: the loss starts at ln 4
    model[0].weight.requires_grad_(False)
optimizer = torch.optim.SGD([model[0].bias], lr=0.5)
history = {"loss": [], "accuracy": []}
for epoch in range(EPOCHS):
    optimizer.zero_grad()
    logits = model(X_noise)
    loss = nn.functional.cross_entropy(logits, y_noise)
    loss.backward()
    optimizer.step()
    history["loss"].append(loss.item())
    history["accuracy"].append((logits.argmax(dim=1) == y_noise).float().mean().item())
log_history(LOG_DIR, history)
print(f"loss {history['loss'][0]:.3f} → {history['loss'][-1]:.3f}, accuracy {history['accuracy'][-1]:.1%}")
print("silent failure:", detect_silent_failure(history, counts))

# %%
import matplotlib.pyplot as plt

fig, (left, right) = plt.subplots(1, 2, figsize=(9, 3))
left.plot(range(1, EPOCHS + 1), history["loss"])
left.set_title("loss: going down")
right.plot(range(1, EPOCHS + 1), history["accuracy"])
right.axhline(max(counts) / sum(counts), linestyle="--", color="gray", label="class prior")
right.set_title("accuracy: at the class prior")
right.legend()
plt.show()
