"""Mistake: accuracy and evaluate report percentages (100 × correct / total), as the printout shows them, not the
fraction between 0 and 1 the lesson asks for: one row predicted right gives 100.0, and train_model's history
reports 90-odd beside a saved model that classifies 0.9 of the validation images right."""
CAUGHT_BY = {"test_accuracy_of_a_single_row": "expected 1.0",
             "test_reported_accuracy_is_the_saved_models": "as a fraction"}


def accuracy(logits, targets):
    return 100 * (logits.argmax(dim=1) == targets).float().mean().item()


def evaluate(model, loader):
    model.eval()
    correct, total = 0, 0
    with torch.no_grad():
        for inputs, targets in loader:
            correct += (model(inputs).argmax(dim=1) == targets).sum().item()
            total += len(targets)
    return 100 * correct / total
