"""Broken: the grad_of cell crashes when it runs (an import that does not exist); only exercise 1 is lost."""
REPLACES = "2_1_2.ex1"
LOST = ["2_1_2.ex1"]
MESSAGE = "does not define `grad_of`"
import torch_autograd_helpers  # noqa: F401 - no such module


def grad_of(f, x):
    leaf = x.detach().clone().requires_grad_(True)
    f(leaf).backward()
    return leaf.grad
