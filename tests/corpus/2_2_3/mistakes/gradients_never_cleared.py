"""Mistake: no zero_grad before the backward pass: the old gradients and the new ones add up."""
CAUGHT_BY = {"test_gradient_norms_take_the_pulse_after_backward": "gradients add up"}


def gradient_norms(model, X, y, criterion):
    criterion(model(X), y).backward()
    return {name: param.grad.norm().item() for name, param in model.named_parameters()}
