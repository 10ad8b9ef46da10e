"""Mistake: train moves every batch to the device but never the model."""
CAUGHT_BY = {"test_train_moves_the_model_once": "model was still on the CPU"}


def train(model, loader, optimizer, criterion, device, epochs):
    return [train_one_epoch(model, loader, optimizer, criterion, device) for _ in range(epochs)]
