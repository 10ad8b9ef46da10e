"""2.1.2 · Autograd: press Record, press Rewind: starter module for lesson 2_1_2 (autograd-basics).

Fill in the stubs (each raises NotImplementedError), then check your work with
`pytest graders/2_1_2`. The release notebook 2-1-2-autograd-basics.ipynb holds the same
exercises with the lesson's instructions; work in either file.
Generated from solutions/2_1_2/autograd_basics.py by `gradekit build`; do not edit by hand.
"""


# %%
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


# %%
# [graded] 2_1_2.ex1 — the grader runs the code in this cell
def grad_of(f, x: torch.Tensor) -> torch.Tensor:
    """The gradient of the scalar function f at x, by autograd; the caller's x is left untouched."""
    # TODO 2_1_2.ex1: a recording copy of x (press Record), backward() on f of it (press Rewind), its .grad
    raise NotImplementedError("Exercise 1 (the gradient of any function), 2_1_2.ex1: not implemented yet")


# %%
# [graded] 2_1_2.ex2 — the grader runs the code in this cell
def sgd_step_(params: list, lr: float) -> None:
    """One gradient-descent update of every parameter, in place under torch.no_grad(); then clear its gradient."""
    # TODO 2_1_2.ex2: with torch.no_grad(): p -= lr * p.grad for each p, then p.grad = None
    raise NotImplementedError("Exercise 2 (one step downhill), 2_1_2.ex2: not implemented yet")


# %%
# [graded] 2_1_2.ex3 — the grader runs the code in this cell
def fit_line_raw(X: torch.Tensor, y: torch.Tensor, lr: float, steps: int):
    """Fit y ≈ w * X + b by gradient descent from w = b = 0 with raw tensors; return (w, b, losses)."""
    # TODO 2_1_2.ex3: w and b start at 0 with requires_grad=True; each step: clear, compute, use
    raise NotImplementedError("Exercise 3 (fit a line with raw tensors), 2_1_2.ex3: not implemented yet")


# %%
# [graded] 2_1_2.ex4 — the grader runs the code in this cell
def log_predictions(X: torch.Tensor, w: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """The predictions w * X + b as a tensor that has left the graph (for a log or a plot)."""
    # TODO 2_1_2.ex4: compute w * X + b, then snip the tape
    raise NotImplementedError("Exercise 4 (snip the tape for a log or a plot), 2_1_2.ex4: not implemented yet")
