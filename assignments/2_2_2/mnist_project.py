"""2.2.2 · The MNIST project: starter module for lesson 2_2_2 (mnist-project).

Fill in the stubs (each raises NotImplementedError), then check your work with
`pytest graders/2_2_2`. The release notebook 2-2-2-mnist-project.ipynb holds the same
exercises with the lesson's instructions; work in either file.
Generated from solutions/2_2_2/mnist_project.py by `gradekit build`; do not edit by hand.
"""


# %%
# [graded] 2_2_2 given code — the grader runs the code in this cell
from pathlib import Path

import torch
import torch.nn as nn
from torch.utils.data import DataLoader, Subset, random_split
from torchvision import datasets, transforms

MNIST_TRANSFORM = transforms.Compose([transforms.ToTensor(), transforms.Normalize((0.1307,), (0.3081,))])


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


def get_mnist_loaders(root: str, batch_size: int, offline_split: bool = False, train_subset=None):
    """Return (train_loader, val_loader) for MNIST through torchvision.

    With `offline_split=True` nothing is downloaded: both loaders are cut (8 000 / 2 000) from the
    MNIST *test* set found under `root`, so the numbers are not the usual MNIST ones.
    """
    if offline_split:
        test_set = MNISTTestSet(root, train=False, download=True, transform=MNIST_TRANSFORM)
        train_set, val_set = random_split(test_set, [8000, 2000], generator=torch.Generator().manual_seed(0))
    else:
        train_set = LocalMNIST(root, train=True, download=True, transform=MNIST_TRANSFORM)
        val_set = LocalMNIST(root, train=False, download=True, transform=MNIST_TRANSFORM)
    if train_subset is not None:
        train_set = Subset(train_set, range(min(int(train_subset), len(train_set))))
    train_loader = DataLoader(train_set, batch_size=batch_size, shuffle=True)
    val_loader = DataLoader(val_set, batch_size=1000)
    return train_loader, val_loader


# %%
# [graded] 2_2_2.ex1 — the grader runs the code in this cell
def softmax(logits: torch.Tensor) -> torch.Tensor:
    """Row-wise softmax of logits [N, C]: positive entries, each row summing to 1, stable for large logits."""
    # TODO 2_2_2.ex1: subtract each row's max (keepdim=True), exponentiate, divide by the row's sum
    raise NotImplementedError("Exercise 1 (softmax by hand), 2_2_2.ex1: not implemented yet")


# %%
# [graded] 2_2_2.ex2 — the grader runs the code in this cell
def cross_entropy(logits: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """Mean over the batch of −log p_correct, computed from raw logits [N, C] and class indices [N]."""
    # TODO 2_2_2.ex2: log-probabilities = logits − logsumexp(logits, dim=1, keepdim=True); pick each row's target
    raise NotImplementedError("Exercise 2 (cross-entropy by hand), 2_2_2.ex2: not implemented yet")


# %%
# [graded] 2_2_2.ex3 — the grader runs the code in this cell
def accuracy(logits: torch.Tensor, targets: torch.Tensor) -> float:
    """Fraction of rows whose largest logit is at the target class, as a float in [0, 1]."""
    # TODO 2_2_2.ex3: predictions = logits.argmax(dim=1); compare with targets; mean of the matches
    raise NotImplementedError("Exercise 3 (accuracy), 2_2_2.ex3: not implemented yet")


# %%
# [graded] 2_2_2.ex4 — the grader runs the code in this cell
class MNISTClassifier(nn.Module):
    """Flatten → [Linear → BatchNorm1d → ReLU → Dropout] per hidden size → Linear to 10 raw logits."""

    def __init__(self, hidden_sizes=(256, 128), dropout: float = 0.2) -> None:
        super().__init__()
        # TODO 2_2_2.ex4: build a list of layers in a loop over hidden_sizes, then nn.Sequential(*layers)
        raise NotImplementedError("Exercise 4 (the classifier), 2_2_2.ex4: not implemented yet")

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError("Exercise 4 (the classifier), 2_2_2.ex4: not implemented yet")


MODEL_CONFIG = {"hidden_sizes": (256, 128), "dropout": 0.2}


# %%
# [graded] 2_2_2.ex5 — the grader runs the code in this cell
def evaluate(model: nn.Module, loader) -> float:
    """Accuracy of `model` over every sample of `loader`, in eval mode without gradients."""
    # TODO 2_2_2.ex5: model.eval(); with torch.no_grad(): count correct predictions and samples over all batches
    raise NotImplementedError("Exercise 5 (evaluate), 2_2_2.ex5: not implemented yet")


# %%
# [graded] 2_2_2.ex6 — the grader runs the code in this cell
def train_model(config: dict) -> dict:
    """Train MNISTClassifier(**MODEL_CONFIG) as `config` says; save its state_dict; return the history."""
    # TODO 2_2_2.ex6: loaders, model, Adam, CrossEntropyLoss; per epoch: train, record mean loss and evaluate
    raise NotImplementedError("Exercise 6 (train it, save it), 2_2_2.ex6: not implemented yet")
