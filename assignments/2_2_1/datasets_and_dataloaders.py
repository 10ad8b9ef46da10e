"""2.2.1 · Datasets and DataLoaders: starter module for lesson 2_2_1 (datasets-and-dataloaders).

Fill in the stubs (each raises NotImplementedError), then check your work with
`pytest graders/2_2_1`. The release notebook 2-2-1-datasets-and-dataloaders.ipynb holds the same
exercises with the lesson's instructions; work in either file.
Generated from solutions/2_2_1/datasets_and_dataloaders.py by `gradekit build`; do not edit by hand.
"""


# %%
# [graded] 2_2_1 given code — the grader runs the code in this cell
import csv
from pathlib import Path

import torch
from torch.utils.data import DataLoader, Dataset, random_split
from torchvision import datasets, transforms


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


def get_mnist_datasets(root: str, transform, offline_split: bool = False):
    """Return (train_set, test_set) of MNIST with `transform` applied to every image.

    With `offline_split=True` nothing is downloaded: both are cut (8 000 / 2 000) from the MNIST *test* set.
    """
    if offline_split:
        everything = MNISTTestSet(root, train=False, download=True, transform=transform)
        return tuple(random_split(everything, [8000, 2000], generator=torch.Generator().manual_seed(0)))
    train_set = LocalMNIST(root, train=True, download=True, transform=transform)
    test_set = LocalMNIST(root, train=False, download=True, transform=transform)
    return train_set, test_set


# %%
# [graded] 2_2_1.ex1 — the grader runs the code in this cell
class SquaresDataset(Dataset):
    """The numbers 0 … n-1 as samples: item i is (tensor([i]), tensor([i²])), float32."""

    def __init__(self, n: int) -> None:
        super().__init__()
        # TODO 2_2_1.ex1: remember n
        raise NotImplementedError("Exercise 1 (a Dataset from scratch), 2_2_1.ex1: not implemented yet")

    def __len__(self) -> int:
        # TODO 2_2_1.ex1: the number of samples
        raise NotImplementedError("Exercise 1 (a Dataset from scratch), 2_2_1.ex1: not implemented yet")

    def __getitem__(self, i: int) -> tuple[torch.Tensor, torch.Tensor]:
        # TODO 2_2_1.ex1: x = torch.tensor([float(i)]); return the tuple (x, x ** 2)
        raise NotImplementedError("Exercise 1 (a Dataset from scratch), 2_2_1.ex1: not implemented yet")


