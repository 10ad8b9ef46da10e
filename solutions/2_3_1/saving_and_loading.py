# %% [markdown]
# # 2.3.1 · Saving, loading and checkpoints
#
# Lesson `saving-and-loading`. Training takes minutes to hours; a crash, a closed laptop or a Colab time-out
# should not cost you the run. In this notebook you will:
#
# 1. save a trained MNIST model's `state_dict` and load it back into a fresh instance;
# 2. add checkpoints to the training loop: every few epochs, plus the best model by validation loss;
# 3. simulate a crash and resume training so the loss curve continues smoothly;
# 4. implement early stopping with checkpoints: patience, save the best, restore the best.
#
# Two mental models carry the lesson: **"a state_dict is a snapshot of all the knobs"** and
# **"architecture in code, values in file"**.
#
# Check your work with `pytest graders/2_3_1` (add `--exercise 2_3_1.ex2` for one exercise).

# %% tags=["parameters"]
# Settings: the grader's notebook runs change these; you may too.
DATA_ROOT = "data"  # where torchvision keeps MNIST (downloaded on first use), or a folder with your own copy
BATCH_SIZE = 64
EPOCHS = 10  # epochs of the demo runs below
OFFLINE_SPLIT = False  # True: no download; train and validate on a split of the MNIST test set
WORK_DIR = "checkpoints"  # where this notebook writes its checkpoint files

# %% [markdown]
# ## Given code (from the MNIST project, lesson 2.2.2)
#
# The model, one epoch of training and the evaluation loop, exactly as you wrote them before.
# `MNISTNet` has `Dropout(0.2)`, so `model.eval()` matters: in training mode two predictions on the same
# batch differ.

# %% tags=["graded"]
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


# %% [markdown]
# Load the data and train the model for a few epochs, so there is something worth saving.
#
# **Offline, or with MNIST already on disk.** Set `DATA_ROOT` in the settings cell to a folder holding MNIST's
# original files, `train-images-idx3-ubyte.gz`, `train-labels-idx1-ubyte.gz`, `t10k-images-idx3-ubyte.gz` and
# `t10k-labels-idx1-ubyte.gz`, either directly in it or in `MNIST/raw/` inside it (torchvision's own layout):
# nothing is downloaded. torchvision unpacks them beside the `.gz` files, so the folder must be writable. With
# only the two `t10k-*` files, also set `OFFLINE_SPLIT = True`: training and validation are then cut from the
# 10 000 test images.

# %%
torch.manual_seed(0)
train_loader, val_loader = get_mnist_loaders(DATA_ROOT, BATCH_SIZE, offline_split=OFFLINE_SPLIT)
model = MNISTNet()
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
criterion = nn.CrossEntropyLoss()
for epoch in range(1, 3):
    train_loss = train_one_epoch(model, train_loader, optimizer, criterion)
    print(f"epoch {epoch}: train loss {train_loss:.4f}, val loss {evaluate(model, val_loader, criterion):.4f}")

# %% [markdown]
# A `state_dict` is a snapshot of all the knobs: an ordered dictionary from layer names to tensors.

# %%
for name, tensor in model.state_dict().items():
    print(f"{name:12s} {tuple(tensor.shape)}")

# %% [markdown]
# ## Exercise 1 · Save and load a model (2_3_1.ex1)
#
# *Guided.* Write `save_model(model, path)`, which saves the model's **state_dict** (not the pickled model),
# and `load_model(model, path, device="cpu")`, which loads the file into the fresh instance it is given and
# returns it ready for inference.
#
# - `torch.save(model.state_dict(), path)`: architecture in code, values in file.
# - `torch.load(path, map_location=device, weights_only=True)`: a state_dict holds only tensors, so the safe
#   loader is enough, and `map_location` puts the tensors on the device you name, whatever device saved them.
# - Return the model in **eval mode**: dropout off, so predictions are repeatable.
#
# <details><summary>Hint</summary>
#
# `model.load_state_dict(...)` copies the values into the model you already built; it returns a report of
# missing and unexpected keys, not the model.
# </details>

# %% tags=["graded"]
# [graded] 2_3_1.ex1 — the grader runs the code in this cell
def save_model(model: nn.Module, path) -> None:
    """Save the model's state_dict (its values, not its architecture) to `path`."""
    # BEGIN SOLUTION hint: save model.state_dict(), not the model
    torch.save(model.state_dict(), path)
    # END SOLUTION


def load_model(model: nn.Module, path, device="cpu") -> nn.Module:
    """Load the state_dict at `path` into `model` (a fresh instance) and return it in eval mode on `device`."""
    # BEGIN SOLUTION hint: torch.load with map_location and weights_only=True, then load_state_dict and eval()
    state_dict = torch.load(path, map_location=device, weights_only=True)
    model.load_state_dict(state_dict)
    model.to(device)
    model.eval()
    return model
    # END SOLUTION


