# %% [markdown]
# # 2.1.2 · Autograd: press Record, press Rewind
#
# Lesson `autograd`. In Series 1.3 you computed gradients by hand: a forward pass, then the chain rule walked
# backward node by node. PyTorch does the same walk for you. **Not magic — automation**: autograd records the
# operations while you compute and replays them backward when you ask.
#
# - `requires_grad=True` is **press Record**: from now on PyTorch writes every operation on this tensor onto a
#   tape (the computational graph).
# - `loss.backward()` is **press Rewind**: the tape is played backward, the chain rule applied at each step,
#   and the gradients land in the `.grad` of the **leaf** tensors (the ones you created with `requires_grad`).
# - `torch.no_grad()` **pauses the recording**: an update of the parameters is not part of the model.
# - `.detach()` **snips the tape**: the value leaves the graph.
#
# In this notebook you will:
#
# 1. write `grad_of(f, x)`, the gradient of any scalar function, checked against finite differences;
# 2. write `sgd_step_(params, lr)`, one gradient-descent update done the PyTorch way;
# 3. fit a line with raw tensors, `fit_line_raw(X, y, lr, steps)`: **"clear, compute, use"**;
# 4. hand a value to a log or a plot without the graph: `log_predictions(X, w, b)`.
#
# Check your work with `pytest graders/2_1_2` (add `--exercise 2_1_2.ex3` for one exercise).

# %% tags=["parameters"]
# Settings: the grader's notebook runs change these; you may too.
SEED = 0  # the seed of the demo data below
STEPS = 60  # gradient-descent steps of the demo fits
LR = 0.1  # their learning rate

# %% [markdown]
# ## Given code
#
# A line with noise to fit, and the loss of a line `w * X + b` on it: the mean squared error ("wrongness
# score") of Series 1.

# %% tags=["graded"]
# [graded] 2_1_2 given code — the grader runs the code in this cell
import torch


def make_line_data(n: int, w_true: float, b_true: float, noise: float = 0.1, seed: int = 0):
    """n points on the line y = w_true * x + b_true plus Gaussian noise: X and y, 1-D float32 tensors."""
    generator = torch.Generator().manual_seed(seed)
    X = torch.rand(n, generator=generator) * 4 - 2
    y = w_true * X + b_true + noise * torch.randn(n, generator=generator)
    return X, y