# %%
# [graded] 2_2_1 given code — the grader runs the code in this cell
IRIS_CSV = """\
sepal_length,sepal_width,petal_length,petal_width,label
5.1,3.5,1.4,0.2,0
4.9,3.0,1.4,0.2,0
4.7,3.2,1.3,0.2,0
4.6,3.1,1.5,0.2,0
5.0,3.6,1.4,0.2,0
5.4,3.9,1.7,0.4,0
4.6,3.4,1.4,0.3,0
5.0,3.4,1.5,0.2,0
4.4,2.9,1.4,0.2,0
4.9,3.1,1.5,0.1,0
5.4,3.7,1.5,0.2,0
4.8,3.4,1.6,0.2,0
4.8,3.0,1.4,0.1,0
4.3,3.0,1.1,0.1,0
5.8,4.0,1.2,0.2,0
5.7,4.4,1.5,0.4,0
5.4,3.9,1.3,0.4,0
5.1,3.5,1.4,0.3,0
5.7,3.8,1.7,0.3,0
5.1,3.8,1.5,0.3,0
5.4,3.4,1.7,0.2,0
5.1,3.7,1.5,0.4,0
4.6,3.6,1.0,0.2,0
5.1,3.3,1.7,0.5,0
4.8,3.4,1.9,0.2,0
5.0,3.0,1.6,0.2,0
5.0,3.4,1.6,0.4,0
5.2,3.5,1.5,0.2,0
5.2,3.4,1.4,0.2,0
4.7,3.2,1.6,0.2,0
4.8,3.1,1.6,0.2,0
5.4,3.4,1.5,0.4,0
5.2,4.1,1.5,0.1,0
5.5,4.2,1.4,0.2,0
4.9,3.1,1.5,0.1,0
5.0,3.2,1.2,0.2,0
5.5,3.5,1.3,0.2,0
4.9,3.1,1.5,0.1,0
4.4,3.0,1.3,0.2,0
5.1,3.4,1.5,0.2,0
5.0,3.5,1.3,0.3,0
4.5,2.3,1.3,0.3,0
4.4,3.2,1.3,0.2,0
5.0,3.5,1.6,0.6,0
5.1,3.8,1.9,0.4,0
4.8,3.0,1.4,0.3,0
5.1,3.8,1.6,0.2,0
4.6,3.2,1.4,0.2,0
5.3,3.7,1.5,0.2,0
5.0,3.3,1.4,0.2,0
7.0,3.2,4.7,1.4,1
6.4,3.2,4.5,1.5,1
6.9,3.1,4.9,1.5,1
5.5,2.3,4.0,1.3,1
6.5,2.8,4.6,1.5,1
5.7,2.8,4.5,1.3,1
6.3,3.3,4.7,1.6,1
4.9,2.4,3.3,1.0,1
6.6,2.9,4.6,1.3,1
5.2,2.7,3.9,1.4,1
5.0,2.0,3.5,1.0,1
5.9,3.0,4.2,1.5,1
6.0,2.2,4.0,1.0,1
6.1,2.9,4.7,1.4,1
5.6,2.9,3.6,1.3,1
6.7,3.1,4.4,1.4,1
5.6,3.0,4.5,1.5,1
5.8,2.7,4.1,1.0,1
6.2,2.2,4.5,1.5,1
5.6,2.5,3.9,1.1,1
5.9,3.2,4.8,1.8,1
6.1,2.8,4.0,1.3,1
6.3,2.5,4.9,1.5,1
6.1,2.8,4.7,1.2,1
6.4,2.9,4.3,1.3,1
6.6,3.0,4.4,1.4,1
6.8,2.8,4.8,1.4,1
6.7,3.0,5.0,1.7,1
6.0,2.9,4.5,1.5,1
5.7,2.6,3.5,1.0,1
5.5,2.4,3.8,1.1,1
5.5,2.4,3.7,1.0,1
5.8,2.7,3.9,1.2,1
6.0,2.7,5.1,1.6,1
5.4,3.0,4.5,1.5,1
6.0,3.4,4.5,1.6,1
6.7,3.1,4.7,1.5,1
6.3,2.3,4.4,1.3,1
5.6,3.0,4.1,1.3,1
5.5,2.5,4.0,1.3,1
5.5,2.6,4.4,1.2,1
6.1,3.0,4.6,1.4,1
5.8,2.6,4.0,1.2,1
5.0,2.3,3.3,1.0,1
5.6,2.7,4.2,1.3,1
5.7,3.0,4.2,1.2,1
5.7,2.9,4.2,1.3,1
6.2,2.9,4.3,1.3,1
5.1,2.5,3.0,1.1,1
5.7,2.8,4.1,1.3,1
6.3,3.3,6.0,2.5,2
5.8,2.7,5.1,1.9,2
7.1,3.0,5.9,2.1,2
6.3,2.9,5.6,1.8,2
6.5,3.0,5.8,2.2,2
7.6,3.0,6.6,2.1,2
4.9,2.5,4.5,1.7,2
7.3,2.9,6.3,1.8,2
6.7,2.5,5.8,1.8,2
7.2,3.6,6.1,2.5,2
6.5,3.2,5.1,2.0,2
6.4,2.7,5.3,1.9,2
6.8,3.0,5.5,2.1,2
5.7,2.5,5.0,2.0,2
5.8,2.8,5.1,2.4,2
6.4,3.2,5.3,2.3,2
6.5,3.0,5.5,1.8,2
7.7,3.8,6.7,2.2,2
7.7,2.6,6.9,2.3,2
6.0,2.2,5.0,1.5,2
6.9,3.2,5.7,2.3,2
5.6,2.8,4.9,2.0,2
7.7,2.8,6.7,2.0,2
6.3,2.7,4.9,1.8,2
6.7,3.3,5.7,2.1,2
7.2,3.2,6.0,1.8,2
6.2,2.8,4.8,1.8,2
6.1,3.0,4.9,1.8,2
6.4,2.8,5.6,2.1,2
7.2,3.0,5.8,1.6,2
7.4,2.8,6.1,1.9,2
7.9,3.8,6.4,2.0,2
6.4,2.8,5.6,2.2,2
6.3,2.8,5.1,1.5,2
6.1,2.6,5.6,1.4,2
7.7,3.0,6.1,2.3,2
6.3,3.4,5.6,2.4,2
6.4,3.1,5.5,1.8,2
6.0,3.0,4.8,1.8,2
6.9,3.1,5.4,2.1,2
6.7,3.1,5.6,2.4,2
6.9,3.1,5.1,2.3,2
5.8,2.7,5.1,1.9,2
6.8,3.2,5.9,2.3,2
6.7,3.3,5.7,2.5,2
6.7,3.0,5.2,2.3,2
6.3,2.5,5.0,1.9,2
6.5,3.0,5.2,2.0,2
6.2,3.4,5.4,2.3,2
5.9,3.0,5.1,1.8,2
"""