# %% [markdown]
# Verify the round trip: the reloaded model predicts exactly what the trained one predicts.

# %%
Path(WORK_DIR).mkdir(exist_ok=True)
save_model(model, f"{WORK_DIR}/mnist_model.pth")
reloaded = load_model(MNISTNet(), f"{WORK_DIR}/mnist_model.pth")
model.eval()
inputs, _ = next(iter(val_loader))
with torch.no_grad():
    print("same predictions:", torch.equal(model(inputs).argmax(1), reloaded(inputs).argmax(1)))
    print("same logits:", torch.allclose(model(inputs), reloaded(inputs)))

# %% [markdown]
# ## Exercise 2 · Checkpoints in the training loop (2_3_1.ex2)
#
# *Supported.* A checkpoint bundles everything needed to continue: model state, optimizer state, epoch and
# loss.
#
# 1. `save_checkpoint(path, model, optimizer, epoch, loss)` writes a dict with the keys `model_state_dict`,
#    `optimizer_state_dict`, `epoch` and `loss`. Without the optimizer's state (Adam's `exp_avg` and
#    `exp_avg_sq` per parameter), a resumed run starts with an amnesiac optimizer.
# 2. `train_with_checkpoints(...)` trains epochs `start_epoch` to `epochs` (inclusive, 1-based), writes
#    `epoch_{E}.pt` every `every` epochs (E divisible by `every`) and `best.pt` whenever the **validation**
#    loss improves, and returns one row `{"epoch", "train_loss", "val_loss"}` per epoch it ran.
#
# <details><summary>Hint</summary>
#
# Keep `best_val = float("inf")` before the loop; after evaluating, `if val_loss < best_val:` save and
# remember. Use `train_one_epoch` and `evaluate` from the given code.
# </details>

# %% tags=["graded"]
# [graded] 2_3_1.ex2 — the grader runs the code in this cell
def save_checkpoint(path, model: nn.Module, optimizer, epoch: int, loss: float) -> None:
    """Save model state, optimizer state, epoch and loss as one dict: everything needed to resume."""
    # BEGIN SOLUTION hint: one dict with model_state_dict, optimizer_state_dict, epoch and loss
    torch.save(
        {
            "model_state_dict": model.state_dict(),
            "optimizer_state_dict": optimizer.state_dict(),
            "epoch": epoch,
            "loss": loss,
        },
        path,
    )
    # END SOLUTION


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
    # BEGIN SOLUTION hint: loop over range(start_epoch, epochs + 1); epoch_{E}.pt when E % every == 0; best.pt on improvement
    checkpoint_dir = Path(checkpoint_dir)
    checkpoint_dir.mkdir(parents=True, exist_ok=True)
    history = []
    best_val = float("inf")
    for epoch in range(start_epoch, epochs + 1):
        train_loss = train_one_epoch(model, train_loader, optimizer, criterion)
        val_loss = evaluate(model, val_loader, criterion)
        history.append({"epoch": epoch, "train_loss": train_loss, "val_loss": val_loss})
        if epoch % every == 0:
            save_checkpoint(checkpoint_dir / f"epoch_{epoch}.pt", model, optimizer, epoch, val_loss)
        if val_loss < best_val:
            best_val = val_loss
            save_checkpoint(checkpoint_dir / "best.pt", model, optimizer, epoch, val_loss)
    return history
    # END SOLUTION


# %%
torch.manual_seed(0)
model = MNISTNet()
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
history = train_with_checkpoints(
    model, optimizer, criterion, train_loader, val_loader, epochs=EPOCHS, checkpoint_dir=WORK_DIR, every=5
)
print(sorted(p.name for p in Path(WORK_DIR).glob("*.pt")))

# %% [markdown]
# ## Exercise 3 · Resume after a crash (2_3_1.ex3)
#
# *Supported.* `resume(path, model, optimizer, device="cpu")` restores the model's and the optimizer's state
# from a checkpoint and returns the **next** epoch to run (the saved epoch + 1: the saved one is done).
#
# Then simulate a crash: train, "lose" the model, build a fresh model and optimizer, resume from the last
# checkpoint and train on. The loss curve should continue smoothly. Resuming with a fresh optimizer is
# giving an experienced pilot amnesia: the loss spikes while Adam relearns its momentum.
#
# <details><summary>Hint</summary>
#
# A checkpoint holds more than tensors (`epoch`, `loss`), so load it with `weights_only=False` or make sure
# it holds only plain numbers; use `map_location=device` either way.
# </details>

