"""Mistake: train_portable writes the checkpoint once, after the last epoch: a crash loses the whole run."""
CAUGHT_BY = {"test_a_checkpoint_is_written_every_epoch": "write it after every epoch"}


def train_portable(model, optimizer, criterion, train_loader, epochs, checkpoint_path, device=None):
    device = get_device() if device is None else torch.device(device)
    use_amp = device.type == "cuda"
    model.to(device)
    scaler = torch.amp.GradScaler(device.type, enabled=use_amp)
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
            with torch.autocast(device.type, enabled=use_amp):
                loss = criterion(model(inputs), labels)
            scaler.scale(loss).backward()
            scaler.step(optimizer)
            scaler.update()
            total += loss.item()
            batches += 1
        losses.append(total / max(batches, 1))
    save_checkpoint(checkpoint_path, model, optimizer, epochs, losses[-1] if losses else 0.0)
    return losses
