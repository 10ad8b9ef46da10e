"""2.2.3 · Debugging and monitoring: starter module for lesson 2_2_3 (debugging-and-monitoring).

Fill in the stubs (each raises NotImplementedError), then check your work with
`pytest graders/2_2_3`. The release notebook 2-2-3-debugging-and-monitoring.ipynb holds the same
exercises with the lesson's instructions; work in either file.
Generated from solutions/2_2_3/debugging_and_monitoring.py by `gradekit build`; do not edit by hand.
"""


# %%
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


# %%
# [graded] 2_2_3.ex1 — the grader runs the code in this cell
from torchinfo import summary


def model_summary(model: nn.Module, input_size: tuple) -> dict:
    """torchinfo's X-ray of `model` on a batch of shape `input_size`: parameter counts and leaf output shapes."""
    # TODO 2_2_3.ex1: stats = summary(model, input_size=input_size, verbose=0); read its counts and summary_list
    raise NotImplementedError("Exercise 1 (torchinfo is an X-ray), 2_2_3.ex1: not implemented yet")


# %%
# [graded] 2_2_3.ex2 — the grader runs the code in this cell
def fixed_network() -> nn.Module:
    """PlumbingNet with the head's in_features matching what the body hands it."""
    # TODO 2_2_3.ex2: return PlumbingNet(head_in=...) with the body's last output size
    raise NotImplementedError("Exercise 2 (plumbing, not design), 2_2_3.ex2: not implemented yet")


# %%
# [graded] 2_2_3.ex3 — the grader runs the code in this cell
def gradient_norms(model: nn.Module, X: torch.Tensor, y: torch.Tensor, criterion) -> dict[str, float]:
    """One forward and backward pass on (X, y) from clear gradients; the L2 norm of each parameter's gradient."""
    # TODO 2_2_3.ex3: model.zero_grad(), criterion(model(X), y).backward(), then param.grad.norm().item()
    raise NotImplementedError("Exercise 3 (taking the pulse), 2_2_3.ex3: not implemented yet")


# %%
# [graded] 2_2_3.ex4 — the grader runs the code in this cell
EXPLODING_ABOVE = 1e3
VANISHING_BELOW = 1e-6


def diagnose(norms: dict[str, float]) -> str:
    """Read the pulse: "exploding" if the largest norm is above 1e3, else "vanishing" if the smallest is below
    1e-6, else "healthy"."""
    # TODO 2_2_3.ex4: compare max(norms.values()) and min(norms.values()) with the two thresholds
    raise NotImplementedError("Exercise 4 (read the pulse), 2_2_3.ex4: not implemented yet")


# %%
# [graded] 2_2_3.ex5 — the grader runs the code in this cell
from torch.utils.tensorboard import SummaryWriter


def log_history(log_dir: str, history: dict[str, list[float]]) -> None:
    """Log every value of `history` to TensorBoard in `log_dir`: tag = its name, step = its epoch (from 1)."""
    # TODO 2_2_3.ex5: one SummaryWriter(log_dir); add_scalar(name, value, epoch) with epoch from 1; close()
    raise NotImplementedError("Exercise 5 (the flight recorder), 2_2_3.ex5: not implemented yet")


# %%
# [graded] 2_2_3.ex6 — the grader runs the code in this cell
def detect_silent_failure(history: dict[str, list[float]], class_counts: list[int]) -> bool:
    """True when the loss went down while the last accuracy sits within 0.02 of the majority-class prior."""
    # TODO 2_2_3.ex6: the loss fell (last < first) and abs(last accuracy - max(counts) / sum(counts)) <= 0.02
    raise NotImplementedError("Exercise 6 (loss going down ≠ training working), 2_2_3.ex6: not implemented yet")
