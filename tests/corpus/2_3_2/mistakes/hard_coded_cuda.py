"""Mistake: "cuda" written into the loop instead of the device argument; it crashes without a GPU."""
CAUGHT_BY = {"test_the_same_code_runs_on_a_cpu_only_machine": "hard-coded \"cuda\""}


def train_one_epoch(model, loader, optimizer, criterion, device):
    model.train()
    total, batches = 0.0, 0
    for inputs, labels in loader:
        inputs, labels = inputs.to("cuda"), labels.to("cuda")
        optimizer.zero_grad()
        loss = criterion(model(inputs), labels)
        loss.backward()
        optimizer.step()
        total += loss.item()
        batches += 1
    return total / batches
