"""Probes for lesson 2.3.3 (Fashion-MNIST project): trusted code that runs in the worker, beside (never inside)
the student's process.

The grading rule: nothing a check compares against ever enters the student's process. The real Fashion-MNIST
test set is read here, in the worker, straight from its original IDX files (Debian's dataset-fashion-mnist, or
torchvision's cache) and normalized exactly as ToTensor() + Normalize((0.286,), (0.353,)) does. The student's
code gets a data folder of its own (torchvision's `FashionMNIST/raw/` layout) and runs in its own process;
whatever comes back from there is its word:

- A model is judged on a **trusted rebuild** (`gradekit.course.rebuild`, shared with 2.2.2). The student's process runs it on inputs drawn here with
  `secret_seed()` and records every leaf layer it runs (forward hooks) with what went in and came out. The
  worker rebuilds that network from the course's layers, with weights it read itself (the checkpoint file) or
  chose itself (secret weights it handed over), checks that the rebuild gives what the student's model gave,
  and only then uses the rebuild: its accuracy on the 10 000 test images, its layers, its outputs. The
  student's `forward` never runs where a test label is.
- An optimizer is judged by what two of its steps do to parameters and gradients chosen here, against
  torch.optim.Adam run here on the same ones.
- Checks of the student's own answers on inputs the judge chose (per-class accuracy, the confusion matrix)
  run as `@student_step`s: their verdict is the student's word by nature, and the judge counts by hand.
"""

from __future__ import annotations

import gzip
import os
import shutil
from pathlib import Path

import numpy as np
import torch
import torch.nn as nn
from gradekit.course.rebuild import (TOLERANCE, Unrebuildable, float_tensor, check_training_pass, claimed_state,
                                     close, judged_checkpoint, model_state, not_checkable, plain, rebuild,
                                     secret_inputs, secret_weights, traced_call, traced_checkpoint, trusted_eval,
                                     trusted_logits)
from gradekit.probe import StudentBroken, reply, secret_seed, student_step

MEAN, STD = 0.286, 0.353
PACKED = Path("/usr/share/datasets/fashion-mnist")  # Debian's dataset-fashion-mnist: the four files, gzipped
UNPACKED = Path.home() / ".cache" / "fashion-mnist" / "FashionMNIST" / "raw"  # torchvision's layout, unpacked
SEARCH = [PACKED, UNPACKED]
RAW_FILES = {"train-images-idx3-ubyte": 47_040_016, "train-labels-idx1-ubyte": 60_008,
             "t10k-images-idx3-ubyte": 7_840_016, "t10k-labels-idx1-ubyte": 10_008}


# ---- the real data: read in the worker only --------------------------------------------------------------

def _idx(folder: Path, name: str) -> np.ndarray | None:
    """Read one IDX file (packed or not) from `folder` as a numpy array, or None if it is not there."""
    for path, opener in ((folder / f"{name}.gz", gzip.open), (folder / name, open)):
        if path.is_file():
            with opener(path, "rb") as handle:
                data = handle.read()
            dims = data[3]
            shape = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(dims)]
            return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape)
    return None


def fashion_test_set() -> tuple[torch.Tensor, torch.Tensor]:
    """The 10 000 real test images, normalized like the lesson's transform, and their labels (worker only)."""
    for folder in SEARCH:
        images, labels = _idx(folder, "t10k-images-idx3-ubyte"), _idx(folder, "t10k-labels-idx1-ubyte")
        if images is not None and labels is not None:
            x = torch.from_numpy(images.copy()).float().div(255).unsqueeze(1)
            return (x - MEAN) / STD, torch.from_numpy(labels.astype(np.int64))
    from torchvision import datasets

    test = datasets.FashionMNIST(str(UNPACKED.parent.parent), train=False, download=True)
    return ((test.data.float().div(255).unsqueeze(1) - MEAN) / STD), test.targets.clone()


