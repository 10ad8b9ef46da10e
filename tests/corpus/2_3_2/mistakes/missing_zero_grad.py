"""Mistake: the step never clears the gradients, so each backward adds to the previous step's (after an overflow
the stale inf gradients make every later step overflow too)."""
CAUGHT_BY = {"test_gradients_are_cleared_first": "clear, compute, use",
             "test_overflowing_steps_back_off_like_the_lessons_step": "halved after each overflowing step"}


def amp_train_step(model, inputs, labels, optimizer, criterion, scaler, device):
    with torch.autocast(device.type):
        loss = criterion(model(inputs), labels)
    scaler.scale(loss).backward()
    scaler.step(optimizer)
    scaler.update()
    return loss.item()
