"""Correct, written differently: backward → step → zero_grad(set_to_none=True) (clearing after use, from a clean
start), a table of optimizers with keyword arguments, float(loss), torch.inference_mode in evaluate."""
OPTIMIZERS = {"sgd": torch.optim.SGD, "adam": torch.optim.Adam}


def make_optimizer(name, params, lr):
    if name not in OPTIMIZERS:
        raise ValueError(f"make_optimizer knows {sorted(OPTIMIZERS)}, not {name!r}")
    return OPTIMIZERS[name](params=params, lr=lr)


def train(model, X, y, optimizer, criterion, epochs):
    history = []
    model.train()
    for epoch in range(1, epochs + 1):
        y_hat = model(X)
        loss = criterion(y_hat, y)
        loss.backward()
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
        history.append(float(loss))
    return history


def evaluate(model, X, y, criterion):
    model.eval()
    with torch.inference_mode():
        prediction = model(X)
        return float(criterion(prediction, y))
