"""Probes for lesson 2.2.2 (the MNIST project): trusted code that runs in the worker, beside (never inside) the
student's process.

The grading rule: nothing a check compares against ever enters the student's process.

- softmax, cross_entropy and accuracy run on logits the judge drew (Hypothesis) or the worker drew
  (`secret_seed()`); torch's own softmax, nn.CrossEntropyLoss and gradients are computed here, beside them.
- evaluate runs on a lookup model whose predictions and labels the judge chose: its answer is the student's
  word by nature, and the judge counts by hand.
- MNISTClassifier and every checkpoint are judged on a **trusted rebuild** (`gradekit.course.rebuild`, shared
  with 2.3.3): the student's process runs the model on secret inputs with its layers recorded, the worker rebuilds
  it from the course's layers with weights it chose or read itself (weights only), checks layer by layer that
  the rebuild computes what the student's model computed, and only then evaluates the rebuild. MNIST's real test
  images and labels are read here, in the worker, from the original IDX files (MD5-checked); the student's
  `forward` never runs where a test label is.
"""

from __future__ import annotations

import gzip
import hashlib
import math
import shutil
from pathlib import Path

import numpy as np
import torch
import torch.nn as nn
from gradekit.course.data import MNIST_FILES, mnist_data_root
from gradekit.course.rebuild import (Unrebuildable, check_training_pass, claimed_state, float_tensor,
                                     judged_checkpoint, model_state, not_checkable, rebuild, secret_inputs,
                                     secret_weights, traced_call, traced_checkpoint, trusted_eval)
from gradekit.probe import StudentBroken, drawn_apart, reply, reference_run, secret_seed, student_step

MEAN, STD = 0.1307, 0.3081
MD5 = {"t10k-images-idx3-ubyte.gz": "9fb629c4189551a2d022fa330f9573f3",  # torchvision's MNIST.resources
       "t10k-labels-idx1-ubyte.gz": "ec29112dd5afa0611ce80d1b7f02629c"}
SPLIT = (8000, 2000)  # the offline split of get_mnist_loaders: random_split of the test set with seed 0


# ---- the real data: read in the worker only --------------------------------------------------------------

def _verified(folder: Path) -> bool:
    """Whether `folder` holds MNIST's two original test files, byte for byte (MD5 as torchvision checks them)."""
    try:
        return all((folder / name).is_file() and hashlib.md5((folder / name).read_bytes()).hexdigest() == md5
                   for name, md5 in MD5.items())
    except OSError:
        return False


def test_files(student=None) -> Path:
    """The folder of MNIST's original test files: the project's own copy, else the one torchvision downloaded
    beside the submission (data/MNIST/raw, checked byte for byte, so no one can swap the labels)."""
    folders = [MNIST_FILES]
    if student is not None and getattr(student, "folder", None) is not None:
        folders += [Path(student.folder) / "data" / "MNIST" / "raw", Path(student.folder) / "data"]
    for folder in folders:
        if _verified(folder):
            return folder
    raise StudentBroken("the grader found no copy of MNIST's test files (t10k-images-idx3-ubyte.gz and "
                        "t10k-labels-idx1-ubyte.gz): run the notebook once with DATA_ROOT = 'data' beside it, so "
                        "torchvision downloads them into data/MNIST/raw/")


def _idx(path: Path) -> np.ndarray:
    """One packed IDX file as a numpy array."""
    with gzip.open(path, "rb") as handle:
        data = handle.read()
    dims = data[3]
    shape = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(dims)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape)


def mnist_test_set(student=None) -> tuple[torch.Tensor, torch.Tensor]:
    """The 10 000 real test images, normalized as ToTensor() + Normalize((0.1307,), (0.3081,)), and their labels."""
    folder = test_files(student)
    images = torch.from_numpy(_idx(folder / "t10k-images-idx3-ubyte.gz").copy()).float().div(255).unsqueeze(1)
    labels = torch.from_numpy(_idx(folder / "t10k-labels-idx1-ubyte.gz").astype(np.int64))
    return (images - MEAN) / STD, labels


def validation_indices() -> list[int]:
    """The 2 000 test images get_mnist_loaders(offline_split=True) validates on (its random_split, seed 0)."""
    _, val = torch.utils.data.random_split(range(10_000), list(SPLIT), generator=torch.Generator().manual_seed(0))
    return list(val.indices)


