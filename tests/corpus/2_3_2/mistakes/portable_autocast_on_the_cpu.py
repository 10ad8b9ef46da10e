"""Mistake: train_portable autocasts (and scales) on every device: on the CPU the layers run in bfloat16."""
CAUGHT_BY = {"test_cpu_run_trains_in_float32": "autocast should be enabled only on CUDA"}


def train_portable(model, optimizer, criterion, train_loader, epochs, checkpoint_path, device=None):
    device = get_device() if device is None else torch.device(device)
    model.to(device)
    scaler = torch.amp.GradScaler(device.type)
    start_epoch = 1
    if Path(checkpoint_path).exists():
        start_epoch = load_checkpoint(checkpoint_path, model, optimizer, device)
    losses = []
    for epoch in range(start_epoch, epochs + 1):
        model.train()
        total, batches = 0.0, 0
        for inputs, labels in train_loader:
            inputs, labels = inputs.to(device), labels.to(device)
            optimizer.zero_grad()
            with torch.autocast(device.type):
                loss = criterion(model(inputs), labels)
            scaler.scale(loss).backward()
            scaler.step(optimizer)
            scaler.update()
            total += loss.item()
            batches += 1
        losses.append(total / max(batches, 1))
        save_checkpoint(checkpoint_path, model, optimizer, epoch, losses[-1])
    return losses