def write_iris_csv(path: str = "iris.csv") -> str:
    """Write the lesson's CSV file (Fisher's iris measurements) to `path`; return the path."""
    Path(path).write_text(IRIS_CSV)
    return path


# %%
# [graded] 2_2_1.ex2 — the grader runs the code in this cell
class CsvDataset(Dataset):
    """Samples from a CSV file: a header line, then one sample a line, the label in the last column."""

    def __init__(self, path: str, transform=None) -> None:
        super().__init__()
        # TODO 2_2_1.ex2: read the rows after the header; features float32 [N, F], labels int64 [N]; keep transform
        raise NotImplementedError("Exercise 2 (a Dataset that reads a CSV file), 2_2_1.ex2: not implemented yet")

    def __len__(self) -> int:
        # TODO 2_2_1.ex2: the number of samples
        raise NotImplementedError("Exercise 2 (a Dataset that reads a CSV file), 2_2_1.ex2: not implemented yet")

    def __getitem__(self, i: int) -> tuple[torch.Tensor, torch.Tensor]:
        # TODO 2_2_1.ex2: row i's features (transformed here, one sample at a time) and its label
        raise NotImplementedError("Exercise 2 (a Dataset that reads a CSV file), 2_2_1.ex2: not implemented yet")


# %%
# [graded] 2_2_1.ex3 — the grader runs the code in this cell
def make_loader(dataset: Dataset, batch_size: int, shuffle: bool) -> DataLoader:
    """A DataLoader serving `dataset` in batches of `batch_size`, reshuffled every epoch if `shuffle`."""
    # TODO 2_2_1.ex3: torch.utils.data.DataLoader(dataset, batch_size=..., shuffle=...)
    raise NotImplementedError("Exercise 3 (the kitchen: a DataLoader), 2_2_1.ex3: not implemented yet")


# %%
# [graded] 2_2_1.ex4 — the grader runs the code in this cell
def mnist_transform():
    """MNIST's transform: a PIL image → a float32 tensor [1, 28, 28], normalized with MNIST's mean and std."""
    # TODO 2_2_1.ex4: transforms.Compose([transforms.ToTensor(), transforms.Normalize(...)])
    raise NotImplementedError("Exercise 4 (the transform pipeline for MNIST), 2_2_1.ex4: not implemented yet")


# %%
# [graded] 2_2_1.ex5 — the grader runs the code in this cell
def make_loaders(train_set: Dataset, test_set: Dataset, batch_size: int) -> tuple[DataLoader, DataLoader]:
    """(train_loader, test_loader): the training set reshuffled every epoch, the test set in a fixed order."""
    # TODO 2_2_1.ex5: two loaders; only the training one shuffles
    raise NotImplementedError("Exercise 5 (a training loader and a test loader), 2_2_1.ex5: not implemented yet")
