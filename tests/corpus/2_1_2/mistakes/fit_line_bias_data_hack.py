"""Mistake: fit_line_raw computes the loss from b.data: the tape never reaches b, it never learns, and the loop
(which skips a missing gradient) trains on silently with w alone."""
CAUGHT_BY = {"test_losses_follow_the_grader_trajectory": "b.data",
             "test_fit_recovers_the_line": "the best line through these points"}


def fit_line_raw(X, y, lr, steps):
    w = torch.zeros((), requires_grad=True)
    b = torch.zeros((), requires_grad=True)
    losses = []
    for _ in range(steps):
        w.grad, b.grad = None, None
        loss = line_loss(w, b.data, X, y)
        loss.backward()
        with torch.no_grad():
            for p in (w, b):
                if p.grad is not None:
                    p -= lr * p.grad
        losses.append(loss.item())
    return w, b, losses
