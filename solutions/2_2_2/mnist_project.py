# %% [markdown]
# # 2.2.2 · The MNIST project
#
# Lesson `mnist-project`. You already know every piece of a classifier: a network of `nn.Linear` layers, a loss,
# an optimizer, the training loop's heartbeat. Now they meet real data: 28 × 28 handwritten digits, ten classes.
# Two new instruments come with ten classes. **Softmax** turns a row of raw scores (logits) into probabilities:
# sigmoid to softmax, generalized to many classes. **Cross-entropy** is the wrongness score v2: the loss is
# −log of the probability the model gave the correct class, a confidence penalty that costs a confident wrong
# answer far more than a hesitant one. And beside the loss, which the model optimizes, you track **accuracy**,
# which a human reads: loss vs accuracy — they move together, but they are not the same number.
#
# In this notebook you will:
#
# 1. write `softmax` by hand, stable even for huge logits;
# 2. write `cross_entropy` by hand and see that it is what `nn.CrossEntropyLoss` computes;
# 3. compute `accuracy` from a batch of logits;
# 4. build `MNISTClassifier`: Flatten → Linear → BatchNorm1d → ReLU → Dropout → … → Linear, raw logits out;
# 5. write `evaluate`: accuracy over a whole loader, in eval mode, without recording gradients;
# 6. write `train_model`, train on MNIST, and save `mnist_model.pt`: 97 % on the 10 000 test images.
#
# Check your work with `pytest graders/2_2_2` (add `--exercise 2_2_2.ex1` for one exercise), or with the
# `check(...)` cell after each exercise.

# %% tags=["parameters"]
# Settings: the grader's notebook runs change these; you may too.
DATA_ROOT = "data"  # where torchvision keeps MNIST (downloaded on first use), or a folder with your own copy
OFFLINE_SPLIT = False  # True: no download; train and validate on a split of the MNIST test set (see below)
EPOCHS = 10  # epochs of the final training run
BATCH_SIZE = 128
LR = 1e-3
TRAIN_SUBSET = None  # None: every training image; a number N: only the first N (quick runs)
SAVE_PATH = "mnist_model.pt"  # where the final run saves the trained model's state_dict
SEED = 0

# %% [markdown]
# ## Given code: the MNIST data
#
# The menu and the kitchen from lesson 2.2.1: torchvision's `MNIST` Dataset (each image through `ToTensor()` and
# `Normalize((0.1307,), (0.3081,))`), served in batches by a `DataLoader` that shuffles the training images
# every epoch and never the validation images.
#
# `get_mnist_loaders(root, batch_size, offline_split=False, train_subset=None)` returns `(train_loader,
# val_loader)`:
#
# - **with internet** (`offline_split=False`): the 60 000 training images train, the 10 000 test images
#   validate (torchvision downloads MNIST into `root` the first time);
# - **offline** (`offline_split=True`): only MNIST's two test files are needed (`t10k-images-idx3-ubyte.gz`
#   and `t10k-labels-idx1-ubyte.gz`, in `root` or in `root/MNIST/raw/`). Both loaders are then cut from the
#   10 000 *test* images: 8 000 train, 2 000 validate (a fixed split, seed 0). The numbers are not the usual
#   MNIST ones, and a model trained this way has seen most of the test set: use it to try things, not to claim
#   a test accuracy. The grader's quick runs use this split.
#
# `train_subset=N` keeps only the first N training images, for quick runs.

# %% tags=["graded"]
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


# %% [markdown]
# A first look: one batch, its shapes, and a few digits.

# %%
import matplotlib.pyplot as plt

torch.manual_seed(SEED)
train_loader, val_loader = get_mnist_loaders(DATA_ROOT, BATCH_SIZE, offline_split=OFFLINE_SPLIT,
                                             train_subset=TRAIN_SUBSET)
images, labels = next(iter(train_loader))
print("images:", tuple(images.shape), images.dtype, "labels:", tuple(labels.shape), labels.dtype)
fig, axes = plt.subplots(1, 8, figsize=(10, 1.6))
for ax, image, label in zip(axes, images, labels):
    ax.imshow(image[0], cmap="gray")
    ax.set_title(int(label))
    ax.axis("off")
plt.show()

# %% [markdown]
# ## Exercise 1 · Softmax by hand (2_2_2.ex1)
#
# Write `softmax(logits)`. `logits` has shape `[N, C]`: one row of raw scores per sample. Return a tensor of the
# same shape where each **row** holds probabilities: every entry positive, each row summing to 1,
# `exp(z_i) / Σ_j exp(z_j)` along dimension 1. Use `torch.exp` and sums, not `torch.softmax` or `F.softmax`.
#
# It must be **stable**: `exp(1000)` is `inf` in float32, and `inf / inf` is `nan`. Softmax does not change when
# the same number is subtracted from every entry of a row, so subtract each row's maximum first: the largest
# exponent is then `exp(0) = 1`. The checks compare your softmax with PyTorch's on logits drawn by Hypothesis
# (within 1e-4, relative), and feed it rows like `[1000, 999, 998]`: no `nan`, no `inf`. Return a new tensor: the
# logits you were given must stay as they were.