def unpacked_copy() -> Path | None:
    """A folder that holds the four original files unpacked, at their full sizes (torchvision's cache), readable by
    this worker and so by the student's process it forks: in the `uid` layer both run under a uid of their own, and a
    cache under root's home (/root/.cache) is out of their reach (even a look at it raises PermissionError)."""
    try:
        if all((UNPACKED / name).is_file() and (UNPACKED / name).stat().st_size == size
               and os.access(UNPACKED / name, os.R_OK) for name, size in RAW_FILES.items()):
            return UNPACKED
    except OSError:  # not ours to read: the files are unpacked from Debian's package instead
        pass
    return None


def data_folder(student) -> str:
    """Give the student's code a Fashion-MNIST data root of its own, in torchvision's layout: its path.

    ROOT/FashionMNIST/raw/ holds the four files unpacked (links to torchvision's cache where there is one,
    else unpacked from Debian's package), so `datasets.FashionMNIST(ROOT, download=True)` downloads nothing
    and a learner's own loader that takes a root works unchanged.
    """
    root = student.workdir / "data"
    raw = root / "FashionMNIST" / "raw"
    source = unpacked_copy()
    try:
        raw.mkdir(parents=True, exist_ok=True)
        for name in RAW_FILES:
            target = raw / name
            if os.path.lexists(target):
                continue
            if source is not None:
                os.symlink(source / name, target)
            else:
                with gzip.open(PACKED / f"{name}.gz", "rb") as packed, open(target, "xb") as unpacked:
                    shutil.copyfileobj(packed, unpacked)
    except OSError as error:
        raise StudentBroken(f"the grader could not lay out Fashion-MNIST in {root} for your code ({error})") from None
    return str(root)


def describe_model(kind: str, settings: dict) -> str:
    """How a message names the model a check built: BaselineMLP() or build_model(...) with its settings."""
    if kind == "baseline":
        return "BaselineMLP()"
    return (f"build_model(hidden_sizes={tuple(settings['hidden_sizes'])}, dropout={settings['dropout']}, "
            f"batchnorm={settings['batchnorm']})")


# ---- exercise 1: data --------------------------------------------------------------------------------

@student_step
def call_get_dataloaders(sub, root: str, batch_size: int, val_size: int, seed: int) -> dict:
    """get_dataloaders(root, ...) on the data folder the worker laid out; what the three loaders serve."""
    train, val, test = sub.get_dataloaders(root, batch_size, val_size, seed)
    first_epoch = [labels for _, labels in zip(range(3), (b[1] for b in train))]
    second_epoch = [labels for _, labels in zip(range(3), (b[1] for b in train))]
    images, labels = next(iter(train))
    stats = torch.cat([x for _, (x, _) in zip(range(20), train)])
    report = {
        "image_shape": list(images.shape), "image_dtype": str(images.dtype).removeprefix("torch."),
        "label_dtype": str(torch.as_tensor(labels).dtype).removeprefix("torch."),
        "label_min": int(torch.as_tensor(labels).min()), "label_max": int(torch.as_tensor(labels).max()),
        "mean": float(stats.mean()), "std": float(stats.std()),
        "epochs_differ": not all(torch.equal(a, b) for a, b in zip(first_epoch, second_epoch)),
        "test_labels": torch.cat([torch.as_tensor(y) for _, (_, y) in zip(range(4), test)]).long(),
        "sizes": [len(train.dataset), len(val.dataset), len(test.dataset)],
    }
    train_indices = getattr(train.dataset, "indices", None)
    val_indices = getattr(val.dataset, "indices", None)
    if train_indices is not None and val_indices is not None:
        report["overlap"] = len(set(map(int, train_indices)) & set(map(int, val_indices)))
    return report


def data_report(student, batch_size: int, val_size: int, seed: int) -> dict:
    """get_dataloaders on a real data folder; whether its test loader serves the test set in file order is
    judged here, against the labels only the worker reads."""
    out = reply(student.call(call_get_dataloaders, root=data_folder(student), batch_size=batch_size,
                             val_size=val_size, seed=seed), "test_labels")
    served = out.pop("test_labels")
    _, labels = fashion_test_set()
    out["test_in_file_order"] = torch.is_tensor(served) and served.dim() == 1 and len(served) > 0 and \
        bool(torch.equal(served.long(), labels[:len(served)]))
    return out


# ---- exercises 2 and 3: models ------------------------------------------------------------------------

