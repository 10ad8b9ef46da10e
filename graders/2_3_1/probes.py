"""Probes for lesson 2.3.1: trusted code that runs in the worker, calls the student's functions, returns data.

A probe gets the submission (`sub`) and plain inputs from the judge. It never sees an expected value:
every comparison happens in the judge (the test files beside this one).
"""

from __future__ import annotations

from pathlib import Path

import torch
import torch.nn as nn
from gradekit.harness.given import MNISTNet  # noqa: F401 - probes and tests use it by this name


class EpochSeededLoader:
    """A fixed list of batches that reseeds torch's global RNG at each epoch, so dropout is repeatable.

    An uninterrupted run and a resumed run then see the same batches and the same dropout masks at every
    epoch, and their losses can be compared exactly.
    """

    def __init__(self, batches: list, seed: int, first_epoch: int = 1) -> None:
        self.batches = batches
        self.seed = seed
        self.epoch = first_epoch - 1

    def __iter__(self):
        self.epoch += 1
        torch.manual_seed(self.seed * 1000 + self.epoch)
        return iter(self.batches)

    def __len__(self) -> int:
        return len(self.batches)


def make_data(seed: int, n: int = 64, noise: float = 0.5):
    """Synthetic MNIST-shaped data whose validation loss falls, then rises: the model overfits noisy labels."""
    generator = torch.Generator().manual_seed(seed)
    inputs = torch.randn(n, 1, 28, 28, generator=generator)
    teacher = torch.randn(784, 10, generator=generator)
    labels = (inputs.flatten(1) @ teacher).argmax(1)
    noisy = labels.clone()
    flip = torch.rand(n, generator=generator) < noise
    noisy[flip] = torch.randint(0, 10, (int(flip.sum()),), generator=generator)
    return inputs, labels, noisy


def loaders(seed: int, first_epoch: int = 1, batch_size: int = 16):
    """Train loader (noisy labels, reseeded per epoch) and validation loader (clean labels)."""
    inputs, labels, noisy = make_data(seed)
    train = [(inputs[i:i + batch_size], noisy[i:i + batch_size]) for i in range(0, len(inputs), batch_size)]
    val = [(inputs[i:i + 32], labels[i:i + 32]) for i in range(0, len(inputs), 32)]
    return EpochSeededLoader(train, seed, first_epoch), val


def fresh(seed: int):
    """A seeded model, its Adam optimizer and the loss: what each exercise starts from."""
    torch.manual_seed(seed)
    model = MNISTNet()
    return model, torch.optim.Adam(model.parameters(), lr=1e-3), nn.CrossEntropyLoss()


def train_epoch(model, loader, optimizer, criterion) -> float:
    """The course's train_one_epoch (trusted copy): clear, compute, use; mean loss over batches."""
    model.train()
    total = 0.0
    for inputs, labels in loader:
        optimizer.zero_grad()
        loss = criterion(model(inputs), labels)
        loss.backward()
        optimizer.step()
        total += loss.item()
    return total / len(loader)


def val_loss(model, loader, criterion) -> float:
    """The course's evaluate (trusted copy): mean loss in eval mode without gradients."""
    model.eval()
    with torch.no_grad():
        return sum(criterion(model(x), y).item() for x, y in loader) / len(loader)


def as_path(path: Path, path_type: str):
    """The path as the judge asked: a str or a pathlib.Path (both are valid readings of the contract)."""
    return str(path) if path_type == "str" else path


def model_state(model) -> dict:
    """A model's state_dict as plain tensors, detached."""
    return {k: v.detach().clone() for k, v in model.state_dict().items()}


def optimizer_tensors(state: dict) -> dict:
    """Adam's per-parameter state as {"<index>.<name>": tensor}, comparable across optimizers."""
    out = {}
    for index, values in state.get("state", {}).items():
        for name, value in values.items():
            out[f"{index}.{name}"] = value.detach().clone() if torch.is_tensor(value) else torch.tensor(float(value))
    return out


def describe_file(path: Path) -> dict:
    """What a saved file holds: whether the safe loader accepts it and, if so, its tensors."""
    try:
        data = torch.load(path, weights_only=True)
    except Exception as error:  # noqa: BLE001 - the reason the safe loader refused is the feedback
        info = {"weights_only": False, "error": f"{type(error).__name__}: {str(error)[:300]}"}
        try:
            obj = torch.load(path, weights_only=False)
            info["type"] = type(obj).__name__
            info["is_module"] = isinstance(obj, nn.Module)
        except Exception as error2:  # noqa: BLE001
            info["type"] = f"unloadable ({type(error2).__name__})"
            info["is_module"] = False
        return info
    info = {"weights_only": True, "type": type(data).__name__, "is_module": False}
    if isinstance(data, dict):
        info["keys"] = [str(k) for k in data]
        info["tensors"] = {str(k): v for k, v in data.items() if torch.is_tensor(v)}
        inner = data.get("model_state_dict")
        if isinstance(inner, dict):
            info["model_state_dict"] = {str(k): v for k, v in inner.items() if torch.is_tensor(v)}
    return info


