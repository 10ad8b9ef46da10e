"""Mistake: amp_train_step runs the model outside torch.autocast and puts only the loss under it, so every Linear
layer runs in float32."""
CAUGHT_BY = {"test_forward_runs_in_reduced_precision": "the forward pass was not under autocast"}


def amp_train_step(model, inputs, labels, optimizer, criterion, scaler, device):
    optimizer.zero_grad()
    outputs = model(inputs)
    with torch.autocast(device.type):
        loss = criterion(outputs, labels)
    scaler.scale(loss).backward()
    scaler.step(optimizer)
    scaler.update()
    return loss.item()
