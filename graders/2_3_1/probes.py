"""Probes for lesson 2.3.1: trusted code that runs in the worker, beside (never inside) the student's process.

Each probe builds the inputs, computes what its check compares against, asks the student's process to run
one `@student_step` (which calls the student's functions and returns plain data or leaves files), and reads
the files back with the weights-only loader. What the student's process says is only its word: models and
checkpoints handed to it come from `secret_seed()`, so a load or a resume can only be right by reading the
file; a round trip is split across two workers (`round_trip_save`, then `round_trip_load` in a fresh one),
so the original never exists where the file is read back.
"""

from __future__ import annotations

from pathlib import Path

import torch
import torch.nn as nn
from gradekit.course.given import MNISTNet  # noqa: F401 - probes and tests use it by this name
from gradekit.probe import (checkpoint_epochs, load_weights_only, pickled_globals, reference_run, saved_bytes,
                            secret_seed, student_step)


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


def fresh(seed: int, weights: dict | None = None):
    """A seeded model (or one holding `weights`), its Adam optimizer and the loss: what each exercise starts from."""
    torch.manual_seed(seed)
    model = MNISTNet()
    if weights is not None:
        model.load_state_dict(weights)
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


def as_path(path: Path | str, path_type: str):
    """The path as the judge asked: a str or a pathlib.Path (both are valid readings of the contract)."""
    return str(path) if path_type == "str" else Path(path)


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


def secret_inputs(count: int) -> torch.Tensor:
    """MNIST-shaped inputs the student's process cannot predict."""
    return torch.randn(count, 1, 28, 28, generator=torch.Generator().manual_seed(secret_seed()))


def secret_model(epochs: int = 0, data_seed: int = 0):
    """A model and Adam from a secret initialisation, trained `epochs` epochs by the course's loop."""
    model, optimizer, criterion = fresh(secret_seed())
    train, _ = loaders(data_seed)
    loss = None
    for _ in range(epochs):
        loss = train_epoch(model, train, optimizer, criterion)
    return model, optimizer, criterion, loss


def checkpoint_dict(model, optimizer, epoch: int, loss: float) -> dict:
    """Exercise 2's checkpoint, written by the grader's own code."""
    return {"model_state_dict": model.state_dict(), "optimizer_state_dict": optimizer.state_dict(),
            "epoch": epoch, "loss": loss}


def describe_file(data: bytes | None) -> dict | None:
    """What a saved file holds, read with the weights-only loader (never unpickling code)."""
    if data is None:
        return None
    try:
        loaded = load_weights_only(data)
    except Exception as error:  # noqa: BLE001 - the reason the safe loader refused is the feedback
        names = pickled_globals(data)
        is_module = any(n.startswith("torch.nn.modules") or n.rsplit(".", 1)[-1] == "MNISTNet" for n in names)
        return {"weights_only": False, "error": f"{type(error).__name__}: {str(error)[:300]}",
                "type": "a pickled model" if is_module else "an object only the unsafe loader reads",
                "is_module": is_module}
    info = {"weights_only": True, "type": type(loaded).__name__, "is_module": False}
    if isinstance(loaded, dict):
        info["keys"] = [str(k) for k in loaded]
        info["tensors"] = {str(k): v for k, v in loaded.items() if torch.is_tensor(v)}
        inner = loaded.get("model_state_dict")
        if isinstance(inner, dict):
            info["model_state_dict"] = {str(k): v for k, v in inner.items() if torch.is_tensor(v)}
    return info


def weights_in(data: bytes | None) -> dict | None:
    """The model weights a checkpoint file holds (a state_dict or an exercise-2 checkpoint), read safely."""
    if data is None:
        return None
    try:
        loaded = load_weights_only(data)
    except Exception:  # noqa: BLE001 - unreadable by the safe loader: no weights to judge
        return None
    if isinstance(loaded, dict) and isinstance(loaded.get("model_state_dict"), dict):
        loaded = loaded["model_state_dict"]
    if not isinstance(loaded, dict):
        return None
    return {str(k): v.detach().clone() for k, v in loaded.items() if torch.is_tensor(v)}


