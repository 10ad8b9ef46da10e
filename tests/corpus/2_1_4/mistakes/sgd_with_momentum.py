"""Mistake: SGD with momentum 0.9: a different update rule from the course's plain SGD."""
CAUGHT_BY = {"test_sgd_is_plain_gradient_descent": "momentum"}


def make_optimizer(name, params, lr):
    if name == "sgd":
        return torch.optim.SGD(params, lr=lr, momentum=0.9)
    if name == "adam":
        return torch.optim.Adam(params, lr=lr)
    raise ValueError(name)
