"""Mistake: loss.backward() called twice in one step (the graph is gone after the first)."""
CAUGHT_BY = {"test_sgd_loop_matches_the_reference_exactly": "Press Rewind once per step",
             "test_losses_are_plain_floats_one_per_epoch": "backward through the graph a second time"}


def train(model, X, y, optimizer, criterion, epochs):
    model.train()
    losses = []
    for _ in range(epochs):
        optimizer.zero_grad()
        loss = criterion(model(X), y)
        loss.backward()
        print("gradient norm:", sum(p.grad.norm() for p in model.parameters()).item())
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return losses
