"""Mistake: train never calls model.train(): a model left in eval mode trains with dropout off."""
CAUGHT_BY = {"test_train_switches_the_model_to_training_mode": "call model.train()"}


def train(model, X, y, optimizer, criterion, epochs):
    losses = []
    for _ in range(epochs):
        optimizer.zero_grad()
        loss = criterion(model(X), y)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return losses
