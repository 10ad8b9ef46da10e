"""2.3.3 · Fashion-MNIST project: starter module for lesson 2_3_3 (fashion-mnist-project).

Fill in the stubs (each raises NotImplementedError), then check your work with
`pytest graders/2_3_3`. The release notebook 2-3-3-fashion-mnist-project.ipynb holds the same
exercises with the lesson's instructions; work in either file.
Generated from solutions/2_3_3/fashion_mnist_project.py by `gradekit build`; do not edit by hand.
"""


# %%
# [graded] 2_3_3.ex1 — the grader runs the code in this cell
import gzip
import math
import os
import shutil
import tempfile
from collections.abc import Sequence
from pathlib import Path

import torch
import torch.nn as nn
from torch.utils.data import DataLoader, Subset, TensorDataset, random_split
from torchvision import datasets, transforms
from tqdm import tqdm

# torchvision's class names, in label order: "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
# "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"
CLASSES = list(datasets.FashionMNIST.classes)
MEAN, STD = 0.286, 0.353
TRANSFORM = transforms.Compose([transforms.ToTensor(), transforms.Normalize((MEAN,), (STD,))])

LOCAL_COPY = "/usr/share/datasets/fashion-mnist"  # where Debian's dataset-fashion-mnist package puts the files
RAW_FILES = {  # the four original files and their sizes once unpacked, in bytes
    "train-images-idx3-ubyte": 47_040_016,
    "train-labels-idx1-ubyte": 60_008,
    "t10k-images-idx3-ubyte": 7_840_016,
    "t10k-labels-idx1-ubyte": 10_008,
}


def _holds_raw_files(folder) -> bool:
    """True if `folder` directly holds the four original files, packed (.gz) or unpacked."""
    folder = Path(folder)
    return all((folder / name).is_file() or (folder / f"{name}.gz").is_file() for name in RAW_FILES)


def _unpack_into_cache(folder) -> str:
    """Unpack the four files found in `folder` into CACHE/FashionMNIST/raw/ and return CACHE.

    torchvision's FashionMNIST(root) reads ROOT/FashionMNIST/raw/<file>. With the unpacked files there,
    `download=True` finds them and downloads nothing. (Copying the .gz files would not do: torchvision
    checks their MD5 sums, and repackaged archives such as Debian's do not match, so it would try to download.)
    """
    folder = Path(folder)
    problems = []
    for cache in (Path.home() / ".cache" / "fashion-mnist", Path(tempfile.gettempdir()) / "fashion-mnist"):
        raw = cache / "FashionMNIST" / "raw"
        try:
            raw.mkdir(parents=True, exist_ok=True)
            for name, size in RAW_FILES.items():
                target = raw / name
                if target.is_file() and target.stat().st_size == size:
                    continue  # unpacked by an earlier run
                partial = raw / f"{name}.{os.getpid()}.part"
                if (folder / name).is_file():
                    shutil.copyfile(folder / name, partial)
                else:
                    with gzip.open(folder / f"{name}.gz", "rb") as packed, open(partial, "wb") as unpacked:
                        shutil.copyfileobj(packed, unpacked)
                if partial.stat().st_size != size:
                    partial.unlink()
                    raise RuntimeError(f"{folder}: {name} does not look like Fashion-MNIST (wrong size)")
                os.replace(partial, target)  # atomic: a parallel run never sees half a file
            return str(cache)
        except OSError as error:  # not writable: try the next cache folder
            problems.append(f"{cache}: {error}")
    raise OSError("cannot unpack Fashion-MNIST into a cache folder: " + "; ".join(problems))


def find_data_root(root=None) -> str:
    """Return a folder that `datasets.FashionMNIST(folder, download=True)` can use.

    - `root=None`: the local copy in LOCAL_COPY if the machine has one (unpacked into a cache folder),
      otherwise "./data", where torchvision downloads the files.
    - a torchvision data root (it holds FashionMNIST/raw/ with the unpacked files): used as it is.
    - a folder that directly holds the four files (like LOCAL_COPY), or a FashionMNIST/ or raw/ folder:
      its files are unpacked into a cache folder.
    - anything else: used as it is (torchvision downloads into it).
    """
    if root is None:
        return _unpack_into_cache(LOCAL_COPY) if _holds_raw_files(LOCAL_COPY) else "./data"
    root = Path(root).expanduser()
    raw = root / "FashionMNIST" / "raw"
    if all((raw / name).is_file() for name in RAW_FILES):
        return str(root)
    for folder in (root, root / "raw", raw):
        if _holds_raw_files(folder):
            return _unpack_into_cache(folder)
    return str(root)


