"""2.1.4 · The training loop: starter module for lesson 2_1_4 (training-loop).

Fill in the stubs (each raises NotImplementedError), then check your work with
`pytest graders/2_1_4`. The release notebook 2-1-4-training-loop.ipynb holds the same
exercises with the lesson's instructions; work in either file.
Generated from solutions/2_1_4/training_loop.py by `gradekit build`; do not edit by hand.
"""


# %%
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
# [graded] 2_1_4.ex1 — the grader runs the code in this cell
def make_optimizer(name: str, params, lr: float) -> torch.optim.Optimizer:
    """Return SGD or Adam (by `name`: "sgd" or "adam") over `params` with learning rate `lr`."""
    # TODO 2_1_4.ex1: "sgd" → torch.optim.SGD, "adam" → torch.optim.Adam, both on params with lr=lr
    raise NotImplementedError("Exercise 1 (one interface for every optimizer), 2_1_4.ex1: not implemented yet")


# %%
# [graded] 2_1_4.ex2 — the grader runs the code in this cell
def train(model: nn.Module, X: torch.Tensor, y: torch.Tensor, optimizer, criterion, epochs: int) -> list[float]:
    """Train `model` on (X, y) for `epochs` full-batch steps; return each epoch's loss as a float."""
    # TODO 2_1_4.ex2: model.train(), then per epoch: clear, forward + loss, compute, use; record loss.item()
    raise NotImplementedError("Exercise 2 (the training loop), 2_1_4.ex2: not implemented yet")


# %%
# [graded] 2_1_4.ex3 — the grader runs the code in this cell
def evaluate(model: nn.Module, X: torch.Tensor, y: torch.Tensor, criterion) -> float:
    """The loss of `model` on (X, y) in eval mode, with recording paused, as a float."""
    # TODO 2_1_4.ex3: model.eval(), then the forward pass and loss inside torch.no_grad(); return .item()
    raise NotImplementedError("Exercise 3 (evaluate in eval mode), 2_1_4.ex3: not implemented yet")
