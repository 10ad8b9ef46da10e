"""Mistake: time_epoch reads the clock around the epoch without torch.cuda.synchronize(), timing how fast the GPU
work was queued."""
CAUGHT_BY = {"test_time_epoch_waits_for_the_gpu": "without waiting for the GPU"}


def time_epoch(model, loader, optimizer, criterion, device):
    model.to(device)
    start = time.perf_counter()
    train_one_epoch(model, loader, optimizer, criterion, device)
    return time.perf_counter() - start
