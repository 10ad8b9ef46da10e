"""Mistake: time_epoch synchronizes only when device == torch.device("cuda"), which torch.device("cuda:0") is not."""
CAUGHT_BY = {"test_any_cuda_device_counts_as_the_gpu": "device.type == 'cuda'"}


def time_epoch(model, loader, optimizer, criterion, device):
    model.to(device)
    on_gpu = device == torch.device("cuda")
    if on_gpu:
        torch.cuda.synchronize()
    start = time.perf_counter()
    train_one_epoch(model, loader, optimizer, criterion, device)
    if on_gpu:
        torch.cuda.synchronize()
    return time.perf_counter() - start
