"""Broken: the shared-memory cell has a syntax error; only exercise 3 is lost, the other cells still run."""
REPLACES = "2_1_1.ex3"
LOST = ["2_1_1.ex3"]
MESSAGE = "SyntaxError"
def shares_memory_with(a)
    return torch.from_numpy(a)


def copy_of(a):
    return torch.tensor(a)