def trusted_val_loss(weights: dict | None, seed: int) -> float | None:
    """Validation loss of given weights, computed by the grader's own model and loop (None if they do not fit)."""
    if weights is None:
        return None
    model, _, criterion = fresh(seed)
    try:
        model.load_state_dict(weights)
    except (RuntimeError, KeyError, TypeError):
        return None
    return val_loss(model, loaders(seed)[1], criterion)


@reference_run
def course_run(seed: int, epochs: int, first_epoch: int = 1, states: bool = True) -> dict:
    """The course's loop from `fresh(seed)`, the same for every submission: what each epoch should leave behind
    (its weights, unless `states` is false, and its train and validation losses)."""
    run = trusted_run(seed, epochs, first_epoch)
    return run if states else {"train": run["train"], "val": run["val"]}


def trusted_run(seed: int, epochs: int, first_epoch: int = 1, weights: dict | None = None) -> dict:
    """The course's loop for `epochs` epochs from `fresh(seed)`: weights, train and validation loss per epoch."""
    model, optimizer, criterion = fresh(seed, weights)
    train, val = loaders(seed, first_epoch=first_epoch)
    states, train_losses, val_losses = {}, [], []
    for epoch in range(first_epoch, epochs + 1):
        train_losses.append(train_epoch(model, train, optimizer, criterion))
        val_losses.append(val_loss(model, val, criterion))
        states[epoch] = model_state(model)
    return {"states": states, "train": train_losses, "val": val_losses}


# ---- exercise 1 -------------------------------------------------------------------------------------

@student_step
def call_save_model(sub, path_type: str, name: str = "model.pth") -> dict:
    """Build the model the worker sent (start.pt), call save_model on it."""
    model = MNISTNet()
    model.load_state_dict(torch.load("start.pt", weights_only=True))
    sub.save_model(model, as_path(name, path_type))
    return {"exists": Path(name).exists()}


def save_model_file(student, path_type: str) -> dict:
    """save_model on a model with secret weights; what the file it wrote holds."""
    model, _, _, _ = secret_model()
    student.put("start.pt", saved_bytes(model.state_dict()))
    out = student.call(call_save_model, path_type=path_type)
    data = student.file("model.pth")
    return {"exists": data is not None, "file": describe_file(data), "original": model_state(model)}


@student_step
def call_load_model(sub, path_type: str, inputs: torch.Tensor) -> dict:
    """load_model(MNISTNet(), path) on the file the worker wrote; the returned model's weights and predictions."""
    instance = MNISTNet()
    returned = sub.load_model(instance, as_path("model.pth", path_type))
    out = {"returned_type": type(returned).__name__, "is_module": isinstance(returned, nn.Module)}
    target = returned if isinstance(returned, nn.Module) else instance
    out["training"] = bool(target.training)
    out["weights"] = model_state(target)
    with torch.no_grad():
        out["first_call"] = target(inputs)
        out["second_call"] = target(inputs)
        target.eval()
        out["eval_logits"] = target(inputs)
    return out


def load_model_from_state_dict(student, path_type: str) -> dict:
    """A state_dict of secret weights saved by the grader, loaded by load_model; what came back."""
    model, _, _, _ = secret_model()
    student.put("model.pth", saved_bytes(model.state_dict()))
    inputs = secret_inputs(16)
    out = student.call(call_load_model, path_type=path_type, inputs=inputs)
    model.eval()
    with torch.no_grad():
        out["expected_logits"] = model(inputs)
    out["original"] = model_state(model)
    return out


def round_trip_save(student, path_type: str) -> dict:
    """First half of the round trip: save_model on a trained model with secret weights; the file it wrote.

    The second half (`round_trip_load`) runs in another worker, whose student process never held the model.
    """
    model, _, _, _ = secret_model(epochs=1)
    student.put("start.pt", saved_bytes(model.state_dict()))
    student.call(call_save_model, path_type=path_type, name="round_trip.pth")
    inputs = secret_inputs(32)
    model.eval()
    with torch.no_grad():
        before = model(inputs)
    return {"file": student.file("round_trip.pth"), "inputs": inputs, "before": before,
            "params_before": model_state(model)}


@student_step
def call_load_saved(sub, path_type: str, inputs: torch.Tensor) -> dict:
    """load_model(MNISTNet(), path) on the file save_model wrote; the loaded model's weights and predictions."""
    loaded = sub.load_model(MNISTNet(), as_path("round_trip.pth", path_type))
    if not isinstance(loaded, nn.Module):
        return {"after": None, "params_after": {}}
    with torch.no_grad():
        return {"after": loaded(inputs), "params_after": model_state(loaded)}


