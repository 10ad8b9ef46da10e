"""Mistake: train builds a new optimizer of the same kind at every call: Adam forgets its momentum in between.
One call looks right; only a second call with the same optimizer shows it (a hidden check)."""
CAUGHT_BY = {"test_train_keeps_using_the_optimizer_it_is_given": "forgets Adam's momentum"}


def train(model, X, y, optimizer, criterion, epochs):
    optimizer = type(optimizer)(model.parameters(), lr=optimizer.defaults["lr"])
    model.train()
    losses = []
    for _ in range(epochs):
        optimizer.zero_grad()
        loss = criterion(model(X), y)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return losses
