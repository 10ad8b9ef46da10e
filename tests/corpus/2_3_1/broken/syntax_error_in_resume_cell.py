"""Broken: the resume cell has a syntax error; only exercise 3 is lost, the other cells still run."""
REPLACES = "2_3_1.ex3"
LOST = ["2_3_1.ex3"]
MESSAGE = "SyntaxError"
def resume(path, model, optimizer, device="cpu")
    return 1
