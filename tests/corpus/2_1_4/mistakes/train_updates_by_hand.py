"""Mistake: train writes the update by hand, as in lesson 2.1.2 (p -= lr * p.grad with the optimizer's lr), instead
of optimizer.step(): that is plain SGD whatever optimizer it is handed, so Adam never runs."""
CAUGHT_BY = {"test_adam_loop_matches_the_reference": "use the optimizer you are given"}


def train(model, X, y, optimizer, criterion, epochs):
    model.train()
    lr = optimizer.param_groups[0]["lr"]
    losses = []
    for _ in range(epochs):
        optimizer.zero_grad()
        loss = criterion(model(X), y)
        loss.backward()
        with torch.no_grad():
            for p in model.parameters():
                p -= lr * p.grad
        losses.append(loss.item())
    return losses
