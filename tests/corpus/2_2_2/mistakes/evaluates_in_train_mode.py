"""Mistake: evaluate is the bare training-style loop: it never calls model.eval() (Dropout stays on and two
evaluations of the same model differ) and records gradients it never uses (no torch.no_grad())."""
CAUGHT_BY = {"test_evaluate_runs_the_model_in_eval_mode": "two evaluations of the same model gave",
             "test_evaluate_records_no_gradients": "recorded gradients"}


def evaluate(model, loader):
    correct, total = 0, 0
    for inputs, targets in loader:
        correct += (model(inputs).argmax(dim=1) == targets).sum().item()
        total += len(targets)
    return correct / total