def data_folder(student) -> str:
    """A real MNIST data root of the student's own (torchvision's MNIST/raw/ layout, test files packed and
    unpacked), never None: its path."""
    root = student.workdir / "data"
    try:
        source = test_files(student)
        if source == MNIST_FILES:
            return str(mnist_data_root(root))
        raw = root / "MNIST" / "raw"
        raw.mkdir(parents=True, exist_ok=True)
        for name in MD5:
            shutil.copy(source / name, raw / name)
            with gzip.open(source / name, "rb") as packed, open(raw / name[:-3], "wb") as plain:
                shutil.copyfileobj(packed, plain)
    except OSError as error:
        raise StudentBroken(f"the grader could not lay out MNIST in {root} for your code ({error})") from None
    return str(root)


# ---- exercises 1 to 3: softmax, cross-entropy, accuracy ---------------------------------------------------

@student_step
def call_softmax(sub, logits: torch.Tensor) -> dict:
    """softmax(logits) on the worker's logits, and whether it left them as they were."""
    before = logits.clone()
    out = sub.softmax(logits)
    return {"returned": out, "input_unchanged": bool(torch.equal(before, logits))}


def softmax_values(student, rows: list | None = None, scale: float = 1.0, count: int = 0) -> dict:
    """The student's softmax beside torch.softmax(·, dim=1), on the judge's rows or `count` secret rows × scale."""
    if rows is None:
        generator = torch.Generator().manual_seed(secret_seed())
        logits = torch.randn(count, 10, generator=generator) * scale
    else:
        logits = torch.tensor(rows, dtype=torch.float32)
    out = reply(student.call(call_softmax, logits=logits), "returned", "input_unchanged")
    return {**out, "expected": torch.softmax(logits, dim=1), "logits": logits}


@student_step
def call_cross_entropy(sub, logits: torch.Tensor, targets: torch.Tensor) -> dict:
    """cross_entropy(logits, targets), and the gradient it gives the logits."""
    logits = logits.clone().requires_grad_(True)
    loss = sub.cross_entropy(logits, targets)
    is_tensor = torch.is_tensor(loss)
    out = {"is_tensor": is_tensor, "shape": list(loss.shape) if is_tensor else None,
           "returned": loss.detach().clone().reshape(()) if is_tensor and loss.numel() == 1 else
           loss.detach().clone() if is_tensor else repr(loss)[:100]}
    if torch.is_tensor(loss) and loss.requires_grad and loss.numel() == 1:
        loss.reshape(()).backward()
        out["grad"] = logits.grad.clone() if logits.grad is not None else None
    return out


def cross_entropy_values(student, rows: list | None = None, targets: list | None = None, count: int = 0,
                         scale: float = 1.0) -> dict:
    """The student's cross_entropy beside nn.CrossEntropyLoss (value and gradient), on the judge's logits or secret
    ones."""
    if rows is None:
        generator = torch.Generator().manual_seed(secret_seed())
        logits = torch.randn(count, 10, generator=generator) * scale
        labels = torch.randint(0, 10, (count,), generator=generator)
    else:
        logits, labels = torch.tensor(rows, dtype=torch.float32), torch.tensor(targets, dtype=torch.long)
    out = reply(student.call(call_cross_entropy, logits=logits, targets=labels), "returned", "is_tensor", "shape")
    reference = logits.clone().requires_grad_(True)
    loss = nn.CrossEntropyLoss()(reference, labels)
    loss.backward()
    return {**out, "expected": loss.detach(), "expected_grad": reference.grad.clone()}


@student_step
def call_accuracy(sub, logits: torch.Tensor, targets: torch.Tensor) -> dict:
    """accuracy(logits, targets) as the student's code returns it."""
    value = sub.accuracy(logits, targets)
    if torch.is_tensor(value) and value.numel() == 1:
        return {"returned": float(value), "type": "tensor"}
    return {"returned": float(value) if isinstance(value, (int, float)) else repr(value)[:100],
            "type": type(value).__name__}


