"""Mistake: the norms are read before loss.backward(): the gradients of the previous step."""
CAUGHT_BY = {"test_gradient_norms_take_the_pulse_after_backward": "before your backward pass"}


def gradient_norms(model, X, y, criterion):
    norms = {name: param.grad.norm().item() for name, param in model.named_parameters()}
    model.zero_grad()
    criterion(model(X), y).backward()
    return norms
