"""Broken: the count_parameters cell crashes at import (a module that does not exist); only exercise 3 is lost."""
REPLACES = "2_1_3.ex3"
LOST = ["2_1_3.ex3"]
MESSAGE = "does not define `count_parameters`"
import torchsummary_that_is_not_installed


def count_parameters(model):
    return sum(p.numel() for p in model.parameters())
