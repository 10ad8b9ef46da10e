"""Mistake: fit_line_raw never clears the gradients (the #1 beginner bug): each step uses the sum of all so far."""
CAUGHT_BY = {"test_losses_follow_the_grader_trajectory": "#1 beginner bug",
             "test_fit_recovers_the_line": "the best line through these points"}


def fit_line_raw(X, y, lr, steps):
    w = torch.zeros((), requires_grad=True)
    b = torch.zeros((), requires_grad=True)
    losses = []
    for _ in range(steps):
        loss = line_loss(w, b, X, y)
        loss.backward()
        with torch.no_grad():
            w -= lr * w.grad
            b -= lr * b.grad
        losses.append(loss.item())
    return w, b, losses
