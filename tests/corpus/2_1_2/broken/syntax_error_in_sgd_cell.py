"""Broken: the sgd_step_ cell has a syntax error; only exercise 2 is lost, the other cells still run."""
REPLACES = "2_1_2.ex2"
LOST = ["2_1_2.ex2"]
MESSAGE = "SyntaxError"
def sgd_step_(params, lr)
    return None
