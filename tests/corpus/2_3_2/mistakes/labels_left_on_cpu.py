"""Mistake: the loop moves the inputs to the GPU but leaves the labels on the CPU."""
CAUGHT_BY = {"test_each_batch_rides_the_truck_to_the_gpu": "labels stayed on the CPU",
             "test_gpu_epoch_matches_the_cpu_run": "labels stayed on the CPU",
             "test_train_moves_the_model_once": "labels stayed on the CPU"}


def train_one_epoch(model, loader, optimizer, criterion, device):
    model.train()
    total, batches = 0.0, 0
    for inputs, labels in loader:
        inputs = inputs.to(device)
        optimizer.zero_grad()
        loss = criterion(model(inputs), labels)
        loss.backward()
        optimizer.step()
        total += loss.item()
        batches += 1
    return total / batches
