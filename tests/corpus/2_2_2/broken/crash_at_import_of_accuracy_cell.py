"""Broken: the accuracy cell crashes as it is loaded (a module that does not exist); only exercise 3 is lost."""
REPLACES = "2_2_2.ex3"
LOST = ["2_2_2.ex3"]
MESSAGE = "does not define `accuracy`"
import torch.metrics


def accuracy(logits, targets):
    return torch.metrics.accuracy(logits, targets)
