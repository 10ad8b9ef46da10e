"""Mistake: log_predictions returns a numpy array, not the tensor the contract asks for."""
CAUGHT_BY = {"test_logged_predictions_have_left_the_graph": "return a tensor"}


def log_predictions(X, w, b):
    return (w * X + b).detach().numpy()
