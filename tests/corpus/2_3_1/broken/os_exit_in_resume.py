"""Broken: resume kills its own process with os._exit(0); only resume's checks are lost."""
LOST = ["2_3_1.ex3"]
MESSAGE = "exited with code 0"
import os


def resume(path, model, optimizer, device="cpu"):
    os._exit(0)
