"""Mistake: model.half() and half inputs instead of autocast; the weights themselves become float16."""
CAUGHT_BY = {"test_weights_stay_float32": "model.half() is not mixed precision"}


def amp_train_step(model, inputs, labels, optimizer, criterion, scaler, device):
    model.half()
    optimizer.zero_grad()
    loss = criterion(model(inputs.half()).float(), labels)
    scaler.scale(loss).backward()
    scaler.step(optimizer)
    scaler.update()
    return loss.item()
