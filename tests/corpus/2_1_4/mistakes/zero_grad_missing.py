"""Mistake: the loop never clears the gradients, so they add up from epoch to epoch."""
CAUGHT_BY = {"test_sgd_loop_matches_the_reference_exactly": "without zero_grad()"}


def train(model, X, y, optimizer, criterion, epochs):
    model.train()
    losses = []
    for _ in range(epochs):
        loss = criterion(model(X), y)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return losses