def make_model(sub, kind: str, settings: dict) -> nn.Module:
    """The student's model: the provided baseline, or build_model(...) with the judge's settings."""
    if kind == "baseline":
        return sub.BaselineMLP()
    return sub.build_model(hidden_sizes=tuple(settings["hidden_sizes"]), dropout=settings["dropout"],
                           batchnorm=settings["batchnorm"])


@student_step
def own_weights(sub, kind: str, settings: dict, seed: int) -> dict:
    """Build the model; its state_dict (the names and shapes the worker fills with secret values)."""
    torch.manual_seed(seed)
    return model_state(make_model(sub, kind, settings))


@student_step
def run_with_weights(sub, kind: str, settings: dict, seed: int, weights: dict, inputs: torch.Tensor) -> dict:
    """Build the model, load the worker's weights; run it in eval mode (recorded, then again), then twice in
    train mode (recorded)."""
    torch.manual_seed(seed)
    model = make_model(sub, kind, settings)
    model.load_state_dict(weights)
    model.eval()
    with torch.no_grad():
        evaluated = traced_call(model, inputs)
        again = plain(model(inputs))
        model.train()
        first, second = traced_call(model, inputs), traced_call(model, inputs)
    return {"eval": evaluated, "eval_again": again, "train_a": first, "train_b": second}


def judged_model(student, kind: str, settings: dict, seed: int) -> dict:
    """The student's model run on secret weights and inputs; judged on its trusted rebuild."""
    weights = secret_weights(claimed_state(student.call(own_weights, kind=kind, settings=settings, seed=seed)))
    inputs = secret_inputs()
    out = reply(student.call(run_with_weights, kind=kind, settings=settings, seed=seed, weights=weights,
                             inputs=inputs), "eval", "eval_again", "train_a", "train_b")
    source = "the weights the grader gave your model"
    try:
        rebuilt = rebuild(out["eval"], weights, inputs, source)
        trained = [check_training_pass(out[key], weights, inputs, source) for key in ("train_a", "train_b")]
        again = float_tensor(out["eval_again"], "your model's second output in eval mode")
    except Unrebuildable as problem:
        return {"rebuild_error": not_checkable(f"{describe_model(kind, settings)}", problem)}
    with torch.no_grad():
        eval_out, eval_double = rebuilt.model(inputs), rebuilt.model(2 * inputs)
    return {"eval_layers": rebuilt.described(), "train_layers": trained[0], "output_shape": list(eval_out.shape),
            "eval_out": out["eval"]["output"], "eval_again": again, "eval_double": eval_double,
            "trusted_out": eval_out, "train_a": out["train_a"]["output"], "train_b": out["train_b"]["output"]}


def baseline_layers(student) -> dict:
    """The provided BaselineMLP, judged on its trusted rebuild: its layers and output shape."""
    out = judged_model(student, "baseline", {}, 0)
    if "rebuild_error" in out:
        return out
    return {"layers": out["eval_layers"], "output": out["output_shape"]}


def model_report(student, hidden_sizes: list, dropout: float, batchnorm: bool, seed: int) -> dict:
    """build_model(...) on secret weights and inputs: the layers it runs in train mode (checked layer by layer),
    its eval output (checked against the trusted rebuild), the rebuild's output at twice the input, and two
    train-mode outputs (each checked to be a genuine forward pass with its own dropout masks)."""
    out = judged_model(student, "build_model", {"hidden_sizes": list(hidden_sizes), "dropout": dropout,
                                                "batchnorm": batchnorm}, seed)
    if "rebuild_error" in out:
        return out
    return {"layers": out["train_layers"], "output_shape": out["output_shape"], "eval_out": out["eval_out"],
            "eval_again": out["eval_again"], "eval_double": out["eval_double"], "train_a": out["train_a"],
            "train_b": out["train_b"]}


def optimizer_probe_model() -> nn.Module:
    """The small model make_optimizer is tried on: every kind of parameter the lesson's models hold."""
    return nn.Sequential(nn.Flatten(), nn.Linear(784, 8), nn.BatchNorm1d(8), nn.Linear(8, 10))


