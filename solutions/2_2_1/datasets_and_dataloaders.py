# %% [markdown]
# # 2.2.1 · Datasets and DataLoaders
#
# Lesson `datasets-and-dataloaders`. Until now every model saw its whole training set at once, as one tensor
# made in a line of code. Real data does not work that way: it sits in files, it is larger than you want in one
# batch, and it has to be read, converted and served in shuffled mini-batches, epoch after epoch. PyTorch splits
# that work between two objects, and this lesson is about keeping them apart:
#
# - a **`Dataset`** says what is there: how many samples (`__len__`) and sample number `i` as an
#   `(input, target)` pair (`__getitem__`), one sample at a time;
# - a **`DataLoader`** does the logistics: it asks the Dataset for samples, stacks them into batches (the
#   batch dimension is prepended: 64 inputs of shape `[1, 28, 28]` become one tensor `[64, 1, 28, 28]`),
#   shuffles the order every epoch and serves the batches to your training loop.
#
# **The Dataset is a menu, the DataLoader is the kitchen.** The menu lists what can be ordered and describes each
# dish; the kitchen decides how many plates go out together and in what order. A Dataset never batches and
# never shuffles; a DataLoader never knows what a sample means. In this notebook you will:
#
# 1. write a Dataset from scratch (`SquaresDataset`) and meet its two-method contract;
# 2. read a real CSV file (Fisher's iris measurements) into a Dataset, with a transform applied per sample;
# 3. wrap any Dataset in a DataLoader and see batching, the last partial batch and shuffling;
# 4. build MNIST's transform pipeline (`ToTensor`, then `Normalize` with MNIST's own statistics);
# 5. build a training loader and a test loader the way every later lesson will: `shuffle=True` is how you get
#    random sampling in practice, and it belongs to the training loader only.
#
# Check your work with `pytest graders/2_2_1` (add `--exercise 2_2_1.ex2` for one exercise).

# %% tags=["parameters"]
# Settings: the grader's notebook runs change these; you may too.
DATA_ROOT = "data"  # where torchvision keeps MNIST (downloaded on first use), or a folder with your own copy
OFFLINE_SPLIT = False  # True: no download; "train" and "test" are cut from the MNIST test set (see below)
CSV_PATH = "iris.csv"  # where the lesson's CSV file is written (beside the notebook)
BATCH_SIZE = 64
SEED = 0

# %% [markdown]
# ## Given code
#
# torchvision's MNIST, as in the MNIST lessons that follow. `get_mnist_datasets(root, transform)` returns the
# training and test sets with your transform applied to every image.
#
# **Offline, or with MNIST already on disk.** Set `DATA_ROOT` to a folder holding MNIST's original files
# (`train-images-idx3-ubyte.gz`, `train-labels-idx1-ubyte.gz`, `t10k-images-idx3-ubyte.gz`,
# `t10k-labels-idx1-ubyte.gz`), directly or in `MNIST/raw/` inside it: nothing is downloaded. With only the two
# `t10k-*` files (all an offline machine may have), also set `OFFLINE_SPLIT = True`: then the "training set" is
# 8 000 images and the "test set" 2 000 images cut at random (seed 0) from MNIST's 10 000 *test* images, so the
# sizes are not MNIST's usual 60 000 / 10 000.

# %% tags=["graded"]
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


# %% [markdown]
# ## Exercise 1 · A Dataset from scratch (2_2_1.ex1)
#
# *Guided.* A Dataset is any object with two methods: `__len__` (how many samples) and `__getitem__(i)`
# (sample `i`, for `0 <= i < len(dataset)`). Write `SquaresDataset(n)`, a subclass of
# `torch.utils.data.Dataset` holding the numbers `0, 1, …, n-1` and their squares:
#
# - `len(SquaresDataset(n))` is `n`: every sample, no more, no fewer;
# - `dataset[i]` returns the **tuple** `(x, y)`: `x = torch.tensor([float(i)])` (float32, shape `[1]`, holding
#   `i`) and `y = x ** 2` (float32, shape `[1]`, holding `i²`).
#
# A tuple, not a list: `(input, target)` is the pair every training loop unpacks, and what the graders read.
# The Dataset computes each sample when it is asked for; it never builds a batch.
#
# <details><summary>Hint</summary>
#
# Store `n` in `__init__` (call `super().__init__()` first); `__len__` returns it; `__getitem__` builds `x` from
# `i` and returns `x, x ** 2`.
# </details>

# %% tags=["graded"]
# [graded] 2_2_1.ex1 — the grader runs the code in this cell
class SquaresDataset(Dataset):
    """The numbers 0 … n-1 as samples: item i is (tensor([i]), tensor([i²])), float32."""

    def __init__(self, n: int) -> None:
        super().__init__()
        # BEGIN SOLUTION hint: remember n
        self.n = n
        # END SOLUTION

    def __len__(self) -> int:
        # BEGIN SOLUTION hint: the number of samples
        return self.n
        # END SOLUTION

    def __getitem__(self, i: int) -> tuple[torch.Tensor, torch.Tensor]:
        # BEGIN SOLUTION hint: x = torch.tensor([float(i)]); return the tuple (x, x ** 2)
        x = torch.tensor([float(i)])
        return x, x ** 2
        # END SOLUTION