def round_trip_load(student, file: bytes | None, inputs: torch.Tensor, path_type: str) -> dict:
    """Second half of the round trip: the saved file, and only it, loaded by load_model in a fresh process."""
    if file is None:
        return {"after": None, "params_after": {}, "saved": False}
    student.put("round_trip.pth", file)
    return {**student.call(call_load_saved, path_type=path_type, inputs=inputs), "saved": True}


# ---- exercise 2 -------------------------------------------------------------------------------------

@student_step
def call_save_checkpoint(sub, epoch: int, loss: float) -> dict:
    """Rebuild the model and Adam the worker sent (start.pt), call save_checkpoint on them."""
    state = torch.load("start.pt", weights_only=True)
    model, optimizer, _ = fresh(0, state["model_state_dict"])
    optimizer.load_state_dict(state["optimizer_state_dict"])
    sub.save_checkpoint("checkpoint.pt", model, optimizer, epoch, loss)
    return {}


def save_checkpoint_file(student, epoch: int, loss: float) -> dict:
    """save_checkpoint on a model and Adam trained from a secret start; the checkpoint dict it wrote."""
    model, optimizer, _, trained_loss = secret_model(epochs=1)
    student.put("start.pt", saved_bytes(checkpoint_dict(model, optimizer, 1, trained_loss)))
    student.call(call_save_checkpoint, epoch=epoch, loss=loss)
    out = {"model": model_state(model), "optimizer": optimizer_tensors(optimizer.state_dict()),
           "param_count": len(list(model.parameters()))}
    info = describe_file(student.file("checkpoint.pt"))
    if info is None or not info["weights_only"]:
        out["type"] = "no file" if info is None else info["type"]
        out["error"] = None if info is None else info["error"]
        return out
    data = load_weights_only(student.file("checkpoint.pt"))
    out["type"] = type(data).__name__
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


def plain_value(value):
    """A number, string or None as it is; a one-element tensor as its float; anything else described."""
    if value is None or type(value) in (int, float, str, bool):
        return value
    if torch.is_tensor(value) and value.numel() == 1:
        return float(value)
    return repr(value)[:80]


def plain_rows(rows) -> list | str:
    """A training function's history as plain rows, or a description of what it returned instead."""
    if isinstance(rows, list) and all(isinstance(r, dict) for r in rows):
        return [{str(k): plain_value(v) for k, v in row.items()} for row in rows]
    return repr(rows)[:300]


@student_step
def call_train_with_checkpoints(sub, seed: int, epochs: int, every: int, start_epoch: int = 1,
                                folder: str = "checkpoints") -> dict:
    """train_with_checkpoints from fresh(seed) on the lesson's loaders; its rows and the files it wrote."""
    model, optimizer, criterion = fresh(seed)
    train, val = loaders(seed, first_epoch=start_epoch)
    kwargs = {"every": every} if start_epoch == 1 else {"every": every, "start_epoch": start_epoch}
    rows = sub.train_with_checkpoints(model, optimizer, criterion, train, val, epochs, folder, **kwargs)
    files = sorted(p.name for p in Path(folder).glob("*") if p.is_file()) if Path(folder).is_dir() else []
    return {"rows": plain_rows(rows), "files": files[:50]}


def checkpoint_run(student, seed: int, epochs: int, every: int, start_epoch: int = 1) -> dict:
    """Run train_with_checkpoints; the files it wrote, read back, and each one's validation loss computed here
    (the check compares them with `course_run`, the weights every epoch should have saved)."""
    out = student.call(call_train_with_checkpoints, seed=seed, epochs=epochs, every=every, start_epoch=start_epoch)
    weights = {name: weights_in(student.file(f"checkpoints/{name}")) for name in out["files"]
               if name.endswith((".pt", ".pth"))}
    weights = {name: w for name, w in weights.items() if w is not None}
    return {**out, "weights": weights, "val_losses": {name: trusted_val_loss(w, seed) for name, w in weights.items()}}


# ---- exercise 3 -------------------------------------------------------------------------------------