def accuracy_values(student, count: int, correct: int) -> dict:
    """The student's accuracy on `count` secret rows of logits of which exactly `correct` have their largest logit
    at the target (and argmax over the wrong dimension would say something else)."""
    generator = torch.Generator().manual_seed(secret_seed())

    def secret_case():
        logits = torch.randn(count, 10, generator=generator)
        predicted = logits.argmax(dim=1)
        targets = predicted.clone()
        wrong = torch.randperm(count, generator=generator)[:count - correct]
        targets[wrong] = (predicted[wrong] + torch.randint(1, 10, (len(wrong),), generator=generator)) % 10
        return logits, targets

    logits, targets = drawn_apart(secret_case, lambda case: torch.tensor(correct / count),
                                  lambda case: accuracy_mistakes(*case))
    out, error = student.attempt(call_accuracy, logits=logits, targets=targets)
    if error is not None:
        return {"error": f"{error.get('type', 'Error')}: {str(error.get('message', ''))[:300]}",
                "expected": correct / count}
    return {**reply(out, "returned", "type"), "expected": correct / count}


def accuracy_mistakes(logits: torch.Tensor, targets: torch.Tensor) -> list:
    """What accuracy gives with argmax over the batch (dimension 0), where that is even comparable with the targets
    (as many rows as classes): on some draws (about 1 in 10 000 with 10 rows) it counts exactly the right fraction."""
    if logits.shape[0] != logits.shape[1]:
        return []
    return [(logits.argmax(dim=0) == targets).float().mean()]


# ---- exercise 4: the classifier ----------------------------------------------------------------------------

def make_model(sub, settings: dict | None) -> nn.Module:
    """MNISTClassifier(**MODEL_CONFIG), or with the judge's settings."""
    if settings is None:
        return sub.MNISTClassifier(**sub.MODEL_CONFIG)
    return sub.MNISTClassifier(hidden_sizes=tuple(settings["hidden_sizes"]), dropout=settings["dropout"])


@student_step
def own_weights(sub, settings: dict | None) -> dict:
    """Build the model; its state_dict (the names and shapes the worker fills with secret values)."""
    return model_state(make_model(sub, settings))


@student_step
def run_with_weights(sub, settings: dict | None, weights: dict, inputs: torch.Tensor) -> dict:
    """Build the model, load the worker's weights; run it in eval mode (recorded, then again), then twice in train
    mode (recorded)."""
    model = make_model(sub, settings)
    model.load_state_dict(weights)
    model.eval()
    with torch.no_grad():
        evaluated = traced_call(model, inputs)
        again = model(inputs).detach().clone()
        model.train()
        first, second = traced_call(model, inputs), traced_call(model, inputs)
    return {"eval": evaluated, "eval_again": again, "train_a": first, "train_b": second}


def describe(settings: dict | None) -> str:
    if settings is None:
        return "MNISTClassifier(**MODEL_CONFIG)"
    return f"MNISTClassifier(hidden_sizes={tuple(settings['hidden_sizes'])}, dropout={settings['dropout']})"


def model_report(student, settings: dict | None = None) -> dict:
    """The student's MNISTClassifier on secret weights and inputs, judged on its trusted rebuild: the layers it runs
    (train mode, checked layer by layer), its eval output, the rebuild's output at twice the input, two train-mode
    outputs (each a genuine forward pass with its own dropout masks)."""
    weights = secret_weights(claimed_state(student.call(own_weights, settings=settings)))
    inputs = secret_inputs()
    out = reply(student.call(run_with_weights, settings=settings, weights=weights, inputs=inputs),
                "eval", "eval_again", "train_a", "train_b")
    source = "the weights the grader gave your model"
    try:
        rebuilt = rebuild(out["eval"], weights, inputs, source)
        trained = check_training_pass(out["train_a"], weights, inputs, source)
        check_training_pass(out["train_b"], weights, inputs, source)
        again = float_tensor(out["eval_again"], "your model's second output in eval mode")
    except Unrebuildable as problem:
        return {"rebuild_error": not_checkable(describe(settings), problem)}
    with torch.no_grad():
        eval_out, eval_double = rebuilt.model(inputs), rebuilt.model(2 * inputs)
    return {"layers": trained, "output_shape": list(eval_out.shape), "eval_out": out["eval"]["output"],
            "eval_again": again, "eval_double": eval_double, "train_a": out["train_a"]["output"],
            "train_b": out["train_b"]["output"]}


# ---- exercise 5: evaluate ------------------------------------------------------------------------------

