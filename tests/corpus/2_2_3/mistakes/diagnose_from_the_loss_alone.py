"""Mistake: training judged from the loss alone: only a loss that does not fall counts as a failure, so the silent
failure (a falling loss, a model stuck at the class prior) is never flagged."""
CAUGHT_BY = {"test_silent_failure_is_told_from_working_and_loud_training": "loss going down does not mean"}


def detect_silent_failure(history, class_counts):
    loss = history["loss"]
    return loss[-1] >= loss[0]
