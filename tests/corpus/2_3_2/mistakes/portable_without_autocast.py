"""Mistake: train_portable scales the loss on CUDA but never enters torch.autocast: every layer runs in float32."""
CAUGHT_BY = {"test_gpu_run_uses_mixed_precision": "ran in float32, not float16"}


def train_portable(model: nn.Module, optimizer, criterion, train_loader, epochs: int, checkpoint_path,
                   device=None) -> list[float]:
    """Train to epoch `epochs` on the detected (or given) device, AMP on CUDA, resuming and checkpointing."""
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
            loss = criterion(model(inputs), labels)
            scaler.scale(loss).backward()
            scaler.step(optimizer)
            scaler.update()
            total += loss.item()
            batches += 1
        losses.append(total / max(batches, 1))
        save_checkpoint(checkpoint_path, model, optimizer, epoch, losses[-1])
    return losses