def stepped(model: nn.Module, optimizer, gradients: list) -> dict:
    """One optimizer step per set of gradients (given by parameter name); the model's state afterwards."""
    for grads in gradients:
        optimizer.zero_grad()
        for name, parameter in model.named_parameters():
            parameter.grad = grads[name].clone()
        optimizer.step()
    return model_state(model)


@student_step
def call_make_optimizer(sub, lr: float, weight_decay: float, weights: dict, gradients: list) -> dict:
    """make_optimizer on the probe model holding the worker's weights; its settings, and the weights after one
    step per set of gradients the worker sent."""
    model = optimizer_probe_model()
    model.load_state_dict(weights)
    optimizer = sub.make_optimizer(model, lr=lr, weight_decay=weight_decay)
    held = {id(p) for group in optimizer.param_groups for p in group["params"]}
    out = {"type": type(optimizer).__name__, "lr": [g["lr"] for g in optimizer.param_groups],
           "weight_decay": [g.get("weight_decay") for g in optimizer.param_groups],
           "all_parameters": all(id(p) in held for p in model.parameters())}
    return {**out, "after": stepped(model, optimizer, gradients)}


def adam_steps(weights: dict, gradients: list, lr: float, weight_decay: float) -> dict:
    """What torch.optim.Adam(lr, weight_decay) over every parameter does to `weights` with these gradients."""
    model = optimizer_probe_model()
    model.load_state_dict(weights)
    return stepped(model, torch.optim.Adam(model.parameters(), lr=lr, weight_decay=weight_decay), gradients)


def optimizer_report(student, lr: float, weight_decay: float) -> dict:
    """make_optimizer(model, lr, weight_decay): its class and settings as it states them, and whether two of its
    steps move secret weights, on secret gradients, exactly as torch.optim.Adam(lr, weight_decay) does here."""
    weights = secret_weights(model_state(optimizer_probe_model()))
    generator = torch.Generator().manual_seed(secret_seed())
    names = [name for name, _ in optimizer_probe_model().named_parameters()]
    gradients = [{name: torch.randn(weights[name].shape, generator=generator) for name in names} for _ in range(2)]
    out = reply(student.call(call_make_optimizer, lr=lr, weight_decay=weight_decay, weights=weights,
                             gradients=gradients), "after")
    after = claimed_state(out.pop("after"))
    expected = adam_steps(weights, gradients, lr, weight_decay)
    out["steps_like_adam"] = set(after) == set(expected) and all(close(after[k].float(), expected[k].float())
                                                                 for k in expected)
    moved = [k for k in names if k in after and not close(after[k].float(), weights[k].float())]
    out["unmoved"] = [k for k in names if k not in moved]
    return out


# ---- exercise 4: per-class accuracy --------------------------------------------------------------------

class LookupModel(nn.Module):
    """A 'model' that predicts given classes: image i (its index written in pixel 0) gets prediction[i]."""

    def __init__(self, predictions: list[int]) -> None:
        super().__init__()
        self.register_buffer("table", torch.eye(10)[torch.tensor(predictions, dtype=torch.long)] * 5.0)
        self.calls = []

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self.calls.append({"training": self.training, "grad": torch.is_grad_enabled()})
        return self.table[x[:, 0, 0, 0].round().long()]


@student_step
def per_class_report(sub, predictions: list, labels: list, batch_size: int) -> dict:
    """per_class_accuracy on a lookup model whose predictions and labels the judge chose (the judge counts by
    hand: the student's answer is all there is to report)."""
    images = torch.zeros(len(labels), 1, 28, 28)
    images[:, 0, 0, 0] = torch.arange(len(labels), dtype=torch.float32)
    dataset = torch.utils.data.TensorDataset(images, torch.tensor(labels, dtype=torch.long))
    loader = torch.utils.data.DataLoader(dataset, batch_size=batch_size)
    model = LookupModel(predictions)
    result = sub.per_class_accuracy(model, loader, "cpu")
    return {"result": {str(k): (float(v) if isinstance(v, (int, float)) or torch.is_tensor(v) else repr(v))
                       for k, v in result.items()} if isinstance(result, dict) else repr(result)[:200],
            "calls": model.calls}


