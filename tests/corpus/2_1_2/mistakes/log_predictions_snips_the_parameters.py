"""Mistake: log_predictions stops w and b from recording instead of snipping the predictions' tape."""
CAUGHT_BY = {"test_log_predictions_leaves_w_and_b_recording": "no longer records"}


def log_predictions(X, w, b):
    w.requires_grad_(False)
    b.requires_grad_(False)
    return w * X + b