def weights_in(path: Path) -> dict | None:
    """The model weights a checkpoint file holds, as a state_dict or inside an exercise-2 checkpoint dict."""
    try:
        data = torch.load(path, weights_only=False)
    except Exception:  # noqa: BLE001
        return None
    if isinstance(data, dict) and isinstance(data.get("model_state_dict"), dict):
        data = data["model_state_dict"]
    if isinstance(data, nn.Module):
        data = data.state_dict()
    if not isinstance(data, dict):
        return None
    return {str(k): v.detach().clone() for k, v in data.items() if torch.is_tensor(v)}


def trusted_val_loss(weights: dict, seed: int) -> float:
    """Validation loss of given weights, computed by the grader's own model and loop."""
    model, _, criterion = fresh(seed)
    model.load_state_dict(weights)
    return val_loss(model, loaders(seed)[1], criterion)


# ---- exercise 1 -------------------------------------------------------------------------------------

def save_model_file(sub, seed: int, path_type: str) -> dict:
    """Call save_model on a seeded model and describe the file it wrote."""
    model, _, _ = fresh(seed)
    path = Path("model.pth")
    sub.save_model(model, as_path(path, path_type))
    return {"exists": path.exists(), "file": describe_file(path) if path.exists() else None,
            "original": model_state(model)}


def load_model_from_state_dict(sub, seed: int, path_type: str) -> dict:
    """Save a state_dict ourselves, let load_model load it into a fresh instance, report what came back."""
    model, _, _ = fresh(seed)
    torch.save(model.state_dict(), "model.pth")
    inputs = make_data(seed)[0][:16]
    model.eval()
    with torch.no_grad():
        expected = model(inputs)
    torch.manual_seed(seed + 1)
    instance = MNISTNet()
    returned = sub.load_model(instance, as_path(Path("model.pth"), path_type))
    out = {"returned_type": type(returned).__name__, "same_instance": returned is instance,
           "is_module": isinstance(returned, nn.Module), "expected_logits": expected}
    target = returned if isinstance(returned, nn.Module) else instance
    out["training"] = target.training
    out["weights"] = model_state(target)
    out["original"] = model_state(model)
    with torch.no_grad():
        out["first_call"] = target(inputs)
        out["second_call"] = target(inputs)
        target.eval()
        out["eval_logits"] = target(inputs)
    return out


def round_trip(sub, seed: int, path_type: str) -> dict:
    """save_model then load_model into a fresh instance: the student's two functions together."""
    model, optimizer, criterion = fresh(seed)
    train_epoch(model, loaders(seed)[0], optimizer, criterion)
    path = as_path(Path("round_trip.pth"), path_type)
    sub.save_model(model, path)
    torch.manual_seed(seed + 7)
    loaded = sub.load_model(MNISTNet(), path)
    inputs = make_data(seed)[0][:32]
    model.eval()
    with torch.no_grad():
        return {"before": model(inputs), "after": loaded(inputs) if isinstance(loaded, nn.Module) else None,
                "params_before": model_state(model),
                "params_after": model_state(loaded) if isinstance(loaded, nn.Module) else {}}


# ---- exercise 2 -------------------------------------------------------------------------------------

def save_checkpoint_file(sub, seed: int, epoch: int, loss: float) -> dict:
    """Train a few Adam steps, call save_checkpoint and describe the checkpoint dict it wrote."""
    model, optimizer, criterion = fresh(seed)
    train_epoch(model, loaders(seed)[0], optimizer, criterion)
    sub.save_checkpoint("checkpoint.pt", model, optimizer, epoch, loss)
    data = torch.load("checkpoint.pt", weights_only=False)
    out = {"type": type(data).__name__, "model": model_state(model),
           "optimizer": optimizer_tensors(optimizer.state_dict()), "param_count": len(list(model.parameters()))}
    if isinstance(data, dict):
        out["keys"] = sorted(str(k) for k in data)
        out["epoch"] = data.get("epoch") if type(data.get("epoch")) in (int, float) else repr(data.get("epoch"))
        loss_value = data.get("loss")
        out["loss"] = float(loss_value) if isinstance(loss_value, (int, float)) or torch.is_tensor(loss_value) \
            else repr(loss_value)
        saved_model = data.get("model_state_dict")
        out["saved_model"] = {str(k): v for k, v in saved_model.items()} if isinstance(saved_model, dict) else None
        saved_optimizer = data.get("optimizer_state_dict")
        out["saved_optimizer"] = optimizer_tensors(saved_optimizer) if isinstance(saved_optimizer, dict) else None
    return out


