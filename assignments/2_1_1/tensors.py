"""2.1.1 · Tensors: starter module for lesson 2_1_1 (tensors).

Fill in the stubs (each raises NotImplementedError), then check your work with
`pytest graders/2_1_1`. The release notebook 2-1-1-tensors.ipynb holds the same
exercises with the lesson's instructions; work in either file.
Generated from solutions/2_1_1/tensors.py by `gradekit build`; do not edit by hand.
"""


# %%
# [graded] 2_1_1 given code — the grader runs the code in this cell
import time

import numpy as np
import torch


# %%
# [graded] 2_1_1.ex1 — the grader runs the code in this cell
def make_tensors(seed: int) -> dict[str, torch.Tensor]:
    """Six CPU tensors, one per creation function, with the values, shapes and dtypes of the table."""
    # TODO 2_1_1.ex1: one tensor per key of the table; seed right before torch.randn
    raise NotImplementedError("Exercise 1 (create tensors, then check shape, dtype, device), 2_1_1.ex1: not implemented yet")


def describe(t: torch.Tensor) -> tuple:
    """Shape, dtype, device: the three attributes to check first."""
    # TODO 2_1_1.ex1: return a tuple of three attributes of t
    raise NotImplementedError("Exercise 1 (create tensors, then check shape, dtype, device), 2_1_1.ex1: not implemented yet")


# %%
# [graded] 2_1_1.ex2 — the grader runs the code in this cell
def linear_forward(X: torch.Tensor, w: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """The forward pass X @ w + b for a batch: [B, F] @ [F, K] + [K] -> [B, K]."""
    # TODO 2_1_1.ex2: matrix multiplication, then add the bias
    raise NotImplementedError("Exercise 2 (a forward pass for a batch, and flattening images), 2_1_1.ex2: not implemented yet")


def flatten_images(x: torch.Tensor) -> torch.Tensor:
    """A batch of images [B, 1, 28, 28] as rows [B, 784], contiguous or not."""
    # TODO 2_1_1.ex2: reshape, keeping the batch dimension
    raise NotImplementedError("Exercise 2 (a forward pass for a batch, and flattening images), 2_1_1.ex2: not implemented yet")


# %%
# [graded] 2_1_1.ex3 — the grader runs the code in this cell
def shares_memory_with(a: np.ndarray) -> torch.Tensor:
    """A tensor that shares memory with the array `a` (same shape and dtype)."""
    # TODO 2_1_1.ex3: the function that shares memory instead of copying
    raise NotImplementedError("Exercise 3 (shared memory or a copy), 2_1_1.ex3: not implemented yet")


def copy_of(a: np.ndarray) -> torch.Tensor:
    """A tensor with the values, shape and dtype of `a` that does not share its memory."""
    # TODO 2_1_1.ex3: the function that always copies
    raise NotImplementedError("Exercise 3 (shared memory or a copy), 2_1_1.ex3: not implemented yet")


# %%
# [graded] 2_1_1.ex4 — the grader runs the code in this cell
def to_device(t: torch.Tensor, device) -> torch.Tensor:
    """The tensor `t` on `device`: same values, shape and dtype."""
    # TODO 2_1_1.ex4: .to returns a new tensor
    raise NotImplementedError("Exercise 4 (where tensors live: devices, and small tensors on the CPU), 2_1_1.ex4: not implemented yet")


def time_matmul(a: torch.Tensor, b: torch.Tensor, device, repeats: int = 20) -> float:
    """Mean seconds of one a @ b on `device`, waiting for the GPU to finish on CUDA."""
    # TODO 2_1_1.ex4: move first; synchronize on CUDA before starting and before stopping the clock
    raise NotImplementedError("Exercise 4 (where tensors live: devices, and small tensors on the CPU), 2_1_1.ex4: not implemented yet")


def cpu_vs_device(n: int, device, repeats: int = 20) -> dict[str, float]:
    """Mean seconds of an n x n matrix product on the CPU and on `device`: {"cpu": ..., "device": ...}."""
    # TODO 2_1_1.ex4: one torch.randn(n, n), timed by time_matmul on each device
    raise NotImplementedError("Exercise 4 (where tensors live: devices, and small tensors on the CPU), 2_1_1.ex4: not implemented yet")
