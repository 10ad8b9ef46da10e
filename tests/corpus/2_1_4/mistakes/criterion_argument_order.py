"""Mistake: criterion(y, y_hat): target first. MSELoss does not mind; BCEWithLogitsLoss does."""
CAUGHT_BY = {"test_loss_takes_the_prediction_first": "criterion(y, y_hat)"}


def train(model, X, y, optimizer, criterion, epochs):
    model.train()
    losses = []
    for _ in range(epochs):
        optimizer.zero_grad()
        loss = criterion(y, model(X))
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return losses