# ---- exercise 5 and the student's artifact ------------------------------------------------------------

def hardest_classes(sub):
    """HARDEST_CLASSES as the student wrote it: class names as strings, or a description of what it is."""
    hardest = sub.HARDEST_CLASSES if sub.has("HARDEST_CLASSES") else None
    return [str(c) for c in hardest] if isinstance(hardest, (list, tuple)) else repr(hardest)[:200]


@student_step
def best_model_trace(sub, name: str, inputs: torch.Tensor) -> dict:
    """build_model(**BEST_CONFIG) with the learner's checkpoint loaded, run on the worker's inputs; HARDEST_CLASSES."""
    config = sub.BEST_CONFIG
    model = sub.build_model(**config)  # first: the architecture must exist in code before values can fill it
    out = {"config": repr(config)[:200], "hardest": hardest_classes(sub)}
    path = Path(sub.folder) / name
    return {**out, **traced_checkpoint(model, path, inputs)} if path.is_file() else out


def artifact_report(student, name: str) -> dict:
    """The learner's best_model.pt, read here, evaluated on the 10 000 real test images by the trusted rebuild of
    build_model(**BEST_CONFIG) (checked first against the learner's model on secret inputs)."""
    inputs = secret_inputs()
    out = reply(student.call(best_model_trace, name=name, inputs=inputs), "config", "hardest")
    report = {"path": str(student.folder / name), "config": str(out["config"])[:200], "hardest": out["hardest"]}
    data = student.artifact(name)
    if data is None:
        return {**report, "exists": False}
    report["exists"] = True
    rebuilt, problem = judged_checkpoint(out, data, inputs, name)
    if rebuilt is None:
        return {**report, **problem}
    accuracy, per_class = trusted_eval(rebuilt.model, *fashion_test_set())
    return {**report, "accuracy": accuracy, "per_class": per_class}


def checkpoint_file(student, claimed) -> bytes | None:
    """The checkpoint run_pipeline says it wrote, read from the student's working folder; None if absent."""
    if type(claimed) is not str or not claimed:
        return None
    path = Path(claimed)
    if path.is_absolute():
        try:
            path = path.relative_to(student.workdir)
        except ValueError:
            return None
    try:
        return student.file(str(path))
    except ValueError:
        return None


def plain_claims(result) -> dict:
    """What run_pipeline returned, as plain facts (type, keys, values of the contract)."""
    report = {"type": type(result).__name__}
    if not isinstance(result, dict):
        return report
    report["keys"] = sorted(str(k) for k in result)
    accuracy = result.get("test_accuracy")
    report["test_accuracy"] = float(accuracy) if isinstance(accuracy, (int, float)) else repr(accuracy)[:80]
    epoch = result.get("best_epoch")
    report["best_epoch"] = epoch if type(epoch) is int else repr(epoch)[:80]
    report["checkpoint_type"] = type(result.get("checkpoint")).__name__
    report["checkpoint"] = str(result.get("checkpoint"))[:500]
    per_class = result.get("per_class")
    report["per_class_keys"] = sorted(str(k) for k in per_class) if isinstance(per_class, dict) else None
    return report


@student_step
def call_run_pipeline(sub, config: dict, inputs: torch.Tensor) -> dict:
    """run_pipeline(config) with every state it saves recorded; then its checkpoint loaded into build_model and
    run on the worker's inputs (layers recorded), and the validation images its own loaders serve."""
    saves = []
    real_save = torch.save

    def recording_save(obj, f, *args, **kwargs):
        """torch.save, keeping a copy of every state the pipeline saves."""
        if isinstance(obj, dict):
            saves.append({str(k): v.detach().clone() for k, v in obj.items() if torch.is_tensor(v)})
        elif isinstance(obj, nn.Module):
            saves.append(model_state(obj))
        return real_save(obj, f, *args, **kwargs)

    torch.save = recording_save
    try:
        result = sub.run_pipeline(dict(config))
    finally:
        torch.save = real_save
    report = {**plain_claims(result), "saves": saves}
    checkpoint = Path(report.get("checkpoint", ""))
    if "checkpoint" not in report or not checkpoint.is_file():
        return report
    model = sub.build_model(hidden_sizes=tuple(config["hidden_sizes"]), dropout=config["dropout"],
                            batchnorm=config["batchnorm"])
    _, val, _ = sub.get_dataloaders(config["data_root"], config["batch_size"], config["val_size"], config["seed"],
                                    test_subset=config["test_subset"])
    report["val_images"] = torch.cat([x for x, _ in val])
    report["val_labels"] = torch.cat([torch.as_tensor(y) for _, y in val]).long()
    return {**report, **traced_checkpoint(model, checkpoint, inputs)}


