"""Mistake: evaluate records the forward pass (no torch.no_grad()): a graph built for nothing."""
CAUGHT_BY = {"test_evaluate_pauses_recording": "press Record off"}


def evaluate(model, X, y, criterion):
    model.eval()
    return criterion(model(X), y).item()
