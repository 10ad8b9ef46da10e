"""Mistake: fit_line_raw updates with w = w - lr * w.grad outside torch.no_grad(): w stops being a leaf and its
.grad is None at the next step."""
CAUGHT_BY = {"test_losses_follow_the_grader_trajectory": "not a leaf"}


def fit_line_raw(X, y, lr, steps):
    w = torch.zeros((), requires_grad=True)
    b = torch.zeros((), requires_grad=True)
    losses = []
    for _ in range(steps):
        w.grad, b.grad = None, None
        loss = line_loss(w, b, X, y)
        loss.backward()
        w = w - lr * w.grad
        b = b - lr * b.grad
        losses.append(loss.item())
    return w, b, losses