class LookupModel(nn.Module):
    """A 'model' that predicts given classes: image i (its index written in pixel 0) gets prediction[i]. With
    gradients recorded it predicts the next class instead, and in train mode a dropout scrambles its scores, as a
    real model's would: evaluate gives the right count only in eval mode under no_grad, so the verdict rests on the
    value it returns. It also records how it was called (for the message, never the verdict)."""

    def __init__(self, predictions: list[int]) -> None:
        super().__init__()
        self.register_buffer("table", torch.eye(10)[torch.tensor(predictions, dtype=torch.long)] * 5.0)
        self.dropout = nn.Dropout(0.5)
        self.calls = []

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self.calls.append({"training": self.training, "grad": torch.is_grad_enabled()})
        scores = self.table[x[:, 0, 0, 0].round().long()]
        if torch.is_grad_enabled():
            scores = scores.roll(1, dims=1)
        return self.dropout(scores + torch.rand_like(scores) * 4.0) if self.training else scores


def number(value):
    """A returned accuracy as a float, or what it was instead."""
    if isinstance(value, (int, float)) or (torch.is_tensor(value) and value.numel() == 1):
        return float(value)
    return repr(value)[:100]


@student_step
def call_evaluate(sub, predictions: list, labels: list, batch_size: int) -> dict:
    """evaluate twice on a lookup model whose predictions and labels the worker drew; how the model was called."""
    images = torch.zeros(len(labels), 1, 28, 28)
    images[:, 0, 0, 0] = torch.arange(len(labels), dtype=torch.float32)
    dataset = torch.utils.data.TensorDataset(images, torch.tensor(labels, dtype=torch.long))
    loader = torch.utils.data.DataLoader(dataset, batch_size=batch_size)
    model = LookupModel(predictions)
    model.train()  # as a model is right after training
    first = sub.evaluate(model, loader)
    model.train()
    second = sub.evaluate(model, loader)
    return {"first": number(first), "second": number(second), "calls": model.calls[:200]}


def evaluate_report(student, count: int, batch_size: int) -> dict:
    """evaluate on a lookup model over `count` secret samples (the last batch predicted right far less often than
    the rest), twice; beside it, counted here: the accuracy over every sample, the last batch's alone, the mean of
    the per-batch accuracies, and what a model run with gradients recorded would score."""
    generator = torch.Generator().manual_seed(secret_seed())
    predictions = torch.randint(0, 10, (count,), generator=generator)
    last = count - (count - 1) % batch_size - 1  # where the last batch starts
    right = torch.rand(count, generator=generator) < torch.where(torch.arange(count) < last, 0.8, 0.25)
    labels = torch.where(right, predictions, (predictions + torch.randint(2, 10, (count,), generator=generator)) % 10)
    hits = (predictions == labels).float()
    batches = [hits[i:i + batch_size].mean() for i in range(0, count, batch_size)]
    out = reply(student.call(call_evaluate, predictions=predictions.tolist(), labels=labels.tolist(),
                             batch_size=batch_size), "first", "second", "calls")
    # how the model was called only words the message: a record of another shape is read as no record
    out["calls"] = [call for call in out["calls"] if isinstance(call, dict)] if isinstance(out["calls"], list) else []
    return {**out, "expected": float(hits.mean()), "last_batch": float(hits[last:].mean()),
            "batch_mean": float(torch.stack(batches).mean()),
            "with_gradients": float(((predictions + 1) % 10 == labels).float().mean())}


# ---- exercise 6: train_model and the learner's checkpoint --------------------------------------------------

@student_step
def call_train_model(sub, config: dict, inputs: torch.Tensor) -> dict:
    """train_model(config); what it returned; then the file it saved loaded into MNISTClassifier(**MODEL_CONFIG)
    and run on the worker's inputs, its layers recorded."""
    history = sub.train_model(dict(config))
    out = {"type": type(history).__name__}
    if isinstance(history, dict):
        out["keys"] = sorted(str(k) for k in history)
        for key in ("loss", "accuracy"):
            values = history.get(key)
            out[key] = [float(v) if isinstance(v, (int, float)) or (torch.is_tensor(v) and v.numel() == 1)
                        else repr(v)[:40] for v in values][:100] if isinstance(values, (list, tuple)) else repr(values)[:80]
    path = Path(config["save_path"])
    if path.is_file():
        out.update(traced_checkpoint(sub.MNISTClassifier(**sub.MODEL_CONFIG), path, inputs))
    return out


