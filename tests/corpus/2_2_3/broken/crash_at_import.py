"""Broken: the model_summary cell imports a module that does not exist; only exercise 1 is lost."""
REPLACES = "2_2_3.ex1"
LOST = ["2_2_3.ex1"]
MESSAGE = "does not define `model_summary`"
from torchsummary import summary


def model_summary(model, input_size):
    return summary(model, input_size)
