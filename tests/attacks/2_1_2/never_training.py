"""Aimed at the trajectory: fit_line_raw never trains; it reports a believable falling loss curve and the line
through the first and last points. Honest work: nothing (the starter)."""
# ---- attack ----
import torch


def fit_line_raw(X, y, lr, steps):
    order = torch.argsort(X)
    x0, x1, y0, y1 = X[order[0]], X[order[-1]], y[order[0]], y[order[-1]]
    w = (y1 - y0) / (x1 - x0)
    b = y0 - w * x0
    start = float((y**2).mean())
    return w, b, [start * 0.9**i for i in range(steps)]
