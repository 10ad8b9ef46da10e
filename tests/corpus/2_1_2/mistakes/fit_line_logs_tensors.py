"""Mistake: fit_line_raw logs the loss tensors themselves, each holding its graph, instead of loss.item()."""
CAUGHT_BY = {"test_losses_follow_the_grader_trajectory": "a list of Python floats"}


def fit_line_raw(X, y, lr, steps):
    w = torch.zeros((), requires_grad=True)
    b = torch.zeros((), requires_grad=True)
    losses = []
    for _ in range(steps):
        w.grad, b.grad = None, None
        loss = line_loss(w, b, X, y)
        loss.backward()
        with torch.no_grad():
            w -= lr * w.grad
            b -= lr * b.grad
        losses.append(loss)
    return w, b, losses
