"""Mistake: the class prior taken as 1 / number of classes; on imbalanced classes it is the most common class's
share."""
CAUGHT_BY = {"test_silent_failure_is_told_from_working_and_loud_training": "class prior",
             "test_silent_failure_uses_the_majority_class_prior": "the most common class's share"}


def detect_silent_failure(history, class_counts):
    loss, accuracy = history["loss"], history["accuracy"]
    return loss[-1] < loss[0] and abs(accuracy[-1] - 1 / len(class_counts)) <= 0.02
