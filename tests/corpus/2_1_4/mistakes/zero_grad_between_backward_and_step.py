"""Mistake: zero_grad sits between backward and step: it wipes the gradients before step can use them."""
CAUGHT_BY = {"test_sgd_loop_matches_the_reference_exactly": "between backward() and step()",
             "test_loop_fits_a_known_function": "a working loop gets below"}


def train(model, X, y, optimizer, criterion, epochs):
    model.train()
    losses = []
    for _ in range(epochs):
        loss = criterion(model(X), y)
        loss.backward()
        optimizer.zero_grad()
        optimizer.step()
        losses.append(loss.item())
    return losses
