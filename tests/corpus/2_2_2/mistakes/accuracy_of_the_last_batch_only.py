"""Mistake: evaluate overwrites its count at every batch and returns the last batch's accuracy."""
CAUGHT_BY = {"test_evaluate_counts_every_sample": "last batch's accuracy alone"}


def evaluate(model, loader):
    model.eval()
    with torch.no_grad():
        for inputs, targets in loader:
            result = (model(inputs).argmax(dim=1) == targets).float().mean().item()
    return result
