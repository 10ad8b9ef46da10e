"""Mistake: each epoch's loss is kept as the tensor itself, graph and all: memory grows every epoch."""
CAUGHT_BY = {"test_losses_are_plain_floats_one_per_epoch": "carry their graph"}


def train(model, X, y, optimizer, criterion, epochs):
    model.train()
    losses = []
    for _ in range(epochs):
        optimizer.zero_grad()
        loss = criterion(model(X), y)
        loss.backward()
        optimizer.step()
        losses.append(loss)
    return losses
