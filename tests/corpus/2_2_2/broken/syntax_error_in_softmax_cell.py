"""Broken: the softmax cell has a syntax error; only exercise 1 is lost, the other cells still run."""
REPLACES = "2_2_2.ex1"
LOST = ["2_2_2.ex1"]
MESSAGE = "SyntaxError"
def softmax(logits)
    return logits
