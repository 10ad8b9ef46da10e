"""Mistake: the norms rounded to 4 decimals: a vanishing network's 1e-14 becomes 0.0 (only the hidden check sees a
vanishing network)."""
CAUGHT_BY = {"test_gradient_norms_keep_a_vanishing_pulse": "differ from those of one backward pass"}


def gradient_norms(model, X, y, criterion):
    model.zero_grad()
    criterion(model(X), y).backward()
    return {name: round(param.grad.norm().item(), 4) for name, param in model.named_parameters()}
