"""Mistake: any name other than "adam" quietly gives SGD: a typo ("Adam", "rmsprop") trains the wrong optimizer."""
CAUGHT_BY = {"test_make_optimizer_refuses_an_unknown_name": "should raise ValueError"}


def make_optimizer(name, params, lr):
    if name == "adam":
        return torch.optim.Adam(params, lr=lr)
    return torch.optim.SGD(params, lr=lr)
