"""Mistake: evaluate forgets model.eval(): dropout stays on and the loss changes from call to call."""
CAUGHT_BY = {"test_evaluate_switches_dropout_off": "dropout is still on"}


def evaluate(model, X, y, criterion):
    with torch.no_grad():
        return criterion(model(X), y).item()
