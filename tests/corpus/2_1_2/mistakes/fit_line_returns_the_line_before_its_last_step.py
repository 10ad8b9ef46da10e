"""Mistake: fit_line_raw returns the line its last logged loss belongs to, the line from before the last update:
one step short of the w and b the fit made."""
CAUGHT_BY = {"test_fit_line_on_a_second_data_set": "its own last step makes"}


def fit_line_raw(X, y, lr, steps):
    w = torch.zeros((), requires_grad=True)
    b = torch.zeros((), requires_grad=True)
    losses = []
    for _ in range(steps):
        w.grad, b.grad = None, None
        loss = line_loss(w, b, X, y)
        loss.backward()
        line = (w.detach().clone(), b.detach().clone())  # the line this loss belongs to
        with torch.no_grad():
            w -= lr * w.grad
            b -= lr * b.grad
        losses.append(loss.item())
    return line[0], line[1], losses