# %% tags=["graded"]
# [graded] 2_2_2.ex1 — the grader runs the code in this cell
def softmax(logits: torch.Tensor) -> torch.Tensor:
    """Row-wise softmax of logits [N, C]: positive entries, each row summing to 1, stable for large logits."""
    # BEGIN SOLUTION hint: subtract each row's max (keepdim=True), exponentiate, divide by the row's sum
    shifted = logits - logits.max(dim=1, keepdim=True).values
    exps = torch.exp(shifted)
    return exps / exps.sum(dim=1, keepdim=True)
    # END SOLUTION


# %% [markdown]
# Sigmoid to softmax: with two classes and logits `[z, 0]`, softmax's first entry is sigmoid(z).

# %%
z = torch.tensor([[2.0, 0.0], [1000.0, 999.0]])
print(softmax(z))
print("sigmoid(2) =", torch.sigmoid(torch.tensor(2.0)).item())

# %% [markdown]
# ## Exercise 2 · Cross-entropy by hand (2_2_2.ex2)
#
# Write `cross_entropy(logits, targets)`: `logits` `[N, C]`, `targets` `[N]` (class indices, `int64`). For each
# sample the loss is `−log p_correct`, the log of the probability the model gave the correct class; return the
# **mean over the batch**, a 0-dimensional tensor that `backward()` works through. Compute `log p` stably:
# `log softmax(z)_i = z_i − log Σ_j exp(z_j)` (`torch.logsumexp`), never `log(exp(...))` of huge numbers.
#
# The check: on logits and targets drawn by Hypothesis, your value equals `nn.CrossEntropyLoss()(logits,
# targets)` (within 1e-4, relative), and its gradients equal the library's.

