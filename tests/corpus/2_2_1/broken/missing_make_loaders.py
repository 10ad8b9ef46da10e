"""Broken: the cell that should define make_loaders defines something else; the message names the missing function."""
REPLACES = "2_2_1.ex5"
LOST = ["2_2_1.ex5"]
MESSAGE = "does not define `make_loaders`"


def build_loaders(train_set, test_set, batch_size):
    return make_loader(train_set, batch_size, True), make_loader(test_set, batch_size, False)
