"""Mistake: scaler.update() is never called, so the scale never backs off after an overflow."""
CAUGHT_BY = {"test_scaler_update_is_called": "scaler.update() was never called"}


def amp_train_step(model, inputs, labels, optimizer, criterion, scaler, device):
    optimizer.zero_grad()
    with torch.autocast(device.type):
        loss = criterion(model(inputs), labels)
    scaler.scale(loss).backward()
    scaler.step(optimizer)
    return loss.item()
