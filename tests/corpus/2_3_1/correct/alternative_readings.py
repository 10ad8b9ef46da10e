"""Correct, written differently: Path objects, per-sample mean loss, best.pt as a plain state_dict,
the default torch.load (weights_only=True since torch 2.6), a checkpoint dict as the early-stopping file,
in-memory best weights restored with load_state_dict."""
import copy


def save_model(model, path):
    path = Path(path)
    torch.save(model.state_dict(), path)


def load_model(model, path, device="cpu"):
    model.load_state_dict(torch.load(Path(path), map_location=torch.device(device)))
    return model.to(device).eval()


def save_checkpoint(path, model, optimizer, epoch, loss):
    checkpoint = dict(epoch=epoch, loss=float(loss))
    checkpoint["model_state_dict"] = model.state_dict()
    checkpoint["optimizer_state_dict"] = optimizer.state_dict()
    torch.save(checkpoint, str(path))


def _epoch_per_sample(model, loader, optimizer, criterion):
    model.train()
    total, count = 0.0, 0
    for inputs, labels in loader:
        optimizer.zero_grad()
        loss = criterion(model(inputs), labels)
        loss.backward()
        optimizer.step()
        total += loss.item() * len(labels)
        count += len(labels)
    return total / count


def train_with_checkpoints(model, optimizer, criterion, train_loader, val_loader, epochs, checkpoint_dir,
                           every=5, start_epoch=1):
    folder = Path(checkpoint_dir)
    folder.mkdir(parents=True, exist_ok=True)
    rows, best = [], None
    epoch = start_epoch
    while epoch <= epochs:
        train_loss = _epoch_per_sample(model, train_loader, optimizer, criterion)
        val_loss = evaluate(model, val_loader, criterion)
        rows.append(dict(epoch=epoch, train_loss=train_loss, val_loss=val_loss))
        if epoch % every == 0:
            save_checkpoint(folder / f"epoch_{epoch}.pt", model, optimizer, epoch, val_loss)
        if best is None or val_loss < best:
            best = val_loss
            torch.save(model.state_dict(), folder / "best.pt")
        epoch += 1
    return rows


def resume(path, model, optimizer, device="cpu"):
    checkpoint = torch.load(path, map_location=device, weights_only=True)
    model.load_state_dict(checkpoint["model_state_dict"])
    optimizer.load_state_dict(checkpoint["optimizer_state_dict"])
    return int(checkpoint["epoch"]) + 1


class EarlyStopping:
    def __init__(self, patience, min_delta=0.0):
        self.patience = patience
        self.min_delta = min_delta
        self.best_loss = math.inf
        self.counter = 0

    def step(self, val_loss):
        improved = self.best_loss - val_loss > self.min_delta
        self.counter = 0 if improved else self.counter + 1
        self.best_loss = val_loss if improved else self.best_loss
        return self.counter >= self.patience


import math


def train_with_early_stopping(model, optimizer, criterion, train_loader, val_loader, max_epochs, patience,
                              checkpoint_path):
    stopper = EarlyStopping(patience=patience)
    rows, best_state = [], None
    for epoch in range(1, max_epochs + 1):
        train_loss = train_one_epoch(model, train_loader, optimizer, criterion)
        val_loss = evaluate(model, val_loader, criterion)
        rows.append({"epoch": epoch, "train_loss": train_loss, "val_loss": val_loss})
        if val_loss < stopper.best_loss - stopper.min_delta:
            best_state = copy.deepcopy(model.state_dict())
            save_checkpoint(checkpoint_path, model, optimizer, epoch, val_loss)
        if stopper.step(val_loss):
            break
    model.load_state_dict(best_state)
    return rows
