"""Correct, written differently: torch.autograd.grad on a clone, sgd_step_ with .data and zeroed gradients,
fit_line_raw clearing at the end of each step (compute, use, clear) with mse_loss and (1,)-shaped parameters,
log_predictions computed under torch.no_grad()."""
import torch.nn.functional as F


def grad_of(f, x):
    recording = x.clone().requires_grad_()
    (gradient,) = torch.autograd.grad(f(recording), recording)
    return gradient


def sgd_step_(params, lr):
    for p in params:
        p.data.sub_(lr * p.grad)
        p.grad.zero_()


def fit_line_raw(X, y, lr, steps):
    w = torch.zeros(1, requires_grad=True)
    b = torch.zeros(1, requires_grad=True)
    losses = []
    for step in range(steps):
        loss = F.mse_loss(w * X + b, y)
        loss.backward()
        with torch.no_grad():
            w.add_(w.grad, alpha=-lr)
            b.add_(b.grad, alpha=-lr)
        w.grad.zero_()
        b.grad.zero_()
        losses.append(float(loss))
    return w, b, losses


def log_predictions(X, w, b):
    with torch.no_grad():
        return w * X + b
