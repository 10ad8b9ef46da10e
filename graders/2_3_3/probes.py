"""Probes for lesson 2.3.3 (Fashion-MNIST project): trusted code run in the worker; returns plain data.

The real Fashion-MNIST test set is read here straight from its original IDX files (Debian's
dataset-fashion-mnist, or torchvision's cache when it downloaded them) and normalized exactly as
ToTensor() + Normalize((0.286,), (0.353,)) does, so the accuracy check takes a fraction of a second.
"""

from __future__ import annotations

import gzip
import math
from pathlib import Path

import numpy as np
import torch
import torch.nn as nn

MEAN, STD = 0.286, 0.353
SEARCH = [Path("/usr/share/datasets/fashion-mnist"), Path.home() / ".cache" / "fashion-mnist" / "FashionMNIST" / "raw",
          Path("data") / "FashionMNIST" / "raw"]
LEAVES = (nn.Linear, nn.BatchNorm1d, nn.ReLU, nn.Dropout, nn.Flatten, nn.Softmax, nn.LogSoftmax)


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


def fashion_test_set(root: str | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """The 10 000 real test images, normalized like the lesson's transform, and their labels."""
    folders = ([Path(root), Path(root) / "FashionMNIST" / "raw"] if root else []) + SEARCH
    for folder in folders:
        images, labels = _idx(folder, "t10k-images-idx3-ubyte"), _idx(folder, "t10k-labels-idx1-ubyte")
        if images is not None and labels is not None:
            x = torch.from_numpy(images.copy()).float().div(255).unsqueeze(1)
            return (x - MEAN) / STD, torch.from_numpy(labels.astype(np.int64))
    from torchvision import datasets

    test = datasets.FashionMNIST(str(Path.home() / ".cache" / "fashion-mnist"), train=False, download=True)
    return ((test.data.float().div(255).unsqueeze(1) - MEAN) / STD), test.targets.clone()


def trusted_eval(model: nn.Module, images: torch.Tensor, labels: torch.Tensor) -> tuple[float, list[float]]:
    """Accuracy and per-class accuracy of a model on images, in eval mode without gradients."""
    model.eval()
    with torch.no_grad():
        predictions = torch.cat([model(images[i:i + 2000]).argmax(1) for i in range(0, len(images), 2000)])
    correct = predictions == labels
    per_class = [float(correct[labels == c].float().mean()) if (labels == c).any() else math.nan for c in range(10)]
    return float(correct.float().mean()), per_class


def leaf_layers(model: nn.Module, inputs: torch.Tensor) -> list[dict]:
    """The layers a forward pass runs, in execution order (forward hooks on every leaf module)."""
    seen, hooks = [], []
    for module in model.modules():
        if not list(module.children()):
            hooks.append(module.register_forward_hook(lambda m, i, o: seen.append(m)))
    try:
        model(inputs)
    finally:
        for hook in hooks:
            hook.remove()
    layers = []
    for module in seen:
        info = {"type": type(module).__name__, "bases": [c.__name__ for c in type(module).__mro__ if c in LEAVES]}
        if isinstance(module, nn.Linear):
            info.update(in_features=module.in_features, out_features=module.out_features)
        if isinstance(module, nn.BatchNorm1d):
            info.update(num_features=module.num_features)
        if isinstance(module, nn.Dropout):
            info.update(p=float(module.p))
        layers.append(info)
    return layers


def sample_inputs(count: int = 64, seed: int = 0) -> torch.Tensor:
    """MNIST-shaped normalized noise: enough to run a model and see its layers."""
    return torch.randn(count, 1, 28, 28, generator=torch.Generator().manual_seed(seed))


# ---- exercise 1: data --------------------------------------------------------------------------------

def data_report(sub, batch_size: int, val_size: int, seed: int) -> dict:
    """Call get_dataloaders(None, ...) on the real data and describe what the three loaders serve."""
    train, val, test = sub.get_dataloaders(None, batch_size, val_size, seed)
    first_epoch = [labels for _, labels in zip(range(3), (b[1] for b in train))]
    second_epoch = [labels for _, labels in zip(range(3), (b[1] for b in train))]
    images, labels = next(iter(train))
    stats = torch.cat([x for _, (x, _) in zip(range(20), train)])
    test_labels = torch.cat([y for _, (_, y) in zip(range(4), test)])
    _, trusted_labels = fashion_test_set()
    report = {
        "image_shape": list(images.shape), "image_dtype": str(images.dtype).removeprefix("torch."),
        "label_dtype": str(torch.as_tensor(labels).dtype).removeprefix("torch."),
        "label_min": int(torch.as_tensor(labels).min()), "label_max": int(torch.as_tensor(labels).max()),
        "mean": float(stats.mean()), "std": float(stats.std()),
        "epochs_differ": not all(torch.equal(a, b) for a, b in zip(first_epoch, second_epoch)),
        "test_in_file_order": bool(torch.equal(test_labels, trusted_labels[:len(test_labels)])),
        "sizes": [len(train.dataset), len(val.dataset), len(test.dataset)],
    }
    train_indices = getattr(train.dataset, "indices", None)
    val_indices = getattr(val.dataset, "indices", None)
    if train_indices is not None and val_indices is not None:
        report["overlap"] = len(set(map(int, train_indices)) & set(map(int, val_indices)))
    return report


# ---- exercises 2 and 3: models ------------------------------------------------------------------------

def baseline_layers(sub) -> dict:
    """The provided BaselineMLP's layers and output shape."""
    model = sub.BaselineMLP()
    inputs = sample_inputs()
    return {"layers": leaf_layers(model, inputs), "output": list(model(inputs).shape)}


def model_report(sub, hidden_sizes: list, dropout: float, batchnorm: bool, seed: int) -> dict:
    """build_model(...)'s layers in execution order, its outputs, and how train/eval modes change them."""
    torch.manual_seed(seed)
    model = sub.build_model(hidden_sizes=tuple(hidden_sizes), dropout=dropout, batchnorm=batchnorm)
    inputs = sample_inputs(seed=seed)
    model.train()
    layers = leaf_layers(model, inputs)
    with torch.no_grad():
        train_a, train_b = model(inputs), model(inputs)
        model.eval()
        eval_a, eval_b, eval_double = model(inputs), model(inputs), model(2 * inputs)
    return {"layers": layers, "output_shape": list(eval_a.shape), "eval_out": eval_a, "eval_again": eval_b,
            "train_a": train_a, "train_b": train_b, "eval_double": eval_double,
            "parameters": sum(p.numel() for p in model.parameters())}


def optimizer_report(sub, lr: float, weight_decay: float) -> dict:
    """make_optimizer(model, lr, weight_decay): its class, settings and which parameters it holds."""
    model = nn.Sequential(nn.Flatten(), nn.Linear(784, 8), nn.BatchNorm1d(8), nn.Linear(8, 10))
    optimizer = sub.make_optimizer(model, lr=lr, weight_decay=weight_decay)
    held = {id(p) for group in optimizer.param_groups for p in group["params"]}
    return {"type": type(optimizer).__name__, "lr": [g["lr"] for g in optimizer.param_groups],
            "weight_decay": [g.get("weight_decay") for g in optimizer.param_groups],
            "all_parameters": all(id(p) in held for p in model.parameters())}


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


def per_class_report(sub, predictions: list, labels: list, batch_size: int) -> dict:
    """per_class_accuracy on a lookup model whose predictions and labels the judge chose."""
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

def artifact_report(sub, name: str) -> dict:
    """Load the student's best_model.pt into build_model(**BEST_CONFIG) and evaluate it on the real test set."""
    config = sub.BEST_CONFIG
    model = sub.build_model(**config)  # first: the architecture must exist in code before values can fill it
    path = sub.folder / name
    if not path.is_file():
        return {"exists": False, "path": str(path)}
    report = {"exists": True, "path": str(path), "config": repr(config)[:200]}
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as error:  # noqa: BLE001 - why the safe loader refused is the feedback
        report["load_error"] = f"{type(error).__name__}: {str(error)[:200]}"
        return report
    if isinstance(state, dict) and isinstance(state.get("model_state_dict"), dict):
        state = state["model_state_dict"]
    try:
        model.load_state_dict(state)
    except Exception as error:  # noqa: BLE001
        report["load_error"] = f"{type(error).__name__}: {str(error)[:300]}"
        return report
    images, labels = fashion_test_set()
    accuracy, per_class = trusted_eval(model, images, labels)
    hardest = sub.HARDEST_CLASSES if sub.has("HARDEST_CLASSES") else None
    report.update(accuracy=accuracy, per_class=per_class,
                  hardest=[str(c) for c in hardest] if isinstance(hardest, (list, tuple)) else repr(hardest))
    return report


def pipeline_report(sub, config: dict) -> dict:
    """Run run_pipeline on a small seeded slice; record every state it saved; evaluate what it returned."""
    saves = []
    real_save = torch.save

    def recording_save(obj, f, *args, **kwargs):
        if isinstance(obj, dict):
            saves.append({str(k): v.detach().clone() for k, v in obj.items() if torch.is_tensor(v)})
        elif isinstance(obj, nn.Module):
            saves.append({k: v.detach().clone() for k, v in obj.state_dict().items()})
        return real_save(obj, f, *args, **kwargs)

    torch.save = recording_save
    try:
        result = sub.run_pipeline(dict(config))
    finally:
        torch.save = real_save
    report = {"type": type(result).__name__}
    if not isinstance(result, dict):
        return report
    report["keys"] = sorted(str(k) for k in result)
    report["test_accuracy"] = float(result["test_accuracy"]) if isinstance(result.get("test_accuracy"), (int, float)) \
        else repr(result.get("test_accuracy"))[:80]
    report["best_epoch"] = result.get("best_epoch") if type(result.get("best_epoch")) is int \
        else repr(result.get("best_epoch"))[:80]
    report["checkpoint_type"] = type(result.get("checkpoint")).__name__
    per_class = result.get("per_class")
    report["per_class_keys"] = sorted(str(k) for k in per_class) if isinstance(per_class, dict) else None
    checkpoint = Path(str(result.get("checkpoint")))
    report["checkpoint_exists"] = checkpoint.is_file()
    if not checkpoint.is_file():
        return report
    try:
        state = torch.load(checkpoint, map_location="cpu", weights_only=True)
    except Exception as error:  # noqa: BLE001
        report["load_error"] = f"{type(error).__name__}: {str(error)[:200]}"
        return report
    model = sub.build_model(hidden_sizes=tuple(config["hidden_sizes"]), dropout=config["dropout"],
                            batchnorm=config["batchnorm"])
    model.load_state_dict(state)
    _, val, test = sub.get_dataloaders(config["data_root"], config["batch_size"], config["val_size"], config["seed"],
                                       test_subset=config["test_subset"])
    images, labels = fashion_test_set()
    images, labels = images[:config["test_subset"]], labels[:config["test_subset"]]
    report["trusted_accuracy"], _ = trusted_eval(model, images, labels)
    val_images = torch.cat([x for x, _ in val])
    val_labels = torch.cat([torch.as_tensor(y) for _, y in val])
    criterion = nn.CrossEntropyLoss()

    def val_loss(weights: dict) -> float:
        probe_model = sub.build_model(hidden_sizes=tuple(config["hidden_sizes"]), dropout=config["dropout"],
                                      batchnorm=config["batchnorm"])
        probe_model.load_state_dict(weights)
        probe_model.eval()
        with torch.no_grad():
            return float(criterion(probe_model(val_images), val_labels))

    report["saved_val_losses"] = [val_loss(w) for w in saves if set(w) == set(state)]
    report["checkpoint_val_loss"] = val_loss(state)
    return report


# ---- stretch: confusion matrix -------------------------------------------------------------------------

def confusion_report(sub, predictions: list, labels: list) -> dict:
    """confusion_matrix on predictions and labels the judge chose, given as tensors."""
    matrix = sub.confusion_matrix(torch.tensor(predictions, dtype=torch.long), torch.tensor(labels, dtype=torch.long),
                                  num_classes=10)
    return {"type": type(matrix).__name__, "matrix": matrix if torch.is_tensor(matrix) else None}
