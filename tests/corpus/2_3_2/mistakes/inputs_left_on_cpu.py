"""Mistake: the loop moves the labels but feeds the model CPU inputs straight from the DataLoader."""
CAUGHT_BY = {"test_each_batch_rides_the_truck_to_the_gpu": "DataLoader always yields CPU tensors",
             "test_train_moves_the_model_once": "batch reached the model on the CPU"}


def train_one_epoch(model, loader, optimizer, criterion, device):
    model.train()
    total, batches = 0.0, 0
    for inputs, labels in loader:
        labels = labels.to(device)
        optimizer.zero_grad()
        loss = criterion(model(inputs), labels)
        loss.backward()
        optimizer.step()
        total += loss.item()
        batches += 1
    return total / batches
