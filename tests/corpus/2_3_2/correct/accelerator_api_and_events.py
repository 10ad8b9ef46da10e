"""Correct, written differently: torch.accelerator to find the device, CUDA events for timing (milliseconds
turned into seconds), the loss under autocast with an explicit float16 dtype (also on the CPU), a
load_checkpoint that moves the model after loading, and a portable script built from the exercises'
own functions with one code path (autocast and GradScaler enabled only on CUDA)."""
from pathlib import Path as _Path


def get_device():
    if torch.accelerator.is_available():
        return torch.accelerator.current_accelerator()
    return torch.device("cpu")


def time_epoch(model, loader, optimizer, criterion, device):
    if device.type != "cuda":
        started = time.perf_counter()
        train_one_epoch(model, loader, optimizer, criterion, device)
        return time.perf_counter() - started
    start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
    start.record()
    train_one_epoch(model, loader, optimizer, criterion, device)
    end.record()
    torch.cuda.synchronize()
    return start.elapsed_time(end) / 1000.0


def load_checkpoint(path, model, optimizer, device):
    state = torch.load(str(path), map_location=device, weights_only=True)
    model.load_state_dict(state["model_state_dict"])
    model = model.to(device)
    optimizer.load_state_dict(state["optimizer_state_dict"])
    return state["epoch"] + 1


def amp_train_step(model, inputs, labels, optimizer, criterion, scaler, device):
    optimizer.zero_grad()
    with torch.autocast(device_type=device.type, dtype=torch.float16):
        loss = criterion(model(inputs), labels)
    scaler.scale(loss).backward()
    scaler.step(optimizer)
    scaler.update()
    return loss.item()


def train_portable(model, optimizer, criterion, train_loader, epochs, checkpoint_path, device=None):
    device = device or get_device()
    use_amp = device.type == "cuda"
    model.to(device)
    scaler = torch.amp.GradScaler(device.type, enabled=use_amp)
    first = load_checkpoint(checkpoint_path, model, optimizer, device) if _Path(checkpoint_path).is_file() else 1
    losses = []
    for epoch in range(first, epochs + 1):
        model.train()
        batch_losses = []
        for inputs, labels in train_loader:
            inputs, labels = inputs.to(device), labels.to(device)
            optimizer.zero_grad()
            with torch.autocast(device_type=device.type, enabled=use_amp):
                loss = criterion(model(inputs), labels)
            scaler.scale(loss).backward()
            scaler.step(optimizer)
            scaler.update()
            batch_losses.append(loss.item())
        losses.append(sum(batch_losses) / len(batch_losses))
        save_checkpoint(checkpoint_path, model, optimizer, epoch, losses[-1])
    return losses
