"""Broken: the cell that should define log_predictions defines something else; the message names the missing name."""
REPLACES = "2_1_2.ex4"
LOST = ["2_1_2.ex4"]
MESSAGE = "does not define `log_predictions`"


def predictions_for_plot(X, w, b):
    return (w * X + b).detach()