def accuracy_range(logits: torch.Tensor, labels: torch.Tensor) -> list[float]:
    """The lowest and highest accuracy the learner's own evaluation of the rebuilt model's `logits` can honestly
    report. The rebuild stands for the learner's model up to TOLERANCE of the logits' size, so an image whose two
    highest logits lie that close (twice over) may go either way in another summation order; every other image is
    decided here."""
    top = logits.topk(2, dim=1)
    undecided = top.values[:, 0] - top.values[:, 1] <= 2 * TOLERANCE * max(1.0, float(logits.abs().max()))
    right = int(((top.indices[:, 0] == labels) & ~undecided).sum())
    either = int((undecided & ((top.indices[:, 0] == labels) | (top.indices[:, 1] == labels))).sum())
    return [right / len(labels), (right + either) / len(labels)]


def validation_loss(model: nn.Module, images, labels) -> float:
    """Cross-entropy of a trusted model on the validation images the student's loaders serve."""
    model.eval()
    with torch.no_grad():
        return float(nn.CrossEntropyLoss()(model(images.float()), labels.long()))


def pipeline_report(student, config: dict) -> dict:
    """Run run_pipeline on a small seeded slice of a real data folder. Its checkpoint is read here and evaluated
    by the trusted rebuild on the first test images (beside the accuracy it reports); every state it saved, and
    the checkpoint, get their validation loss here."""
    config = {**config, "data_root": data_folder(student)}
    inputs = secret_inputs()
    out = reply(student.call(call_run_pipeline, config=config, inputs=inputs), "type")
    report = {k: v for k, v in out.items() if k not in ("saves", "trace", "val_images", "val_labels")}
    data = checkpoint_file(student, out.get("checkpoint"))
    report["checkpoint_exists"] = data is not None
    if data is None or out["type"] != "dict":
        return report
    rebuilt, problem = judged_checkpoint(out, data, inputs, "the pipeline's checkpoint")
    if rebuilt is None:
        return {**report, **problem}
    images, labels = fashion_test_set()
    count = int(config["test_subset"])
    logits, labels = trusted_logits(rebuilt.model, images[:count]), labels[:count]
    report["trusted_accuracy"] = float((logits.argmax(1) == labels).float().mean())
    report["accuracy_range"] = accuracy_range(logits, labels)
    val_images, val_labels = out.get("val_images"), out.get("val_labels")
    if not (torch.is_tensor(val_images) and torch.is_tensor(val_labels) and len(val_images) == len(val_labels) > 0):
        return report
    state = problem["state"]
    saved = [claimed_state(w) for w in out.get("saves") or [] if type(w) is dict and set(w) == set(state)]
    try:
        report["saved_val_losses"] = [validation_loss(rebuilt.with_weights(w, "a state the pipeline saved"),
                                                      val_images, val_labels) for w in saved]
        report["checkpoint_val_loss"] = validation_loss(rebuilt.model, val_images, val_labels)
    except (Unrebuildable, RuntimeError) as problem:
        report["rebuild_error"] = f"the states the pipeline saved could not be evaluated: {problem}"
    return report


# ---- stretch: confusion matrix -------------------------------------------------------------------------

@student_step
def confusion_report(sub, predictions: list, labels: list) -> dict:
    """confusion_matrix on predictions and labels the judge chose, given as tensors (the judge counts by hand)."""
    matrix = sub.confusion_matrix(torch.tensor(predictions, dtype=torch.long), torch.tensor(labels, dtype=torch.long),
                                  num_classes=10)
    return {"type": type(matrix).__name__, "matrix": matrix if torch.is_tensor(matrix) else None}
