"""Mistake: step comes before backward: each step finds the gradients just cleared, and nothing moves."""
CAUGHT_BY = {"test_sgd_loop_matches_the_reference_exactly": "step() comes before backward()"}


def train(model, X, y, optimizer, criterion, epochs):
    model.train()
    losses = []
    for _ in range(epochs):
        optimizer.zero_grad()
        optimizer.step()
        loss = criterion(model(X), y)
        loss.backward()
        losses.append(loss.item())
    return losses
