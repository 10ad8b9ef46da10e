"""Broken: the log_history cell has a syntax error; only exercise 5 is lost, the other cells still run."""
REPLACES = "2_2_3.ex5"
LOST = ["2_2_3.ex5"]
MESSAGE = "SyntaxError"
from torch.utils.tensorboard import SummaryWriter


def log_history(log_dir, history)
    pass
