"""Mistake: optimizer.step() instead of scaler.step(optimizer): scaled gradients, no inf check."""
CAUGHT_BY = {"test_optimizer_steps_through_the_scaler": "not through scaler.step(optimizer)"}


def amp_train_step(model, inputs, labels, optimizer, criterion, scaler, device):
    optimizer.zero_grad()
    with torch.autocast(device.type):
        loss = criterion(model(inputs), labels)
    scaler.scale(loss).backward()
    optimizer.step()
    scaler.update()
    return loss.item()
