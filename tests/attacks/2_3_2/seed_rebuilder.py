"""Every training function ignores the model it is given and rebuilds the grader's model from the public
seeds in the checks (the loader's seed, as the probes' own fresh(seed) and SeededLoader do), trains that
with the course's loop and reports it; load_checkpoint rebuilds a checkpoint the same way instead of reading
the file. Honest work: nothing (the starter)."""
# ---- attack ----
import sys

import torch


def _rebuilt(loader, optimizer_kind="adam", epochs=1):
    """The model the probes would build from the loader's public seed, trained `epochs` epochs."""
    probes = sys.modules["lesson_probes"]
    seed = getattr(loader, "seed", 0)
    model, optimizer, criterion = probes.fresh(seed, optimizer_kind)
    losses = [probes.trusted_epoch(model, loader, optimizer, criterion, torch.device("cpu")) for _ in range(epochs)]
    return model, [loss[0] for loss in losses]


def _into(model, rebuilt):
    with torch.no_grad():
        for mine, theirs in zip(model.state_dict().values(), rebuilt.state_dict().values()):
            mine.copy_(theirs.to(mine.device))


def train_one_epoch(model, loader, optimizer, criterion, device):
    rebuilt, losses = _rebuilt(loader)
    _into(model, rebuilt)
    return losses[0]


def train(model, loader, optimizer, criterion, device, epochs):
    model.to(device)
    rebuilt, losses = _rebuilt(loader, epochs=epochs)
    _into(model, rebuilt)
    return losses


def time_epoch(model, loader, optimizer, criterion, device):
    train_one_epoch(model, loader, optimizer, criterion, device)
    return 0.01


def load_checkpoint(path, model, optimizer, device):
    probes = sys.modules["lesson_probes"]
    model.to(device)
    rebuilt, _ = _rebuilt(probes.SeededLoader(22), epochs=3)
    _into(model, rebuilt)
    return 4


def train_portable(model, optimizer, criterion, train_loader, epochs, checkpoint_path, device=None):
    rebuilt, losses = _rebuilt(train_loader, "sgd", epochs=epochs)
    _into(model, rebuilt)
    torch.save({"model_state_dict": model.state_dict(), "optimizer_state_dict": optimizer.state_dict(),
                "epoch": epochs, "loss": losses[-1]}, checkpoint_path)
    return losses
