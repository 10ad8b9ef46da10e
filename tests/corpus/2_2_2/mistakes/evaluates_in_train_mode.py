"""Mistake: evaluate never calls model.eval(): Dropout stays on and two evaluations of the same model differ."""
CAUGHT_BY = {"test_evaluate_runs_the_model_in_eval_mode": "two evaluations of the same model gave"}


def evaluate(model, loader):
    correct, total = 0, 0
    with torch.no_grad():
        for inputs, targets in loader:
            correct += (model(inputs).argmax(dim=1) == targets).sum().item()
            total += len(targets)
    return correct / total
