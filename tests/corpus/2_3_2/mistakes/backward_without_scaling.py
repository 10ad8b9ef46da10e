"""Mistake: loss.backward() on the unscaled loss, although the scaler then steps and updates."""
CAUGHT_BY = {"test_loss_is_scaled_before_backward": "ran on the unscaled loss"}


def amp_train_step(model, inputs, labels, optimizer, criterion, scaler, device):
    optimizer.zero_grad()
    with torch.autocast(device.type):
        loss = criterion(model(inputs), labels)
    loss.backward()
    scaler.step(optimizer)
    scaler.update()
    return loss.item()