# %% tags=["graded"]
# [graded] 2_3_1.ex3 — the grader runs the code in this cell
def resume(path, model: nn.Module, optimizer, device="cpu") -> int:
    """Restore model and optimizer state from the checkpoint at `path`; return the next epoch to run."""
    # BEGIN SOLUTION hint: load both state_dicts and return checkpoint["epoch"] + 1
    checkpoint = torch.load(path, map_location=device, weights_only=False)
    model.load_state_dict(checkpoint["model_state_dict"])
    optimizer.load_state_dict(checkpoint["optimizer_state_dict"])
    return checkpoint["epoch"] + 1
    # END SOLUTION


# %%
crash_epoch = max(EPOCHS // 2, 1)
torch.manual_seed(0)
model = MNISTNet()
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
before = train_with_checkpoints(
    model, optimizer, criterion, train_loader, val_loader, epochs=crash_epoch,
    checkpoint_dir=f"{WORK_DIR}/crash", every=crash_epoch,
)
del model, optimizer  # the crash: everything in memory is gone

curves = {}
for label, restore_optimizer in [("resumed with optimizer state", True), ("pilot amnesia (fresh Adam)", False)]:
    model = MNISTNet()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    next_epoch = resume(f"{WORK_DIR}/crash/epoch_{crash_epoch}.pt", model, optimizer)
    if not restore_optimizer:
        optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    after = train_with_checkpoints(
        model, optimizer, criterion, train_loader, val_loader, epochs=EPOCHS,
        checkpoint_dir=f"{WORK_DIR}/crash", every=crash_epoch, start_epoch=next_epoch,
    )
    curves[label] = [row["train_loss"] for row in before + after]
    print(f"{label}: resumed at epoch {next_epoch}")

# %%
import matplotlib.pyplot as plt

for label, losses in curves.items():
    plt.plot(range(1, len(losses) + 1), losses, marker="o", label=label)
plt.axvline(crash_epoch + 0.5, color="gray", linestyle="--", label="crash and resume")
plt.xlabel("epoch")
plt.ylabel("train loss")
plt.legend()
plt.show()

# %% [markdown]
# ## Exercise 4 · Early stopping with checkpoints (2_3_1.ex4)
#
# *Independent.* `EarlyStopping(patience, min_delta=0.0)` watches the validation loss. `step(val_loss)`
# returns True once `patience` consecutive epochs failed to improve on `best_loss - min_delta`. It keeps the
# attributes `best_loss` (the lowest loss seen) and `counter` (epochs since the last improvement).
#
# `train_with_early_stopping(...)` trains at most `max_epochs` epochs, saves the best model to
# `checkpoint_path` whenever the validation loss improves, stops when early stopping says so, and **restores
# the best weights** into `model` before it returns the history (one row per epoch, as in exercise 2).

# %% tags=["graded"]
# [graded] 2_3_1.ex4 — the grader runs the code in this cell
class EarlyStopping:
    """Stop training once the validation loss has not improved for `patience` epochs."""

    def __init__(self, patience: int, min_delta: float = 0.0) -> None:
        # BEGIN SOLUTION hint: remember patience and min_delta; best_loss starts at infinity, counter at 0
        self.patience = patience
        self.min_delta = min_delta
        self.best_loss = float("inf")
        self.counter = 0
        # END SOLUTION

    def step(self, val_loss: float) -> bool:
        """Record one epoch's validation loss; return True when training should stop."""
        # BEGIN SOLUTION hint: improvement means val_loss < best_loss - min_delta
        if val_loss < self.best_loss - self.min_delta:
            self.best_loss = val_loss
            self.counter = 0
        else:
            self.counter += 1
        return self.counter >= self.patience
        # END SOLUTION


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
    # BEGIN SOLUTION hint: save on improvement, break when step() says stop, then load the best weights back
    stopper = EarlyStopping(patience)
    history = []
    best_val = float("inf")
    for epoch in range(1, max_epochs + 1):
        train_loss = train_one_epoch(model, train_loader, optimizer, criterion)
        val_loss = evaluate(model, val_loader, criterion)
        history.append({"epoch": epoch, "train_loss": train_loss, "val_loss": val_loss})
        if val_loss < best_val:
            best_val = val_loss
            torch.save(model.state_dict(), checkpoint_path)
        if stopper.step(val_loss):
            break
    model.load_state_dict(torch.load(checkpoint_path, weights_only=True))
    return history
    # END SOLUTION


# %%
torch.manual_seed(0)
model = MNISTNet()
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
history = train_with_early_stopping(
    model, optimizer, criterion, train_loader, val_loader, max_epochs=EPOCHS, patience=3,
    checkpoint_path=f"{WORK_DIR}/early_stopping_best.pt",
)
best = min(history, key=lambda row: row["val_loss"])
print(f"stopped after {len(history)} epochs; best epoch {best['epoch']} (val loss {best['val_loss']:.4f})")
print("restored val loss:", round(evaluate(model, val_loader, criterion), 4))
