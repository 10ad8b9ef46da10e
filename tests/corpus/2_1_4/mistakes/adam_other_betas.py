"""Mistake: Adam with betas (0.9, 0.99), not the course's defaults (0.9, 0.999)."""
CAUGHT_BY = {"test_adam_uses_the_course_defaults": "betas=(0.9, 0.999)"}


def make_optimizer(name, params, lr):
    if name == "sgd":
        return torch.optim.SGD(params, lr=lr)
    if name == "adam":
        return torch.optim.Adam(params, lr=lr, betas=(0.9, 0.99))
    raise ValueError(name)
