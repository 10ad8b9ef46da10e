"""2.3.1 · Saving, loading and checkpoints: starter module for lesson 2_3_1 (saving-and-loading).

Fill in the stubs (each raises NotImplementedError), then check your work with
`pytest graders/2_3_1`. The release notebook 2-3-1-saving-and-loading.ipynb holds the same
exercises with the lesson's instructions; work in either file.
Generated from solutions/2_3_1/saving_and_loading.py by `gradekit build`; do not edit by hand.
"""


# %%
# [graded] 2_3_1 given code — the grader runs the code in this cell
from pathlib import Path

import torch
import torch.nn as nn
from torch.utils.data import DataLoader, random_split
from torchvision import datasets, transforms


class MNISTNet(nn.Module):
    """The MNIST MLP: 784 → 256 → 128 → 10 with ReLU and Dropout(0.2)."""

    def __init__(self) -> None:
        super().__init__()
        self.flatten = nn.Flatten()
        self.fc1 = nn.Linear(784, 256)
        self.fc2 = nn.Linear(256, 128)
        self.fc3 = nn.Linear(128, 10)
        self.relu = nn.ReLU()
        self.dropout = nn.Dropout(0.2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.flatten(x)
        x = self.dropout(self.relu(self.fc1(x)))
        x = self.dropout(self.relu(self.fc2(x)))
        return self.fc3(x)


def train_one_epoch(model: nn.Module, loader, optimizer, criterion) -> float:
    """Train for one epoch and return the epoch's mean loss (mean over batches)."""
    model.train()
    total, batches = 0.0, 0
    for inputs, labels in loader:
        optimizer.zero_grad()  # clear
        loss = criterion(model(inputs), labels)
        loss.backward()  # compute
        optimizer.step()  # use
        total += loss.item()
        batches += 1
    return total / max(batches, 1)


def evaluate(model: nn.Module, loader, criterion) -> float:
    """Return the mean loss over `loader` in eval mode, without recording gradients."""
    model.eval()
    total, batches = 0.0, 0
    with torch.no_grad():
        for inputs, labels in loader:
            total += criterion(model(inputs), labels).item()
            batches += 1
    return total / max(batches, 1)


class LocalMNIST(datasets.MNIST):
    """torchvision's MNIST, also reading a plain folder that holds MNIST's original `*-ubyte.gz` files."""

    @property
    def raw_folder(self) -> str:
        root = Path(self.root)
        holds_the_files = any(root.glob("*-ubyte.gz")) or any(root.glob("*-ubyte"))
        return str(root if holds_the_files else root / "MNIST" / "raw")


class MNISTTestSet(LocalMNIST):
    """LocalMNIST reading only the 10 000 test images: all that an offline machine may have."""

    resources = [(name, md5) for name, md5 in datasets.MNIST.resources if name.startswith("t10k")]


def get_mnist_loaders(root: str, batch_size: int, offline_split: bool = False):
    """Return (train_loader, val_loader) for MNIST through torchvision.

    With `offline_split=True` nothing is downloaded: both loaders are cut (8 000 / 2 000) from the
    MNIST *test* set found under `root`, so the numbers are not the usual MNIST ones.
    """
    transform = transforms.Compose([transforms.ToTensor(), transforms.Normalize((0.1307,), (0.3081,))])
    if offline_split:
        test_set = MNISTTestSet(root, train=False, download=True, transform=transform)
        train_set, val_set = random_split(test_set, [8000, 2000], generator=torch.Generator().manual_seed(0))
    else:
        train_set = LocalMNIST(root, train=True, download=True, transform=transform)
        val_set = LocalMNIST(root, train=False, download=True, transform=transform)
    train_loader = DataLoader(train_set, batch_size=batch_size, shuffle=True)
    val_loader = DataLoader(val_set, batch_size=batch_size)
    return train_loader, val_loader


# %%
# [graded] 2_3_1.ex1 — the grader runs the code in this cell
def save_model(model: nn.Module, path) -> None:
    """Save the model's state_dict (its values, not its architecture) to `path`."""
    # TODO 2_3_1.ex1: save model.state_dict(), not the model
    raise NotImplementedError("Exercise 1 (save and load a model), 2_3_1.ex1: not implemented yet")


def load_model(model: nn.Module, path, device="cpu") -> nn.Module:
    """Load the state_dict at `path` into `model` (a fresh instance) and return it in eval mode on `device`."""
    # TODO 2_3_1.ex1: torch.load with map_location and weights_only=True, then load_state_dict and eval()
    raise NotImplementedError("Exercise 1 (save and load a model), 2_3_1.ex1: not implemented yet")


# %%
# [graded] 2_3_1.ex2 — the grader runs the code in this cell
def save_checkpoint(path, model: nn.Module, optimizer, epoch: int, loss: float) -> None:
    """Save model state, optimizer state, epoch and loss as one dict: everything needed to resume."""
    # TODO 2_3_1.ex2: one dict with model_state_dict, optimizer_state_dict, epoch and loss
    raise NotImplementedError("Exercise 2 (checkpoints in the training loop), 2_3_1.ex2: not implemented yet")


def train_with_checkpoints(
    model: nn.Module,
    optimizer,
    criterion,
    train_loader,
    val_loader,
    epochs: int,
    checkpoint_dir,
    every: int = 5,
    start_epoch: int = 1,
) -> list[dict]:
    """Train epochs `start_epoch`..`epochs`, checkpoint every `every` epochs and keep `best.pt` by val loss."""
    # TODO 2_3_1.ex2: loop over range(start_epoch, epochs + 1); epoch_{E}.pt when E % every == 0; best.pt on improvement
    raise NotImplementedError("Exercise 2 (checkpoints in the training loop), 2_3_1.ex2: not implemented yet")


# %%
# [graded] 2_3_1.ex3 — the grader runs the code in this cell
def resume(path, model: nn.Module, optimizer, device="cpu") -> int:
    """Restore model and optimizer state from the checkpoint at `path`; return the next epoch to run."""
    # TODO 2_3_1.ex3: load both state_dicts and return checkpoint["epoch"] + 1
    raise NotImplementedError("Exercise 3 (resume after a crash), 2_3_1.ex3: not implemented yet")


# %%
# [graded] 2_3_1.ex4 — the grader runs the code in this cell
class EarlyStopping:
    """Stop training once the validation loss has not improved for `patience` epochs."""

    def __init__(self, patience: int, min_delta: float = 0.0) -> None:
        # TODO 2_3_1.ex4: remember patience and min_delta; best_loss starts at infinity, counter at 0
        raise NotImplementedError("Exercise 4 (early stopping with checkpoints), 2_3_1.ex4: not implemented yet")

    def step(self, val_loss: float) -> bool:
        """Record one epoch's validation loss; return True when training should stop."""
        # TODO 2_3_1.ex4: improvement means val_loss < best_loss - min_delta
        raise NotImplementedError("Exercise 4 (early stopping with checkpoints), 2_3_1.ex4: not implemented yet")


def train_with_early_stopping(
    model: nn.Module,
    optimizer,
    criterion,
    train_loader,
    val_loader,
    max_epochs: int,
    patience: int,
    checkpoint_path,
) -> list[dict]:
    """Train with early stopping, checkpoint the best model and restore its weights before returning."""
    # TODO 2_3_1.ex4: save on improvement, break when step() says stop, then load the best weights back
    raise NotImplementedError("Exercise 4 (early stopping with checkpoints), 2_3_1.ex4: not implemented yet")