@student_step
def call_resume(sub, name: str = "checkpoint.pt", **kwargs) -> dict:
    """resume(path, model, optimizer) into a fresh model and Adam; the state they hold afterwards."""
    model, optimizer, _ = fresh(1)
    returned = sub.resume(name, model, optimizer, **kwargs)
    return {"returned": returned if type(returned) in (int, float, type(None), str) else repr(returned)[:100],
            "restored_model": model_state(model),
            "restored_optimizer_state": optimizer.state_dict()}


def secret_epoch() -> tuple[int, int]:
    """The epoch a checkpoint handed over says it was saved after (10 to 9 999) and the epochs its model was
    actually trained (1 to 3): neither known to the student's process."""
    return checkpoint_epochs(secret_seed(), range(1, 4))


def resume_state(student) -> dict:
    """A trusted checkpoint of a secret model saved after a secret epoch, resumed into a fresh model and
    optimizer: what resume returned and restored, and the epoch the checkpoint holds."""
    epoch, trained = secret_epoch()
    model, optimizer, _, loss = secret_model(epochs=trained)
    student.put("checkpoint.pt", saved_bytes(checkpoint_dict(model, optimizer, epoch, loss)))
    out = student.call(call_resume)
    return {"returned": out["returned"], "saved_epoch": epoch, "saved_model": model_state(model),
            "restored_model": out["restored_model"],
            "saved_optimizer": optimizer_tensors(optimizer.state_dict()),
            "restored_optimizer": optimizer_tensors(out["restored_optimizer_state"])}


def resume_continuity(student, seed: int, total: int, crash_after: int) -> dict:
    """The uninterrupted run and a crash after `crash_after` epochs resumed by the student's `resume`, both from
    one secret start; the course's loop continues from the state resume restored. Only `resume` is the student's:
    what it restored is read back and trained on here, where the uninterrupted run's losses already are."""
    start = model_state(fresh(secret_seed())[0])
    straight = trusted_run(seed, total, weights=start)
    model, optimizer, criterion = fresh(seed, start)
    train, _ = loaders(seed)
    before = [train_epoch(model, train, optimizer, criterion) for _ in range(crash_after)]
    student.put("checkpoint.pt", saved_bytes(checkpoint_dict(model, optimizer, crash_after, before[-1])))
    out = student.call(call_resume)
    model, optimizer, criterion = fresh(seed)
    try:
        model.load_state_dict(out["restored_model"])
        optimizer.load_state_dict(out["restored_optimizer_state"])
    except (RuntimeError, KeyError, ValueError, TypeError) as error:
        return {"straight": straight["train"], "resumed": before, "restore_error": str(error)[:300]}
    train, _ = loaders(seed, first_epoch=crash_after + 1)
    after = [train_epoch(model, train, optimizer, criterion) for _ in range(crash_after + 1, total + 1)]
    return {"straight": straight["train"], "straight_final": straight["states"][total], "resumed": before + after,
            "resumed_final": model_state(model),
            "next_epoch": out["returned"] if type(out["returned"]) is int else None}


# ---- exercise 4 -------------------------------------------------------------------------------------

@student_step
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


@student_step
def call_train_with_early_stopping(sub, seed: int, max_epochs: int, patience: int, path_type: str) -> dict:
    """train_with_early_stopping from fresh(seed); its rows and the weights the model ends with."""
    model, optimizer, criterion = fresh(seed)
    train, val = loaders(seed)
    rows = sub.train_with_early_stopping(model, optimizer, criterion, train, val, max_epochs, patience,
                                         as_path("best_model.pt", path_type))
    return {"rows": plain_rows(rows), "final": model_state(model)}


def early_stopping_run(student, seed: int, max_epochs: int, patience: int, path_type: str) -> dict:
    """Run train_with_early_stopping; the validation loss of the weights it ends with and of the file it saved,
    both computed here (the check compares them with `course_run`'s validation loss after every epoch)."""
    out = student.call(call_train_with_early_stopping, seed=seed, max_epochs=max_epochs, patience=patience,
                       path_type=path_type)
    saved = weights_in(student.file("best_model.pt"))
    return {"rows": out["rows"], "final_val_loss": trusted_val_loss(out["final"], seed),
            "saved": saved is not None, "saved_val_loss": trusted_val_loss(saved, seed)}
