"""Correct, written differently: cuda:0, tuple moves with non_blocking=True, per-sample mean over
len(loader.dataset), model.zero_grad, `model = model.to(device)`, time.time with synchronize(device),
checkpoint tensors copied to the CPU, the default torch.load (weights_only=True), torch.amp.autocast with
device_type= around the forward only and the loss in float32 outside it, and a portable script with two
branches that also checkpoints the scaler's state."""
import os


def get_device():
    if torch.cuda.is_available():
        return torch.device("cuda:0")
    return torch.device("cpu")


def train_one_epoch(model, loader, optimizer, criterion, device):
    model.train()
    running = 0.0
    for inputs, labels in loader:
        inputs, labels = inputs.to(device, non_blocking=True), labels.to(device, non_blocking=True)
        model.zero_grad(set_to_none=True)
        outputs = model(inputs)
        loss = criterion(outputs, labels)
        loss.backward()
        optimizer.step()
        running += loss.item() * inputs.size(0)
    return running / len(loader.dataset)


def train(model, loader, optimizer, criterion, device, epochs):
    model = model.to(device)
    history = []
    for _ in range(epochs):
        history.append(train_one_epoch(model, loader, optimizer, criterion, device))
    return history


def time_epoch(model, loader, optimizer, criterion, device):
    on_gpu = str(device).startswith("cuda")
    if on_gpu:
        torch.cuda.synchronize(device)
    begin = time.time()
    train_one_epoch(model, loader, optimizer, criterion, device)
    if on_gpu:
        torch.cuda.synchronize(device)
    return float(time.time() - begin)


def save_checkpoint(path, model, optimizer, epoch, loss):
    weights = {name: tensor.detach().cpu() for name, tensor in model.state_dict().items()}
    torch.save(dict(model_state_dict=weights, optimizer_state_dict=optimizer.state_dict(), epoch=int(epoch),
                    loss=float(loss)), os.fspath(path))


def load_checkpoint(path, model, optimizer, device):
    checkpoint = torch.load(path, map_location=torch.device(device))
    model.load_state_dict(checkpoint["model_state_dict"])
    model.to(device)
    optimizer.load_state_dict(checkpoint["optimizer_state_dict"])
    return int(checkpoint["epoch"]) + 1


def amp_train_step(model, inputs, labels, optimizer, criterion, scaler, device):
    optimizer.zero_grad(set_to_none=True)
    with torch.amp.autocast(device_type=device.type):
        outputs = model(inputs)
    loss = criterion(outputs.float(), labels)
    scaler.scale(loss).backward()
    scaler.step(optimizer)
    scaler.update()
    return float(loss.detach())


def train_portable(model, optimizer, criterion, train_loader, epochs, checkpoint_path, device=None):
    if device is None:
        device = get_device()
    model.to(device)
    amp = device.type == "cuda"
    scaler = torch.amp.GradScaler("cuda") if amp else None
    epoch = 1
    if os.path.exists(checkpoint_path):
        checkpoint = torch.load(checkpoint_path, map_location=device, weights_only=False)
        model.load_state_dict(checkpoint["model_state_dict"])
        optimizer.load_state_dict(checkpoint["optimizer_state_dict"])
        if amp and checkpoint.get("scaler_state_dict"):
            scaler.load_state_dict(checkpoint["scaler_state_dict"])
        epoch = checkpoint["epoch"] + 1
    history = []
    while epoch <= epochs:
        model.train()
        total, count = 0.0, 0
        for inputs, labels in train_loader:
            inputs, labels = inputs.to(device), labels.to(device)
            if amp:
                value = amp_train_step(model, inputs, labels, optimizer, criterion, scaler, device)
            else:
                optimizer.zero_grad()
                loss = criterion(model(inputs), labels)
                loss.backward()
                optimizer.step()
                value = loss.item()
            total += value * len(labels)
            count += len(labels)
        history.append(total / count)
        torch.save({"model_state_dict": model.state_dict(), "optimizer_state_dict": optimizer.state_dict(),
                    "scaler_state_dict": scaler.state_dict() if amp else None, "epoch": epoch,
                    "loss": history[-1]}, checkpoint_path)
        epoch += 1
    return history
