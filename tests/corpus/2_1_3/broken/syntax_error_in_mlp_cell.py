"""Broken: the make_mlp cell has a syntax error; only exercise 5 is lost, the other cells still run."""
REPLACES = "2_1_3.ex5"
LOST = ["2_1_3.ex5"]
MESSAGE = "SyntaxError"
def make_mlp(sizes)
    return nn.Sequential()
