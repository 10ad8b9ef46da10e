"""Broken: the make_optimizer cell crashes as it is loaded (a module that does not exist); only exercise 1 is lost."""
REPLACES = "2_1_4.ex1"
LOST = ["2_1_4.ex1"]
MESSAGE = "does not define `make_optimizer`"
import torch.optimizers


def make_optimizer(name, params, lr):
    return torch.optimizers.SGD(params, lr=lr)