def get_dataloaders(
    root=None,
    batch_size: int = 64,
    val_size: int = 5000,
    seed: int = 0,
    *,
    train_subset: int | None = None,
    test_subset: int | None = None,
) -> tuple[DataLoader, DataLoader, DataLoader]:
    """Return (train, val, test) DataLoaders of Fashion-MNIST, normalized with mean 0.286 and std 0.353.

    The validation split (`val_size` images) is cut from the 60 000 training images with a seeded
    random_split, so train and val never share an image. Train is shuffled (seeded); val and test are not.
    `train_subset` / `test_subset` keep only the first N images of the train split / test set (None: all).
    """
    root = find_data_root(root)
    full_train = datasets.FashionMNIST(root, train=True, download=True, transform=TRANSFORM)
    test_set = datasets.FashionMNIST(root, train=False, download=True, transform=TRANSFORM)
    if isinstance(val_size, float) and 0 < val_size < 1:  # a fraction of the training images
        val_size = round(val_size * len(full_train))
    val_size = int(val_size)
    split = torch.Generator().manual_seed(seed)
    train_set, val_set = random_split(full_train, [len(full_train) - val_size, val_size], generator=split)
    if train_subset is not None:
        train_set = Subset(train_set, list(range(min(int(train_subset), len(train_set)))))
    if test_subset is not None:
        test_set = Subset(test_set, list(range(min(int(test_subset), len(test_set)))))
    shuffling = torch.Generator().manual_seed(seed)
    train_loader = DataLoader(train_set, batch_size=batch_size, shuffle=True, generator=shuffling)
    val_loader = DataLoader(val_set, batch_size=batch_size, shuffle=False)
    test_loader = DataLoader(test_set, batch_size=batch_size, shuffle=False)
    return train_loader, val_loader, test_loader


def load_into_memory(loader) -> tuple[torch.Tensor, torch.Tensor]:
    """Run the transforms once: return all images [N, 1, 28, 28] and labels [N] of a loader's dataset, in order."""
    dataset = getattr(loader, "dataset", None)
    batches = DataLoader(dataset, batch_size=1000, shuffle=False) if dataset is not None else loader
    images, labels = [], []
    for x, y in batches:
        images.append(x)
        labels.append(torch.as_tensor(y))
    if not images:
        return torch.empty(0, 1, 28, 28), torch.empty(0, dtype=torch.long)
    return torch.cat(images), torch.cat(labels)


def memory_loader(images, labels, batch_size: int = 64, shuffle: bool = False, seed: int = 0) -> DataLoader:
    """A DataLoader over a TensorDataset: same batching and shuffling, served from tensors in memory."""
    generator = torch.Generator().manual_seed(seed) if shuffle else None
    # BatchNorm cannot compute statistics over a batch of one image: drop such a last training batch.
    drop_last = shuffle and len(labels) > 1 and len(labels) % batch_size == 1
    return DataLoader(
        TensorDataset(images, labels), batch_size=batch_size, shuffle=shuffle, generator=generator,
        drop_last=drop_last,
    )


# %%
# [graded] 2_3_3.ex2 — the grader runs the code in this cell
class BaselineMLP(nn.Module):
    """The MNIST network: 784 → 256 → 128 → 10 with ReLU and no regularization. Returns raw logits."""

    def __init__(self) -> None:
        super().__init__()
        self.flatten = nn.Flatten()
        self.fc1 = nn.Linear(28 * 28, 256)
        self.fc2 = nn.Linear(256, 128)
        self.fc3 = nn.Linear(128, 10)
        self.relu = nn.ReLU()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.flatten(x)
        x = self.relu(self.fc1(x))
        x = self.relu(self.fc2(x))
        return self.fc3(x)  # logits: nn.CrossEntropyLoss applies log-softmax itself


def train_one_epoch(model: nn.Module, loader, optimizer, device, scaler=None) -> tuple[float, float]:
    """Train for one epoch; return (mean loss, accuracy) over the training images seen.

    With a `torch.amp.GradScaler` (CUDA only) the forward pass runs under autocast: mixed precision.
    """
    device = torch.device(device)
    criterion = nn.CrossEntropyLoss()
    model.train()
    total_loss, correct, seen = 0.0, 0, 0
    for images, labels in loader:
        images, labels = images.to(device), labels.to(device)
        optimizer.zero_grad()  # clear
        with torch.autocast(device_type=device.type, enabled=scaler is not None):
            outputs = model(images)
            loss = criterion(outputs, labels)
        if scaler is None:
            loss.backward()  # compute
            optimizer.step()  # use
        else:
            scaler.scale(loss).backward()  # scale up so float16 gradients do not underflow
            scaler.step(optimizer)  # unscale, then step
            scaler.update()
        total_loss += loss.item() * len(labels)
        correct += (outputs.argmax(dim=1) == labels).sum().item()
        seen += len(labels)
    if seen == 0:
        return math.nan, math.nan
    return total_loss / seen, correct / seen


