"""Mistake: the pulse taken on the weights themselves (param.norm()), not on their gradients."""
CAUGHT_BY = {"test_gradient_norms_take_the_pulse_after_backward": "norms of the weights themselves"}


def gradient_norms(model, X, y, criterion):
    model.zero_grad()
    criterion(model(X), y).backward()
    return {name: param.norm().item() for name, param in model.named_parameters()}
