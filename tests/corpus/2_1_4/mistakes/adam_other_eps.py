"""Mistake: Adam with eps 1e-6, not the course's default 1e-8: it shows only where a gradient is that small."""
CAUGHT_BY = {"test_adam_uses_the_course_defaults": "eps=1e-8"}


def make_optimizer(name, params, lr):
    if name == "sgd":
        return torch.optim.SGD(params, lr=lr)
    if name == "adam":
        return torch.optim.Adam(params, lr=lr, eps=1e-6)
    raise ValueError(name)
