"""Mistake: the step never clears the gradients, so each backward adds to the previous step's."""
CAUGHT_BY = {"test_gradients_are_cleared_first": "clear, compute, use"}


def amp_train_step(model, inputs, labels, optimizer, criterion, scaler, device):
    with torch.autocast(device.type):
        loss = criterion(model(inputs), labels)
    scaler.scale(loss).backward()
    scaler.step(optimizer)
    scaler.update()
    return loss.item()