def evaluate(model: nn.Module, loader, device) -> tuple[float, float]:
    """Return (mean loss, accuracy) over `loader` in eval mode, without recording gradients."""
    device = torch.device(device)
    criterion = nn.CrossEntropyLoss(reduction="sum")
    model.eval()
    total_loss, correct, seen = 0.0, 0, 0
    with torch.no_grad():
        for images, labels in loader:
            images, labels = images.to(device), labels.to(device)
            outputs = model(images)
            total_loss += criterion(outputs.float(), labels).item()
            correct += (outputs.argmax(dim=1) == labels).sum().item()
            seen += len(labels)
    if seen == 0:
        return math.nan, math.nan
    return total_loss / seen, correct / seen


def fit(model: nn.Module, train_loader, val_loader, optimizer, epochs: int, device, desc: str = "training") -> dict:
    """Train for `epochs` epochs (no early stopping); return the history as four lists, one value per epoch."""
    model.to(device)
    history = {"train_loss": [], "train_acc": [], "val_loss": [], "val_acc": []}
    bar = tqdm(range(1, epochs + 1), desc=desc, unit="epoch")
    for _ in bar:
        train_loss, train_acc = train_one_epoch(model, train_loader, optimizer, device)
        val_loss, val_acc = evaluate(model, val_loader, device)
        for key, value in zip(history, (train_loss, train_acc, val_loss, val_acc)):
            history[key].append(value)
        bar.set_postfix(train_acc=f"{train_acc:.3f}", val_acc=f"{val_acc:.3f}", val_loss=f"{val_loss:.3f}")
    return history


# %%
# [graded] 2_3_3.ex3 — the grader runs the code in this cell
def build_model(hidden_sizes: Sequence[int] = (512, 256), dropout: float = 0.3, batchnorm: bool = True) -> nn.Module:
    """A regularized fully connected network for 28×28 images and 10 classes.

    nn.Flatten(), then for each size in `hidden_sizes`: Linear → BatchNorm1d (only if `batchnorm`) → ReLU →
    Dropout(dropout); then Linear to 10. Returns raw logits (no softmax).
    """
    # TODO 2_3_3.ex3: Flatten, then per hidden layer Linear → BatchNorm1d → ReLU → Dropout, then Linear to 10
    raise NotImplementedError("Exercise 3 (regularized model), 2_3_3.ex3: not implemented yet")


def make_optimizer(model: nn.Module, lr: float = 1e-3, weight_decay: float = 1e-4) -> torch.optim.Optimizer:
    """Adam over all the model's parameters, with L2 regularization through `weight_decay`."""
    # TODO 2_3_3.ex3: torch.optim.Adam with lr and weight_decay
    raise NotImplementedError("Exercise 3 (regularized model), 2_3_3.ex3: not implemented yet")


# %%
# [graded] 2_3_3.ex4 — the grader runs the code in this cell
def per_class_accuracy(model: nn.Module, loader, device) -> dict[str, float]:
    """Return {class name: accuracy} for all 10 classes; a class with no images in `loader` gets nan."""
    device = torch.device(device)
    model.to(device)
    model.eval()
    correct = torch.zeros(len(CLASSES), dtype=torch.long)
    total = torch.zeros(len(CLASSES), dtype=torch.long)
    with torch.no_grad():
        for images, labels in loader:
            predictions = torch.argmax(model(images.to(device)), dim=1).cpu()
            labels = torch.as_tensor(labels).cpu()
            for c in range(len(CLASSES)):
                mask = labels == c
                total[c] += mask.sum()
                correct[c] += (predictions[mask] == c).sum()
    return {
        name: correct[c].item() / total[c].item() if total[c] > 0 else float("nan")
        for c, name in enumerate(CLASSES)
    }


# %%
# [graded] 2_3_3.ex5 — the grader runs the code in this cell
def run_pipeline(config: dict) -> dict:
    """Train the regularized model with early stopping and checkpointing; evaluate the best one on the test set.

    Returns {"test_accuracy": float, "per_class": {class name: float}, "best_epoch": int (1-based),
    "checkpoint": str (path of the saved state_dict)}. See the table above for the config keys.
    """
    # TODO 2_3_3.ex5: device → data → model → optimizer → early stopping + checkpoints → restore → evaluate
    raise NotImplementedError("Exercise 5 (full pipeline), 2_3_3.ex5: not implemented yet")


BEST_CONFIG = dict(hidden_sizes=(512, 256), dropout=0.3, batchnorm=True)  # your best architecture


# %%
# [graded] 2_3_3.ex4 — the grader runs the code in this cell
HARDEST_CLASSES = []  # fill in: your model's three lowest classes, lowest first


# %%
# [graded] 2_3_3.stretch — the grader runs the code in this cell
def confusion_matrix(preds, labels, num_classes: int = 10) -> torch.Tensor:
    """Count (true, predicted) pairs: an int64 [num_classes, num_classes] tensor, rows true, columns predicted."""
    # TODO 2_3_3.stretch: index = labels * num_classes + preds, then torch.bincount and reshape
    raise NotImplementedError("Exercise stretch (confusion matrix), 2_3_3.stretch: not implemented yet")
