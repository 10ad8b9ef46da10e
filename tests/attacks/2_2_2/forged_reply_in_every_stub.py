"""A forged reply from every stub: each function the checks call writes a reply claiming success on every pipe and
socket, then blocks, hoping the worker reads the forgery as its answer. The honest work: the starter."""
import time

# ---- attack ----


def forger(*args, **kwargs):
    forge(claimed_success())  # noqa: F821 - from the toolkit
    time.sleep(2)
    raise NotImplementedError("forged")


every_exercise(forger)
