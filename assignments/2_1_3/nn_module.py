"""2.1.3 · nn.Module: same math, better organization: starter module for lesson 2_1_3 (nn-module).

Fill in the stubs (each raises NotImplementedError), then check your work with
`pytest graders/2_1_3`. The release notebook 2-1-3-nn-module.ipynb holds the same
exercises with the lesson's instructions; work in either file.
Generated from solutions/2_1_3/nn_module.py by `gradekit build`; do not edit by hand.
"""


# %%
# [graded] 2_1_3 given code — the grader runs the code in this cell
import torch
import torch.nn as nn


def raw_forward(X: torch.Tensor, W1: torch.Tensor, b1: torch.Tensor, W2: torch.Tensor,
                b2: torch.Tensor) -> torch.Tensor:
    """A two-layer network in raw tensors: hidden = relu(X @ W1 + b1), output = hidden @ W2 + b2."""
    hidden = torch.relu(X @ W1 + b1)
    return hidden @ W2 + b2


# %%
# [graded] 2_1_3.ex1 — the grader runs the code in this cell
class TwoLayerNet(nn.Module):
    """Linear → ReLU → Linear: __init__ says what layers exist, forward says how data flows through them."""

    def __init__(self, in_features: int, hidden_features: int, out_features: int) -> None:
        # TODO 2_1_3.ex1: super().__init__() first, then fc1, a ReLU and fc2 as attributes
        raise NotImplementedError("Exercise 1 (a module of your own), 2_1_3.ex1: not implemented yet")

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """(batch, in_features) → (batch, out_features)."""
        # TODO 2_1_3.ex1: fc1, then the ReLU, then fc2
        raise NotImplementedError("Exercise 1 (a module of your own), 2_1_3.ex1: not implemented yet")


# %%
# [graded] 2_1_3.ex2 — the grader runs the code in this cell
def linear_by_hand(linear: nn.Linear, x: torch.Tensor) -> torch.Tensor:
    """What linear(x) computes, written out: x @ W.T + b with W and b read from the layer."""
    # TODO 2_1_3.ex2: linear.weight is (out, in): transpose it
    raise NotImplementedError("Exercise 2 (nn.Linear IS w*x + b), 2_1_3.ex2: not implemented yet")


# %%
# [graded] 2_1_3.ex3 — the grader runs the code in this cell
def count_parameters(model: nn.Module) -> int:
    """The number of learnable numbers in `model`: the total size of its parameters."""
    # TODO 2_1_3.ex3: sum the numel() of each tensor in model.parameters()
    raise NotImplementedError("Exercise 3 (count the parameters), 2_1_3.ex3: not implemented yet")


# %%
# [graded] 2_1_3.ex4 — the grader runs the code in this cell
def load_raw_weights(model: nn.Module, W1: torch.Tensor, b1: torch.Tensor, W2: torch.Tensor,
                     b2: torch.Tensor) -> nn.Module:
    """Copy raw (in, out) weights into model.fc1 and model.fc2 (stored (out, in)) and return the model."""
    # TODO 2_1_3.ex4: under torch.no_grad(), copy_ W1.T into fc1.weight, b1 into fc1.bias, and so on
    raise NotImplementedError("Exercise 4 (three representations of the same network), 2_1_3.ex4: not implemented yet")


# %%
# [graded] 2_1_3.ex5 — the grader runs the code in this cell
def make_mlp(sizes: list[int]) -> nn.Sequential:
    """An nn.Sequential MLP: Linear layers through `sizes`, a ReLU between each pair, none after the last."""
    # TODO 2_1_3.ex5: build a list of layers, then nn.Sequential(*layers)
    raise NotImplementedError("Exercise 5 (stacks of layers with nn.Sequential), 2_1_3.ex5: not implemented yet")


# %%
# [graded] 2_1_3.ex6 — the grader runs the code in this cell
class ResidualBlock(nn.Module):
    """x + branch(x), the branch being Linear → ReLU → Linear of width `dim`: a skip connection."""

    def __init__(self, dim: int) -> None:
        # TODO 2_1_3.ex6: super().__init__(), then the branch's two Linear(dim, dim) layers and a ReLU
        raise NotImplementedError("Exercise 6 (a residual block), 2_1_3.ex6: not implemented yet")

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """(batch, dim) → (batch, dim): the input plus the branch's output."""
        # TODO 2_1_3.ex6: add the block's input to the branch's output
        raise NotImplementedError("Exercise 6 (a residual block), 2_1_3.ex6: not implemented yet")
