"""Mistake: train_portable reads `epochs` as how many epochs to train in this call, not as the number of the last
epoch: resumed after epoch 2 with epochs=4 it trains epochs 3 to 6."""
CAUGHT_BY = {"test_a_resumed_run_continues_to_the_last_epoch": "the number of the last epoch",
             "test_a_finished_run_trains_no_further": "nothing left to train"}


def train_portable(model, optimizer, criterion, train_loader, epochs, checkpoint_path, device=None):
    device = get_device() if device is None else torch.device(device)
    use_amp = device.type == "cuda"
    model.to(device)
    scaler = torch.amp.GradScaler(device.type, enabled=use_amp)
    start_epoch = 1
    if Path(checkpoint_path).exists():
        start_epoch = load_checkpoint(checkpoint_path, model, optimizer, device)
    losses = []
    for epoch in range(start_epoch, start_epoch + epochs):
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
