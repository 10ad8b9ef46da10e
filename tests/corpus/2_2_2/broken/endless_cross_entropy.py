"""Broken: cross_entropy loops forever; the worker is stopped at its time limit (5 s for these checks), only
exercise 2 is lost."""
LOST = ["2_2_2.ex2"]
MESSAGE = "did not finish"


def cross_entropy(logits, targets):
    total = 0.0
    while True:
        total += 1.0
