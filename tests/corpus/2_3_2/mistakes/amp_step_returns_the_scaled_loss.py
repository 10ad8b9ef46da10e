"""Mistake: amp_train_step reassigns loss = scaler.scale(loss) and returns that: the loss times the scale."""
CAUGHT_BY = {"test_step_matches_the_lessons_step": "the scaled loss"}


def amp_train_step(model, inputs, labels, optimizer, criterion, scaler, device):
    optimizer.zero_grad()
    with torch.autocast(device.type):
        loss = criterion(model(inputs), labels)
    loss = scaler.scale(loss)
    loss.backward()
    scaler.step(optimizer)
    scaler.update()
    return loss.item()
