"""Broken: the train cell has a syntax error; only exercise 2 is lost, the other cells still run."""
REPLACES = "2_1_4.ex2"
LOST = ["2_1_4.ex2"]
MESSAGE = "SyntaxError"
def train(model, X, y, optimizer, criterion, epochs)
    return []
