"""Mistake: log_predictions returns the recorded predictions: the log holds the whole tape, .numpy() refuses."""
CAUGHT_BY = {"test_logged_predictions_have_left_the_graph": "still holds the graph"}


def log_predictions(X, w, b):
    return w * X + b