# %%
squares = SquaresDataset(5)
print("len:", len(squares))
print("squares[3]:", squares[3])
x, y = squares[4]
print("x:", tuple(x.shape), x.dtype, "| y:", tuple(y.shape), y.dtype)  # shape, dtype, device: check these first

# %% [markdown]
# ## Exercise 2 · A Dataset that reads a CSV file (2_2_1.ex2)
#
# *Supported.* The lesson ships a small, real CSV file: Fisher's iris measurements (1936; the copy of the UCI
# Machine Learning Repository). 150 flowers, four measurements each in centimetres, and the species as a class
# index (0 setosa, 1 versicolor, 2 virginica). It travels inside the lesson, in the given code below
# (`IRIS_CSV`), and `write_iris_csv(CSV_PATH)` writes it beside the notebook: it works in Colab or anywhere
# else without a download (in the starter module, call `write_iris_csv()` yourself). The file starts:
#
# ```
# sepal_length,sepal_width,petal_length,petal_width,label
# 5.1,3.5,1.4,0.2,0
# ...
# ```
#
# Write `CsvDataset(path, transform=None)` for any CSV file of this layout:
#
# - the first line is the header (skip it); every other line is one sample;
# - the **last column is the label**, an integer class index; every other column is a feature;
# - `len(dataset)` is the number of samples (lines after the header);
# - `dataset[i]` returns the tuple `(features, label)`: `features` a float32 tensor of shape `[F]` (F = the
#   number of feature columns: 4 for iris), `label` an int64 tensor of shape `[]` (a scalar: a batch of labels
#   is then `[B]`, what `nn.CrossEntropyLoss` wants);
# - `transform`, when given, is called on the features of the **one sample asked for, inside `__getitem__`**,
#   every time it is asked for, and `dataset[i]` returns `(transform(features), label)`. Never call it in
#   `__init__` on the whole table: the menu describes the dish, the kitchen cooks it to order. A transform
#   may be random (data augmentation): applied once at construction, every epoch would see the same "random"
#   version.
#
# Read the file once, in `__init__` (with the `csv` module, `numpy.loadtxt` or by hand: all fine).
#
# <details><summary>Hint</summary>
#
# `rows = list(csv.reader(open(path)))[1:]`; keep the features as a float32 tensor `[N, F]` and the labels as
# an int64 tensor `[N]`; in `__getitem__`, take row `i`, apply the transform if there is one, and return the pair.
# </details>

# %% tags=["graded"]
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
write_iris_csv(CSV_PATH)

# %% tags=["graded"]
# [graded] 2_2_1.ex2 — the grader runs the code in this cell
class CsvDataset(Dataset):
    """Samples from a CSV file: a header line, then one sample a line, the label in the last column."""

    def __init__(self, path: str, transform=None) -> None:
        super().__init__()
        # BEGIN SOLUTION hint: read the rows after the header; features float32 [N, F], labels int64 [N]; keep transform
        with open(path, newline="") as handle:
            rows = [row for row in csv.reader(handle)][1:]
        rows = [row for row in rows if row]
        self.features = torch.tensor([[float(value) for value in row[:-1]] for row in rows], dtype=torch.float32)
        self.labels = torch.tensor([int(row[-1]) for row in rows], dtype=torch.int64)
        self.transform = transform
        # END SOLUTION

    def __len__(self) -> int:
        # BEGIN SOLUTION hint: the number of samples
        return len(self.labels)
        # END SOLUTION

    def __getitem__(self, i: int) -> tuple[torch.Tensor, torch.Tensor]:
        # BEGIN SOLUTION hint: row i's features (transformed here, one sample at a time) and its label
        features = self.features[i]
        if self.transform is not None:
            features = self.transform(features)
        return features, self.labels[i]
        # END SOLUTION


# %%
iris = CsvDataset(CSV_PATH)
print("iris:", len(iris), "flowers; iris[0] =", iris[0])
centred = CsvDataset(CSV_PATH, transform=lambda features: features - 3.0)
print("with a transform:", centred[0])

# %% [markdown]
# ## Exercise 3 · The kitchen: a DataLoader (2_2_1.ex3)
#
# *Supported.* Write `make_loader(dataset, batch_size, shuffle)`, which returns a DataLoader over `dataset`
# serving batches of `batch_size` samples:
#
# - each batch is a pair `(inputs, targets)` with the **batch dimension prepended**: samples `(x, y)` with `x`
#   of shape `[1]` come out as `inputs` of shape `[batch_size, 1]`;
# - the last batch holds what is left (10 samples in batches of 4: 4, 4, 2): no sample is dropped;
# - `shuffle=True`: every epoch (every `for` loop over the loader) serves all samples in a **new** random
#   order; `shuffle=False`: always the order `0, 1, 2, …`.
#
# The DataLoader does all of this for you; your job is to hand it the right settings. A loader that takes a
# `generator=` argument, or any other DataLoader built to this contract, is just as fine.

