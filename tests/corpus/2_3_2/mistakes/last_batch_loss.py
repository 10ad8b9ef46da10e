"""Mistake: train_one_epoch returns the last batch's loss instead of the epoch's mean (about 1 secret start in
1 300 gives a last batch whose loss equals the mean to 1e-5)."""
CAUGHT_BY = {"test_gpu_epoch_matches_the_cpu_run": "mean over batches",
             "test_train_moves_the_model_once": "part from the course's loop",
             "test_the_same_code_runs_on_a_cpu_only_machine": "the course's loop gives"}


def train_one_epoch(model, loader, optimizer, criterion, device):
    model.train()
    for inputs, labels in loader:
        inputs, labels = inputs.to(device), labels.to(device)
        optimizer.zero_grad()
        loss = criterion(model(inputs), labels)
        loss.backward()
        optimizer.step()
    return loss.item()
