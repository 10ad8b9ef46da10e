"""Broken: the cell that should define resume defines something else; the message names the missing function."""
REPLACES = "2_3_1.ex3"
LOST = ["2_3_1.ex3"]
MESSAGE = "does not define `resume`"


def resume_training(path, model, optimizer, device="cpu"):
    return 1