@reference_run
def course_curve(config: dict) -> dict:
    """The course's own training run on the same offline split (the grader's code alone, the same for every
    submission): its loss and validation accuracy per epoch, for the picture beside the student's. Empty where the
    grader has no copy of MNIST of its own (a student's bundle finds the one beside the notebook only)."""
    try:
        images, labels = mnist_test_set()
    except StudentBroken:
        return {"loss": [], "accuracy": []}
    order = torch.utils.data.random_split(range(10_000), list(SPLIT), generator=torch.Generator().manual_seed(0))
    train_index = list(order[0].indices)[:config["train_subset"]]
    val_index = list(order[1].indices)
    torch.manual_seed(config["seed"])
    layers, previous = [nn.Flatten()], 784
    for size in (256, 128):
        layers += [nn.Linear(previous, size), nn.BatchNorm1d(size), nn.ReLU(), nn.Dropout(0.2)]
        previous = size
    model = nn.Sequential(*layers, nn.Linear(previous, 10))
    adam = torch.optim.Adam(model.parameters(), lr=float(config["lr"]))
    loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(images[train_index], labels[train_index]),
                                         batch_size=config["batch_size"], shuffle=True)
    losses, accuracies = [], []
    for _epoch in range(int(config["epochs"])):
        model.train()
        total, batches = 0.0, 0
        for x, y in loader:
            adam.zero_grad()
            loss = nn.functional.cross_entropy(model(x), y)
            loss.backward()
            adam.step()
            total, batches = total + loss.item(), batches + 1
        losses.append(total / batches)
        accuracies.append(trusted_eval(model, images[val_index], labels[val_index])[0])
    return {"loss": losses, "accuracy": accuracies}


def train_report(student, config: dict) -> dict:
    """train_model(config) on a real data folder: its history, and the file it saved, read here (weights only),
    rebuilt and evaluated here on the 2 000 validation images of the offline split."""
    name = Path(config["save_path"]).name
    config = {**config, "data_root": data_folder(student), "save_path": str(student.workdir / name)}
    inputs = secret_inputs()
    out = reply(student.call(call_train_model, config=config, inputs=inputs), "type")
    if out["type"] == "dict":
        reply(out, "keys", "loss", "accuracy")
    report = {k: v for k, v in out.items() if k not in ("trace",)}
    data = student.file(name) if (student.workdir / name).is_file() else None
    report["saved"] = data is not None
    if data is None:
        return report
    rebuilt, problem = judged_checkpoint(out, data, inputs, name)
    if rebuilt is None:
        return {**report, **problem}
    images, labels = mnist_test_set(student)
    index = validation_indices()
    report["trusted_accuracy"], _ = trusted_eval(rebuilt.model, images[index], labels[index])
    return report


@student_step
def checkpoint_trace(sub, name: str, inputs: torch.Tensor) -> dict:
    """MNISTClassifier(**MODEL_CONFIG) with the learner's checkpoint loaded (weights only), run on the worker's
    inputs with its layers recorded."""
    model = sub.MNISTClassifier(**sub.MODEL_CONFIG)  # first: the architecture must exist in code
    out = {"config": repr(sub.MODEL_CONFIG)[:200]}
    path = Path(sub.folder) / name
    return {**out, **traced_checkpoint(model, path, inputs)} if path.is_file() else out


def checkpoint_report(student, name: str) -> dict:
    """The learner's mnist_model.pt, read here, evaluated on the 10 000 real test images by the trusted rebuild of
    MNISTClassifier(**MODEL_CONFIG) (checked first against the learner's model on secret inputs)."""
    inputs = secret_inputs()
    out = reply(student.call(checkpoint_trace, name=name, inputs=inputs), "config")
    report = {"path": str(student.folder / name), "config": str(out["config"])[:200]}
    data = student.artifact(name)
    if data is None:
        return {**report, "exists": False}
    report["exists"] = True
    rebuilt, problem = judged_checkpoint(out, data, inputs, name)
    if rebuilt is None:
        return {**report, **problem}
    accuracy, per_class = trusted_eval(rebuilt.model, *mnist_test_set(student))
    return {**report, "accuracy": accuracy, "per_class": [c if not math.isnan(c) else 0.0 for c in per_class]}
