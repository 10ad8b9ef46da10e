"""Mistake: train_portable resumes with its own torch.load, without map_location, and moves the model to the device
only after loading: a GPU checkpoint does not load on a CPU-only machine, and on a GPU the optimizer's state stays
on the CPU while the parameters move."""
CAUGHT_BY = {"test_a_checkpoint_moves_between_devices": "map_location=device"}


def train_portable(model, optimizer, criterion, train_loader, epochs, checkpoint_path, device=None):
    device = get_device() if device is None else torch.device(device)
    use_amp = device.type == "cuda"
    start_epoch = 1
    if Path(checkpoint_path).exists():
        checkpoint = torch.load(checkpoint_path, weights_only=True)
        model.load_state_dict(checkpoint["model_state_dict"])
        optimizer.load_state_dict(checkpoint["optimizer_state_dict"])
        start_epoch = checkpoint["epoch"] + 1
    model.to(device)
    scaler = torch.amp.GradScaler(device.type, enabled=use_amp)
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
        save_checkpoint(checkpoint_path, model, optimizer, epoch, losses[-1])
    return losses