def line_loss(w: torch.Tensor, b: torch.Tensor, X: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Mean squared error of the line w * X + b on the points (X, y): a 0-dim tensor."""
    return ((w * X + b - y) ** 2).mean()


# %% [markdown]
# Press Record, compute, press Rewind: the gradient of $x^2 + 3x$ at $x = 2$ is $2x + 3 = 7$.

# %%
x = torch.tensor(2.0, requires_grad=True)  # press Record
y = x**2 + 3 * x  # every operation goes on the tape
y.backward()  # press Rewind
print("dy/dx at x = 2:", x.grad.item())
print("y remembers how it was made:", y.grad_fn)

# %% [markdown]
# ## Exercise 1 · The gradient of any function (2_1_2.ex1)
#
# *Guided.* Write `grad_of(f, x)`. `f` is a scalar function: it takes a tensor shaped like `x` and returns a
# 0-dim tensor. `x` is a float tensor of any shape that does not record (`requires_grad=False`).
#
# - Return the gradient $\partial f / \partial x$ at `x`: a tensor with **the shape and dtype of `x`** that is
#   not part of any graph (`requires_grad=False`).
# - Get it through autograd: a recording copy of `x` (`requires_grad`), `backward()` on `f`'s result, the
#   copy's `.grad`. No formulas by hand: `f` can be anything.
# - **Leave the caller's `x` untouched**: afterwards it still does not record, has no `.grad`, and holds the
#   same values. Calling `grad_of` twice gives the same answer twice.
#
# The grader draws random functions (sums of `sin`, `exp`, powers, products, ...) and random points and compares
# your gradient with finite differences, $(f(x + h) - f(x - h)) / 2h$ per coordinate.
#
# <details><summary>Hint</summary>
#
# `x.detach().clone().requires_grad_(True)` is a fresh leaf that records, holding `x`'s values; the caller's
# `x` never starts recording. The gradient lands in the **leaf's** `.grad`: a tensor computed from the leaf
# (`leaf * 1.0`, `leaf.double()`) is not a leaf, and its `.grad` stays `None`.
# </details>

# %% tags=["graded"]
# [graded] 2_1_2.ex1 — the grader runs the code in this cell
def grad_of(f, x: torch.Tensor) -> torch.Tensor:
    """The gradient of the scalar function f at x, by autograd; the caller's x is left untouched."""
    # BEGIN SOLUTION hint: a recording copy of x (press Record), backward() on f of it (press Rewind), its .grad
    leaf = x.detach().clone().requires_grad_(True)
    f(leaf).backward()
    return leaf.grad
    # END SOLUTION


# %%
x = torch.tensor([1.0, -2.0, 0.5])
print("gradient of sum(x**3):", grad_of(lambda t: (t**3).sum(), x))  # 3 x**2
print("gradient of sin(x).sum():", grad_of(lambda t: t.sin().sum(), x), "vs cos(x):", x.cos())
print("x still does not record:", x.requires_grad, x.grad)

# %% [markdown]
# ## Exercise 2 · One step downhill (2_1_2.ex2)
#
# *Guided.* Write `sgd_step_(params, lr)`: one step of gradient descent on every tensor of the list `params`
# (leaf tensors with `requires_grad=True` whose `.grad` holds a gradient). The trailing underscore says it
# works **in place**, like `zero_()`. It returns `None`.
#
# - The update `p -= lr * p.grad` runs **under `torch.no_grad()`**: pause the recording, because the update is
#   not part of the model. Outside it, PyTorch refuses an in-place change of a leaf that records, and
#   `p = p - lr * p.grad` would make a new, recorded tensor (no longer a leaf) while the parameter itself
#   never moves.
# - Afterwards every parameter is **the same tensor object**, still a leaf with `requires_grad=True`.
# - **Clear** each gradient (`p.grad = None` or `p.grad.zero_()`; both are right): gradients add up on every
#   `backward()`, and a gradient left behind is added to the next one.
#
# <details><summary>Hint</summary>
#
# ```python
# with torch.no_grad():
#     for p in params:
#         ...
# ```
# </details>

# %% tags=["graded"]
# [graded] 2_1_2.ex2 — the grader runs the code in this cell
def sgd_step_(params: list, lr: float) -> None:
    """One gradient-descent update of every parameter, in place under torch.no_grad(); then clear its gradient."""
    # BEGIN SOLUTION hint: with torch.no_grad(): p -= lr * p.grad for each p, then p.grad = None
    with torch.no_grad():
        for p in params:
            p -= lr * p.grad
            p.grad = None
    # END SOLUTION


# %%
w = torch.tensor([1.0, 2.0], requires_grad=True)
loss = (w**2).sum()
loss.backward()
print("before:", w.data.tolist(), "gradient:", w.grad.tolist())
sgd_step_([w], lr=0.1)
print("after: ", w.tolist(), "is leaf:", w.is_leaf, "gradient cleared:", w.grad)

# %% [markdown]
# ## Exercise 3 · Fit a line with raw tensors (2_1_2.ex3)
#
# *Supported.* Write `fit_line_raw(X, y, lr, steps)`: gradient descent on the line `w * X + b` with nothing but
# tensors and autograd. `X` and `y` are 1-D float32 tensors of the same length.
#
# - Start at `w = 0` and `b = 0`: 0-dim float32 tensors that record (`requires_grad=True`).
# - Each of the `steps` steps: **clear, compute, use**. Clear the gradients (set them to `None` or zero them),
#   compute the loss `line_loss(w, b, X, y)` and `backward()`, use the gradients for one update under
#   `torch.no_grad()`.
# - Return `(w, b, losses)`: the trained `w` and `b` (0-dim tensors), and `losses`, a list of `steps` Python
#   floats, the loss of each step **before** its update (log `loss.item()`: a number, not the graph).
#
# The grader gives your function data it drew from a secret seed and compares your losses, step by step, with
# its own run of the same steps from the same start (within 1e-4, relative), then checks that your `w` and `b`
# end where its run ends (within 1e-3): next to the best line through the points.
#
# <details><summary>Hint</summary>
#
# Write the loop with raw tensors, as above; the order clear → compute → use matters. Clearing at the end of
# each step (compute, use, clear) is the same thing.
# </details>

# %% tags=["graded"]
# [graded] 2_1_2.ex3 — the grader runs the code in this cell
def fit_line_raw(X: torch.Tensor, y: torch.Tensor, lr: float, steps: int):
    """Fit y ≈ w * X + b by gradient descent from w = b = 0 with raw tensors; return (w, b, losses)."""
    # BEGIN SOLUTION hint: w and b start at 0 with requires_grad=True; each step: clear, compute, use
    w = torch.zeros((), requires_grad=True)
    b = torch.zeros((), requires_grad=True)
    losses = []
    for _ in range(steps):
        w.grad, b.grad = None, None  # clear
        loss = line_loss(w, b, X, y)  # compute
        loss.backward()
        with torch.no_grad():  # use
            w -= lr * w.grad
            b -= lr * b.grad
        losses.append(loss.item())
    return w, b, losses
    # END SOLUTION


# %%
X, y = make_line_data(50, w_true=2.5, b_true=-1.0, seed=SEED)
w, b, losses = fit_line_raw(X, y, lr=LR, steps=STEPS)
print(f"found w = {w.item():.3f}, b = {b.item():.3f} (true line: 2.5, -1.0); final loss {losses[-1]:.4f}")

# %% [markdown]
# ### The #1 beginner bug: gradients that are never cleared
#
# `backward()` **adds** to `.grad`; it never replaces it. Forget the "clear" of clear, compute, use, and every
# step uses the sum of all the gradients so far. Watch `w.grad` grow, and the loss go astray.

# %%
def fit_line_without_clearing(X, y, lr, steps):
    """fit_line_raw without the clear: the gradients accumulate."""
    w = torch.zeros((), requires_grad=True)
    b = torch.zeros((), requires_grad=True)
    losses, grads = [], []
    for _ in range(steps):
        loss = line_loss(w, b, X, y)
        loss.backward()
        grads.append(w.grad.item())
        with torch.no_grad():
            w -= lr * w.grad
            b -= lr * b.grad
        losses.append(loss.item())
    return losses, grads


bad_losses, bad_grads = fit_line_without_clearing(X, y, LR, STEPS)
print("w.grad, never cleared:", [round(g, 2) for g in bad_grads[:6]])

# %%
import matplotlib.pyplot as plt

plt.plot(losses, label="clear, compute, use")
plt.plot(bad_losses, label="never cleared (gradients accumulate)")
plt.yscale("log")
plt.xlabel("step")
plt.ylabel("loss")
plt.legend()
plt.show()

# %% [markdown]
# ### Two more ways to trip
#
# The tape is used up by a rewind: `backward()` a second time on the same recording raises an error. And only
# leaves get a `.grad`: a tensor computed from a leaf has `None` there.

# %%
w = torch.tensor(1.0, requires_grad=True)
loss = (3 * w) ** 2
loss.backward()
try:
    loss.backward()  # press Rewind again on a tape that is already gone
except RuntimeError as error:
    print("second backward():", str(error).split(".")[0])
scaled = w * 2  # not a leaf: computed from w
print("w.is_leaf:", w.is_leaf, " scaled.is_leaf:", scaled.is_leaf)

# %% [markdown]
# ## Exercise 4 · Snip the tape for a log or a plot (2_1_2.ex4)
#
# *Independent.* Write `log_predictions(X, w, b)`: the predictions `w * X + b` of a line whose `w` and `b` are
# recording (`requires_grad=True`), as a value for a log or a plot.
#
# - Return a tensor with the predictions' values, shape and dtype that **has left the graph**:
#   `requires_grad=False` and no `grad_fn`, so `.numpy()` works on it and it holds on to no tape.
# - `w` and `b` keep recording: do not change them (they are still leaves with `requires_grad=True`, and
#   get no gradient from this).
#
# `.detach()` snips the tape; computing under `torch.no_grad()` never records in the first place. Either is
# right.

# %% tags=["graded"]
# [graded] 2_1_2.ex4 — the grader runs the code in this cell
def log_predictions(X: torch.Tensor, w: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """The predictions w * X + b as a tensor that has left the graph (for a log or a plot)."""
    # BEGIN SOLUTION hint: compute w * X + b, then snip the tape
    return (w * X + b).detach()
    # END SOLUTION


# %%
w = torch.tensor(2.0, requires_grad=True)
b = torch.tensor(-1.0, requires_grad=True)
try:
    (w * X + b).numpy()
except RuntimeError as error:
    print("without detach:", str(error).split(".")[0])
predictions = log_predictions(X, w, b)
plt.scatter(X.numpy(), y.numpy(), s=10, label="data")
plt.plot(X.numpy(), predictions.numpy(), "r.", label="w * X + b")
plt.legend()
plt.show()
