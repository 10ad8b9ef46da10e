"""Correct, written differently: a new leaf built with torch.tensor from x's values, sgd_step_ with
torch.no_grad() per parameter and p.add_, fit_line_raw with torch.tensor(0.0, requires_grad=True) and the
grad zeroed once it exists, log_predictions with .detach().clone()."""


def grad_of(f, x):
    leaf = torch.tensor(x.tolist(), dtype=x.dtype, requires_grad=True)
    out = f(leaf)
    out.backward()
    return leaf.grad.detach()


def sgd_step_(params, lr):
    for p in params:
        with torch.no_grad():
            p.add_(-lr * p.grad)
        p.grad = None


def fit_line_raw(X, y, lr, steps):
    w = torch.tensor(0.0, requires_grad=True)
    b = torch.tensor(0.0, requires_grad=True)
    losses = []
    for _ in range(steps):
        for p in (w, b):
            if p.grad is not None:
                p.grad.zero_()
        predictions = X * w + b
        loss = torch.mean((y - predictions) ** 2)
        loss.backward()
        with torch.no_grad():
            w.sub_(lr * w.grad)
            b.sub_(lr * b.grad)
        losses.append(loss.detach().item())
    return w, b, losses


def log_predictions(X, w, b):
    return (w * X + b).detach().clone()