# %% tags=["graded"]
# [graded] 2_2_2.ex2 — the grader runs the code in this cell
def cross_entropy(logits: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """Mean over the batch of −log p_correct, computed from raw logits [N, C] and class indices [N]."""
    # BEGIN SOLUTION hint: log-probabilities = logits − logsumexp(logits, dim=1, keepdim=True); pick each row's target
    log_probs = logits - torch.logsumexp(logits, dim=1, keepdim=True)
    return -log_probs.gather(1, targets.long().unsqueeze(1)).mean()
    # END SOLUTION


# %% [markdown]
# The confidence penalty: a confident right answer costs little, a confident wrong one a lot.

# %%
confident_right = cross_entropy(torch.tensor([[5.0, 0.0, 0.0]]), torch.tensor([0]))
confident_wrong = cross_entropy(torch.tensor([[5.0, 0.0, 0.0]]), torch.tensor([1]))
print(f"confident and right: {confident_right:.4f}   confident and wrong: {confident_wrong:.4f}")
print("nn.CrossEntropyLoss agrees:", nn.CrossEntropyLoss()(torch.tensor([[5.0, 0.0, 0.0]]), torch.tensor([1])).item())

# %% [markdown]
# ## Exercise 3 · Accuracy (2_2_2.ex3)
#
# Write `accuracy(logits, targets)`: the fraction of samples whose predicted class (the largest logit of its row:
# `argmax` over **dimension 1**, the classes) equals the target. Return a Python `float` between 0 and 1.
# Over dimension 0 you would pick, for each class, the sample that scores it highest: a different question.

# %% tags=["graded"]
# [graded] 2_2_2.ex3 — the grader runs the code in this cell
def accuracy(logits: torch.Tensor, targets: torch.Tensor) -> float:
    """Fraction of rows whose largest logit is at the target class, as a float in [0, 1]."""
    # BEGIN SOLUTION hint: predictions = logits.argmax(dim=1); compare with targets; mean of the matches
    predictions = logits.argmax(dim=1)
    return (predictions == targets).float().mean().item()
    # END SOLUTION


# %% [markdown]
# ## Exercise 4 · The classifier (2_2_2.ex4)
#
# Write `MNISTClassifier(hidden_sizes=(256, 128), dropout=0.2)`, an `nn.Module` that runs, in this order:
# `nn.Flatten()`, then for each hidden size `h`: `nn.Linear(previous, h)` → `nn.BatchNorm1d(h)` → `nn.ReLU()` →
# `nn.Dropout(dropout)`, then `nn.Linear(last, 10)`. The input is a batch of images `[N, 1, 28, 28]`
# (784 pixels each); the output is **raw logits** `[N, 10]`: no softmax at the end, because
# `nn.CrossEntropyLoss` applies log-softmax itself.
#
# Then set `MODEL_CONFIG`, the keyword arguments your final model is built with: the grader loads your
# `mnist_model.pt` into `MNISTClassifier(**MODEL_CONFIG)` (architecture in code, values in file). The default
# below reaches 97 % on MNIST; you may choose others.
#
# The checks build `MNISTClassifier(**MODEL_CONFIG)` and also other sizes (say `hidden_sizes=(64,)`,
# `dropout=0.1`), run them on weights and inputs of the grader's choosing and rebuild them from the course's
# layers, layer by layer; they accept the course's layers (`nn.Flatten` or `x.view(x.size(0), -1)`,
# `nn.Linear`, `nn.BatchNorm1d`, `nn.ReLU` or `F.relu`, `nn.Dropout`) run one after the other.

# %% tags=["graded"]
# [graded] 2_2_2.ex4 — the grader runs the code in this cell
class MNISTClassifier(nn.Module):
    """Flatten → [Linear → BatchNorm1d → ReLU → Dropout] per hidden size → Linear to 10 raw logits."""

    def __init__(self, hidden_sizes=(256, 128), dropout: float = 0.2) -> None:
        super().__init__()
        # BEGIN SOLUTION hint: build a list of layers in a loop over hidden_sizes, then nn.Sequential(*layers)
        layers, previous = [nn.Flatten()], 28 * 28
        for size in hidden_sizes:
            layers += [nn.Linear(previous, size), nn.BatchNorm1d(size), nn.ReLU(), nn.Dropout(dropout)]
            previous = size
        layers.append(nn.Linear(previous, 10))
        self.net = nn.Sequential(*layers)
        # END SOLUTION

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        # BEGIN SOLUTION
        return self.net(x)
        # END SOLUTION


MODEL_CONFIG = {"hidden_sizes": (256, 128), "dropout": 0.2}

# %% [markdown]
# Shape, dtype, device — check these first:

# %%
model = MNISTClassifier(**MODEL_CONFIG)
print(model)
print("logits:", tuple(model(images).shape))

# %% [markdown]
# ## Exercise 5 · Evaluate (2_2_2.ex5)
#
# Write `evaluate(model, loader)`: the model's accuracy over **every** sample the loader serves, as a float in
# [0, 1] (correct predictions counted over all batches, divided by the number of samples: not the last batch's
# accuracy, not a mean of per-batch accuracies, which weighs a small last batch like a full one).
# Call `model.eval()` first, so Dropout is off and BatchNorm uses its running statistics (in train mode two
# evaluations of the same model differ), and run it under `torch.no_grad()`: no recording needed to measure.

# %% tags=["graded"]
# [graded] 2_2_2.ex5 — the grader runs the code in this cell
def evaluate(model: nn.Module, loader) -> float:
    """Accuracy of `model` over every sample of `loader`, in eval mode without gradients."""
    # BEGIN SOLUTION hint: model.eval(); with torch.no_grad(): count correct predictions and samples over all batches
    model.eval()
    correct, total = 0, 0
    with torch.no_grad():
        for inputs, targets in loader:
            correct += (model(inputs).argmax(dim=1) == targets).sum().item()
            total += len(targets)
    return correct / total
    # END SOLUTION


# %% [markdown]
# ## Exercise 6 · Train it, save it (2_2_2.ex6)
#
# Write `train_model(config)`. `config` is a dict with the keys `data_root`, `offline_split`, `train_subset`,
# `batch_size`, `epochs`, `lr`, `seed` and `save_path`. It must:
#
# 1. call `torch.manual_seed(config["seed"])`, then get the loaders with
#    `get_mnist_loaders(config["data_root"], config["batch_size"], config["offline_split"], config["train_subset"])`;
# 2. build `MNISTClassifier(**MODEL_CONFIG)`, `torch.optim.Adam(model.parameters(), lr=config["lr"])` and
#    `nn.CrossEntropyLoss()` (it takes the raw logits: no softmax before it);
# 3. train for `config["epochs"]` epochs (clear, compute, use) in train mode;
# 4. return the history, `{"loss": [...], "accuracy": [...]}`: one entry per epoch, the epoch's mean training
#    loss (over its batches) and `evaluate(model, val_loader)` after that epoch, both Python floats;
# 5. save the trained model's `state_dict()` to `config["save_path"]` with `torch.save`.
#
# The grader's quick run: `offline_split=True`, `train_subset=2000`, `batch_size=64`, 2 epochs, `lr=1e-3`, and
# a real data folder of its own as `data_root`. It reads the file you saved (weights only), rebuilds your network,
# and measures its accuracy on the 2 000 validation images itself: your last reported accuracy must be that number
# (within 3 percentage points), the loss must fall below 1.0, and the saved model must classify at least 80 % of
# those images (loss going down ≠ training working).
#
# **Your model, on the real test set.** Then run the cell after it: it trains with the settings at the top and
# saves `mnist_model.pt` beside this notebook. The grader loads it with `torch.load(..., weights_only=True)`
# into `MNISTClassifier(**MODEL_CONFIG)`, checks on secret inputs that a copy rebuilt from the course's layers
# computes what your model computes, and evaluates that copy on MNIST's **10 000 real test images**: 97 % for
# full marks, 95 % for partial marks, with your accuracy per digit and the weakest digits in the feedback.
# Train on the real training set (`OFFLINE_SPLIT = False`, 10 epochs reach about 98 %): a model trained on the
# offline split has seen the test images, and its score would say nothing.

# %% tags=["graded"]
# [graded] 2_2_2.ex6 — the grader runs the code in this cell
def train_model(config: dict) -> dict:
    """Train MNISTClassifier(**MODEL_CONFIG) as `config` says; save its state_dict; return the history."""
    # BEGIN SOLUTION hint: loaders, model, Adam, CrossEntropyLoss; per epoch: train, record mean loss and evaluate
    torch.manual_seed(config["seed"])
    train_loader, val_loader = get_mnist_loaders(config["data_root"], config["batch_size"], config["offline_split"],
                                                 config["train_subset"])
    model = MNISTClassifier(**MODEL_CONFIG)
    optimizer = torch.optim.Adam(model.parameters(), lr=config["lr"])
    criterion = nn.CrossEntropyLoss()
    history = {"loss": [], "accuracy": []}
    for _ in range(config["epochs"]):
        model.train()
        total, batches = 0.0, 0
        for inputs, targets in train_loader:
            optimizer.zero_grad()  # clear
            loss = criterion(model(inputs), targets)
            loss.backward()  # compute
            optimizer.step()  # use
            total += loss.item()
            batches += 1
        history["loss"].append(total / batches)
        history["accuracy"].append(evaluate(model, val_loader))
    torch.save(model.state_dict(), config["save_path"])
    return history
    # END SOLUTION


# %%
CONFIG = {"data_root": DATA_ROOT, "offline_split": OFFLINE_SPLIT, "train_subset": TRAIN_SUBSET,
          "batch_size": BATCH_SIZE, "epochs": EPOCHS, "lr": LR, "seed": SEED, "save_path": SAVE_PATH}
history = train_model(CONFIG)
for epoch, (loss, acc) in enumerate(zip(history["loss"], history["accuracy"]), 1):
    print(f"epoch {epoch}: train loss {loss:.4f}, validation accuracy {acc:.2%}")

fig, (left, right) = plt.subplots(1, 2, figsize=(9, 3))
left.plot(range(1, len(history["loss"]) + 1), history["loss"], marker="o")
left.set(title="training loss (what the model optimizes)", xlabel="epoch")
right.plot(range(1, len(history["accuracy"]) + 1), history["accuracy"], marker="o", color="tab:green")
right.set(title="validation accuracy (what you read)", xlabel="epoch")
plt.tight_layout()
plt.show()

# %% [markdown]
# ### Why no softmax before `nn.CrossEntropyLoss`
#
# `nn.CrossEntropyLoss` applies log-softmax itself. Feed it probabilities instead of logits and every input lies
# between 0 and 1: the loss can never fall below `log(1 + 9/e) ≈ 1.46`, and its gradients shrink. The run below
# trains one epoch both ways on the same images: watch the loss stall.

# %%
def one_epoch_loss(squash: bool) -> float:
    """Mean training loss of one epoch, with or without a softmax before the criterion."""
    torch.manual_seed(SEED)
    loader, _ = get_mnist_loaders(DATA_ROOT, 32, OFFLINE_SPLIT, TRAIN_SUBSET)
    net = MNISTClassifier(**MODEL_CONFIG)
    optimizer, criterion = torch.optim.SGD(net.parameters(), lr=0.1), nn.CrossEntropyLoss()
    total, batches = 0.0, 0
    for inputs, targets in loader:
        optimizer.zero_grad()
        logits = net(inputs)
        loss = criterion(softmax(logits) if squash else logits, targets)
        loss.backward()
        optimizer.step()
        total, batches = total + loss.item(), batches + 1
    return total / batches


print(f"raw logits: {one_epoch_loss(False):.3f}   softmax first: {one_epoch_loss(True):.3f}  (floor 1.46)")
