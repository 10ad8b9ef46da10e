"""Broken: train's epoch counter never reaches `epochs`; the worker is stopped at its time limit, only exercise 2
is lost."""
LOST = ["2_1_4.ex2"]
MESSAGE = "did not finish"
EXTRA_ARGS = ["--time-limit-factor", "0.15"]


def train(model, X, y, optimizer, criterion, epochs):
    losses, epoch = [], 0
    while epoch < epochs:
        optimizer.zero_grad()
        loss = criterion(model(X), y)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return losses
