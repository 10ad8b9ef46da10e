"""Mistake: accuracy takes argmax over dimension 0 (for each class, the row that scores it highest) instead of over
the classes."""
CAUGHT_BY = {"test_accuracy_is_the_fraction_of_rows_predicted_right": "not over the batch"}


def accuracy(logits, targets):
    return (logits.argmax(dim=0) == targets).float().mean().item()
