"""Mistake: fit_line_raw computes the loss from w.data: the tape never reaches w, it never learns, and the loop
(which skips a missing gradient) trains on silently with b alone."""
CAUGHT_BY = {"test_losses_follow_the_grader_trajectory": "w.data",
             "test_fit_recovers_the_line": "the best line through these points"}


def fit_line_raw(X, y, lr, steps):
    w = torch.zeros((), requires_grad=True)
    b = torch.zeros((), requires_grad=True)
    losses = []
    for _ in range(steps):
        w.grad, b.grad = None, None
        loss = line_loss(w.data, b, X, y)
        loss.backward()
        with torch.no_grad():
            for p in (w, b):
                if p.grad is not None:
                    p -= lr * p.grad
        losses.append(loss.item())
    return w, b, losses