def checkpoint_run(sub, seed: int, epochs: int, every: int, start_epoch: int = 1) -> dict:
    """Run train_with_checkpoints and report rows, files, and each file's weights with their val loss."""
    model, optimizer, criterion = fresh(seed)
    train, val = loaders(seed, first_epoch=start_epoch)
    folder = Path("checkpoints")
    kwargs = {"every": every} if start_epoch == 1 else {"every": every, "start_epoch": start_epoch}
    rows = sub.train_with_checkpoints(model, optimizer, criterion, train, val, epochs, str(folder), **kwargs)
    files = sorted(p.name for p in folder.glob("*")) if folder.is_dir() else []
    weights = {name: weights_in(folder / name) for name in files}
    return {
        "rows": [dict(row) for row in rows] if isinstance(rows, list) and all(isinstance(r, dict) for r in rows)
        else repr(rows)[:300],
        "files": files,
        "weights": {name: w for name, w in weights.items() if w is not None},
        "val_losses": {name: trusted_val_loss(w, seed) for name, w in weights.items() if w is not None},
        "final": model_state(model),
    }


# ---- exercise 3 -------------------------------------------------------------------------------------

def _trusted_checkpoint(path: str, model, optimizer, epoch: int, loss: float) -> None:
    """Write a checkpoint the way exercise 2's contract says, with the grader's own code."""
    torch.save({"model_state_dict": model.state_dict(), "optimizer_state_dict": optimizer.state_dict(),
                "epoch": epoch, "loss": loss}, path)


def resume_state(sub, seed: int, epoch: int) -> dict:
    """Write a trusted checkpoint after `epoch` epochs, resume into a fresh model and optimizer, compare state."""
    model, optimizer, criterion = fresh(seed)
    train, _ = loaders(seed)
    for _ in range(epoch):
        loss = train_epoch(model, train, optimizer, criterion)
    _trusted_checkpoint("checkpoint.pt", model, optimizer, epoch, loss)
    new_model, new_optimizer, _ = fresh(seed + 1)
    returned = sub.resume("checkpoint.pt", new_model, new_optimizer)
    return {
        "returned": returned if type(returned) in (int, float, type(None), str) else repr(returned)[:100],
        "saved_model": model_state(model), "restored_model": model_state(new_model),
        "saved_optimizer": optimizer_tensors(optimizer.state_dict()),
        "restored_optimizer": optimizer_tensors(new_optimizer.state_dict()),
    }


def uninterrupted_run(sub, seed: int, total: int) -> dict:
    """The run resume is compared with: `total` epochs of the grader's loop, no crash, no student code."""
    model, optimizer, criterion = fresh(seed)
    train, _ = loaders(seed)
    straight = [train_epoch(model, train, optimizer, criterion) for _ in range(total)]
    return {"straight": straight, "straight_final": model_state(model)}


def resumed_run(sub, seed: int, total: int, crash_after: int) -> dict:
    """Crash after `crash_after` epochs, then the student's `resume` and the grader's loop to `total`.

    It runs in a worker of its own, apart from `uninterrupted_run`: the student's code never shares a process
    with the losses it is compared to, so reading the caller's frame finds nothing to copy.
    """
    model, optimizer, criterion = fresh(seed)
    train, _ = loaders(seed)
    before = [train_epoch(model, train, optimizer, criterion) for _ in range(crash_after)]
    _trusted_checkpoint("checkpoint.pt", model, optimizer, crash_after, before[-1])
    del model, optimizer
    model, optimizer, _ = fresh(seed + 1)
    next_epoch = sub.resume("checkpoint.pt", model, optimizer)
    train, _ = loaders(seed, first_epoch=crash_after + 1)
    after = [train_epoch(model, train, optimizer, criterion) for _ in range(crash_after + 1, total + 1)]
    return {"resumed": before + after, "resumed_final": model_state(model),
            "next_epoch": next_epoch if type(next_epoch) is int else None}


# ---- exercise 4 -------------------------------------------------------------------------------------

def early_stopping_traces(sub, cases: list) -> list:
    """Feed loss sequences to EarlyStopping; record (stop, best_loss, counter) after every step."""
    traces = []
    for case in cases:
        if case["min_delta"] is None:
            stopper = sub.EarlyStopping(case["patience"])
        else:
            stopper = sub.EarlyStopping(case["patience"], min_delta=case["min_delta"])
        trace = []
        for loss in case["losses"]:
            stop = stopper.step(loss)
            best = getattr(stopper, "best_loss", None)
            counter = getattr(stopper, "counter", None)
            trace.append([bool(stop), float(best) if isinstance(best, (int, float)) or torch.is_tensor(best) else None,
                          int(counter) if isinstance(counter, int) else None])
        traces.append(trace)
    return traces


def early_stopping_run(sub, seed: int, max_epochs: int, patience: int, path_type: str) -> dict:
    """Run train_with_early_stopping; report rows, final weights, the checkpoint's weights and val losses."""
    model, optimizer, criterion = fresh(seed)
    train, val = loaders(seed)
    path = Path("best_model.pt")
    rows = sub.train_with_early_stopping(model, optimizer, criterion, train, val, max_epochs, patience,
                                         as_path(path, path_type))
    saved = weights_in(path) if path.exists() else None
    final = model_state(model)
    return {
        "rows": [dict(row) for row in rows] if isinstance(rows, list) and all(isinstance(r, dict) for r in rows)
        else repr(rows)[:300],
        "final": final,
        "final_val_loss": trusted_val_loss(final, seed),
        "saved": saved,
        "saved_val_loss": trusted_val_loss(saved, seed) if saved else None,
    }
