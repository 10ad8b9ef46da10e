"""2.3.2 · GPU training: starter module for lesson 2_3_2 (gpu-training).

Fill in the stubs (each raises NotImplementedError), then check your work with
`pytest graders/2_3_2`. The release notebook 2-3-2-gpu-training.ipynb holds the same
exercises with the lesson's instructions; work in either file.
Generated from solutions/2_3_2/gpu_training.py by `gradekit build`; do not edit by hand.
"""


# %%
# [graded] 2_3_2 given code — the grader runs the code in this cell
import time
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


def evaluate(model: nn.Module, loader, criterion, device) -> float:
    """Return the mean loss over `loader` in eval mode, without recording gradients, on `device`."""
    model.eval()
    total, batches = 0.0, 0
    with torch.no_grad():
        for inputs, labels in loader:
            inputs, labels = inputs.to(device), labels.to(device)
            total += criterion(model(inputs), labels).item()
            batches += 1
    return total / max(batches, 1)


class MNISTTestSet(datasets.MNIST):
    """torchvision's MNIST, reading only the 10 000 test images: all that an offline machine has."""

    resources = [(name, md5) for name, md5 in datasets.MNIST.resources if name.startswith("t10k")]

    @property
    def raw_folder(self) -> str:
        return str(Path(self.root) / "MNIST" / "raw")


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
        train_set = datasets.MNIST(root, train=True, download=True, transform=transform)
        val_set = datasets.MNIST(root, train=False, download=True, transform=transform)
    train_loader = DataLoader(train_set, batch_size=batch_size, shuffle=True)
    val_loader = DataLoader(val_set, batch_size=batch_size)
    return train_loader, val_loader


# %%
# [graded] 2_3_2.ex1 — the grader runs the code in this cell
def get_device() -> torch.device:
    """The GPU when one is available, else the CPU: the portable device pattern."""
    # TODO 2_3_2.ex1: torch.device("cuda" if ... else "cpu")
    raise NotImplementedError("Exercise 1 (train on the GPU), 2_3_2.ex1: not implemented yet")


def train_one_epoch(model: nn.Module, loader, optimizer, criterion, device) -> float:
    """Train one epoch on `device` (the model is already there); return the epoch's mean loss."""
    # TODO 2_3_2.ex1: inside the loop, move inputs and labels to device; then clear, compute, use
    raise NotImplementedError("Exercise 1 (train on the GPU), 2_3_2.ex1: not implemented yet")


def train(model: nn.Module, loader, optimizer, criterion, device, epochs: int) -> list[float]:
    """Move the model to `device` once, train `epochs` epochs, return the mean loss of each."""
    # TODO 2_3_2.ex1: model.to(device) before the loop, then train_one_epoch each epoch
    raise NotImplementedError("Exercise 1 (train on the GPU), 2_3_2.ex1: not implemented yet")


def time_epoch(model: nn.Module, loader, optimizer, criterion, device) -> float:
    """Seconds one training epoch takes on `device`, waiting for the GPU to finish on CUDA."""
    # TODO 2_3_2.ex1: synchronize on CUDA before starting and before stopping the clock
    raise NotImplementedError("Exercise 1 (train on the GPU), 2_3_2.ex1: not implemented yet")


# %%
# [graded] 2_3_2.ex2 — the grader runs the code in this cell
def save_checkpoint(path, model: nn.Module, optimizer, epoch: int, loss: float) -> None:
    """Save model state, optimizer state, epoch and loss as one dict (the lesson 2.3.1 checkpoint)."""
    # TODO 2_3_2.ex2: one dict with model_state_dict, optimizer_state_dict, epoch and loss
    raise NotImplementedError("Exercise 2 (device-aware checkpoints), 2_3_2.ex2: not implemented yet")


def load_checkpoint(path, model: nn.Module, optimizer, device) -> int:
    """Restore model and optimizer from `path` onto `device`, whatever device saved it; return the next epoch."""
    # TODO 2_3_2.ex2: torch.load(path, map_location=device, ...), load both state_dicts, return epoch + 1
    raise NotImplementedError("Exercise 2 (device-aware checkpoints), 2_3_2.ex2: not implemented yet")


# %%
# [graded] 2_3_2.ex3 — the grader runs the code in this cell
def amp_train_step(model: nn.Module, inputs, labels, optimizer, criterion, scaler, device) -> float:
    """One mixed-precision training step (autocast + GradScaler); return the loss as a float."""
    # TODO 2_3_2.ex3: zero_grad; forward and loss under torch.autocast(device.type); scale, backward; scaler.step; scaler.update
    raise NotImplementedError("Exercise 3 (mixed precision), 2_3_2.ex3: not implemented yet")


# %%
# [graded] 2_3_2.ex4 — the grader runs the code in this cell
def train_portable(model: nn.Module, optimizer, criterion, train_loader, epochs: int, checkpoint_path,
                   device=None) -> list[float]:
    """Train to epoch `epochs` on the detected (or given) device, AMP on CUDA, resuming and checkpointing."""
    # TODO 2_3_2.ex4: detect the device; AMP only on cuda; resume if checkpoint_path exists; save every epoch
    raise NotImplementedError("Exercise 4 (a portable training script), 2_3_2.ex4: not implemented yet")
