"""Mistake: fit_line_raw computes the loss once, before the loop, and rewinds it every step: the tape is used up."""
CAUGHT_BY = {"test_losses_follow_the_grader_trajectory": "backward() was called twice on one recording"}


def fit_line_raw(X, y, lr, steps):
    w = torch.zeros((), requires_grad=True)
    b = torch.zeros((), requires_grad=True)
    loss = line_loss(w, b, X, y)
    losses = []
    for _ in range(steps):
        w.grad, b.grad = None, None
        loss.backward()
        with torch.no_grad():
            w -= lr * w.grad
            b -= lr * b.grad
        losses.append(loss.item())
    return w, b, losses