# %% tags=["graded"]
# [graded] 2_2_1.ex3 — the grader runs the code in this cell
def make_loader(dataset: Dataset, batch_size: int, shuffle: bool) -> DataLoader:
    """A DataLoader serving `dataset` in batches of `batch_size`, reshuffled every epoch if `shuffle`."""
    # BEGIN SOLUTION hint: torch.utils.data.DataLoader(dataset, batch_size=..., shuffle=...)
    return DataLoader(dataset, batch_size=batch_size, shuffle=shuffle)
    # END SOLUTION


# %%
torch.manual_seed(SEED)
for inputs, targets in make_loader(SquaresDataset(10), batch_size=4, shuffle=False):
    print("inputs", tuple(inputs.shape), "targets", tuple(targets.shape), "x =", inputs.squeeze(1).tolist())
for epoch in range(2):
    order = [int(v) for inputs, _ in make_loader(SquaresDataset(10), 4, shuffle=True) for v in inputs.squeeze(1)]
    print(f"epoch {epoch}, shuffled:", order)

# %% [markdown]
# ## Exercise 4 · The transform pipeline for MNIST (2_2_1.ex4)
#
# *Supported.* MNIST's images come as PIL images of 28 × 28 pixels, each an integer from 0 (black) to 255
# (white). A network wants float tensors with values near zero. Write `mnist_transform()`, which returns the
# transform `torchvision.transforms.Compose([ToTensor(), Normalize((0.1307,), (0.3081,))])`:
#
# - `ToTensor()` turns one PIL image into a float32 tensor of shape `[1, 28, 28]` (channels first) and scales the
#   pixels from 0–255 to 0–1;
# - `Normalize((0.1307,), (0.3081,))` subtracts MNIST's mean pixel value (0.1307) and divides by its standard
#   deviation (0.3081), both measured on MNIST's training images (in the 0–1 scale). After it, MNIST's pixels
#   have mean about 0 and standard deviation about 1.
#
# The constants belong to the dataset: Fashion-MNIST's are (0.2860, 0.3530) and ImageNet's (0.485, 0.229) for its
# first channel; with them MNIST is no longer centred. The graders apply your transform to real MNIST test
# images, one PIL image at a time as torchvision's MNIST does, and compare every pixel with the pipeline above
# (within 1e-5) and the statistics of the result with the pipeline's. Any transform giving the same tensors is
# fine (`transforms.Lambda`, torchvision's `transforms.v2`, …).

# %% tags=["graded"]
# [graded] 2_2_1.ex4 — the grader runs the code in this cell
def mnist_transform():
    """MNIST's transform: a PIL image → a float32 tensor [1, 28, 28], normalized with MNIST's mean and std."""
    # BEGIN SOLUTION hint: transforms.Compose([transforms.ToTensor(), transforms.Normalize(...)])
    return transforms.Compose([transforms.ToTensor(), transforms.Normalize((0.1307,), (0.3081,))])
    # END SOLUTION


# %% [markdown]
# ## Exercise 5 · A training loader and a test loader (2_2_1.ex5)
#
# *Independent.* Write `make_loaders(train_set, test_set, batch_size)`, which returns the pair
# `(train_loader, test_loader)`, both serving batches of `batch_size` (the last one partial):
#
# - `train_loader` serves `train_set` **shuffled, in a new order every epoch**: `shuffle=True` is how you get
#   random sampling in practice, and stochastic gradient descent needs it;
# - `test_loader` serves `test_set` **in its own order, the same every time** (`shuffle=False`): evaluation
#   gains nothing from shuffling, and a fixed order makes two evaluations comparable sample by sample.
#
# You may use your `make_loader` from exercise 3.

# %% tags=["graded"]
# [graded] 2_2_1.ex5 — the grader runs the code in this cell
def make_loaders(train_set: Dataset, test_set: Dataset, batch_size: int) -> tuple[DataLoader, DataLoader]:
    """(train_loader, test_loader): the training set reshuffled every epoch, the test set in a fixed order."""
    # BEGIN SOLUTION hint: two loaders; only the training one shuffles
    train_loader = DataLoader(train_set, batch_size=batch_size, shuffle=True)
    test_loader = DataLoader(test_set, batch_size=batch_size, shuffle=False)
    return train_loader, test_loader
    # END SOLUTION


# %% [markdown]
# Everything together on real data: MNIST with your transform, served by your loaders.

# %%
torch.manual_seed(SEED)
train_set, test_set = get_mnist_datasets(DATA_ROOT, mnist_transform(), offline_split=OFFLINE_SPLIT)
train_loader, test_loader = make_loaders(train_set, test_set, BATCH_SIZE)
print("samples:", len(train_set), "for training,", len(test_set), "for testing")
images, labels = next(iter(train_loader))
print("one batch:", tuple(images.shape), images.dtype, "| labels:", tuple(labels.shape), labels.dtype)
print(f"pixels after Normalize: mean {images.mean().item():.3f}, std {images.std().item():.3f}")
first = [next(iter(test_loader))[1][:8].tolist() for _ in range(2)]
print("test loader, first labels twice:", first[0], first[1])
