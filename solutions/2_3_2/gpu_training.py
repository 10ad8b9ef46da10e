# %% [markdown]
# # 2.3.2 · GPU training
#
# Lesson `gpu-training`. Your MNIST training loop works on the CPU; this notebook moves it to the GPU, keeps
# it working on machines without one, and makes it faster with mixed precision. You will:
#
# 1. move the model and the training loop to the GPU, time an epoch and compare with the CPU;
# 2. save checkpoints during GPU training and load them on a CPU-only machine with `map_location`;
# 3. add mixed precision to the training step: `torch.autocast` and `torch.amp.GradScaler`;
# 4. write one portable training script: detect the device, use mixed precision only on a GPU, checkpoint
#    every epoch and resume from a checkpoint written on either device.
#
# **Same heartbeat, new instruments**: forward, loss, backward, update stay exactly as they were. Think of
# an **assembly line with four stations**; the GPU is a faster factory with faster workers, and
# `.to(device)` is the truck that carries the parts there. The truck is logistics, not a new
# manufacturing step.
#
# No GPU? Everything here also runs on a CPU (in Colab: Runtime → Change runtime type → GPU to get one).
# The grader runs your code on a GPU, real or simulated, *and* on a CPU-only machine.
#
# Check your work with `pytest graders/2_3_2` (add `--exercise 2_3_2.ex3` for one exercise).

# %% tags=["parameters"]
# Settings: the grader's notebook runs change these; you may too.
DATA_ROOT = "data"  # where torchvision keeps MNIST (downloaded on first use)
BATCH_SIZE = 64
EPOCHS = 4  # epochs of the demo runs below
OFFLINE_SPLIT = False  # True: no download; train and validate on a split of the MNIST test set
WORK_DIR = "checkpoints"  # where this notebook writes its checkpoint files

# %% [markdown]
# ## Given code (from the MNIST project and lesson 2.3.1)
#
# The model, the evaluation loop (now with a `device` argument) and the data loaders. A `DataLoader`
# always hands out **CPU** tensors, whatever device the model is on.

# %% tags=["graded"]
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


# %% [markdown]
# ## The problem first: the model moved, the data did not
#
# Move only the model to the GPU and run one batch from the `DataLoader` through it. The weights live on the
# GPU, the batch on the CPU, and PyTorch refuses to multiply tensors that live in different places. You met
# this error with single tensors (lesson 2.1.1); here it hits a whole training loop.
#
# On a machine without a GPU the cell uses the `meta` device (tensors with a shape but no data) as the
# "other place", so you see the same mistake, worded slightly differently.

# %%
torch.manual_seed(0)
train_loader, val_loader = get_mnist_loaders(DATA_ROOT, BATCH_SIZE, offline_split=OFFLINE_SPLIT)
elsewhere = torch.device("cuda") if torch.cuda.is_available() else torch.device("meta")
model = MNISTNet().to(elsewhere)
inputs, labels = next(iter(train_loader))  # a DataLoader yields CPU tensors
try:
    model(inputs)
except RuntimeError as error:
    print(f"model on {elsewhere}, batch on {inputs.device}:\nRuntimeError: {error}")

# %% [markdown]
# The fix is logistics, not a new station on the line: every batch rides the truck to the model's device,
# **inside** the loop, labels included (the loss compares outputs with labels, so both must be there).
#
# | CPU loop | GPU loop |
# |---|---|
# | | `model.to(device)` (once, before the loop) |
# | `for inputs, labels in loader:` | `for inputs, labels in loader:` |
# | | `    inputs, labels = inputs.to(device), labels.to(device)` |
# | `    optimizer.zero_grad()` | `    optimizer.zero_grad()` (clear) |
# | `    loss = criterion(model(inputs), labels)` | `    loss = criterion(model(inputs), labels)` |
# | `    loss.backward()` | `    loss.backward()` (compute) |
# | `    optimizer.step()` | `    optimizer.step()` (use) |
#
# That is all: three lines differ. The heartbeat (clear, compute, use) is unchanged.
#
# The **portable device pattern** picks the GPU when there is one and the CPU otherwise, so the same code
# runs everywhere: `device = torch.device("cuda" if torch.cuda.is_available() else "cpu")`. Never write
# `"cuda"` into the loop itself: that code crashes on every machine without a GPU.

# %% [markdown]
# ## Exercise 1 · Train on the GPU (2_3_2.ex1)
#
# *Guided.*
#
# - `get_device()` returns `torch.device("cuda")` when a GPU is available, else `torch.device("cpu")`.
# - `train_one_epoch(model, loader, optimizer, criterion, device)` trains one epoch with a model that is
#   already on `device`: move each batch's inputs **and** labels inside the loop, then clear, compute, use.
#   Return the epoch's mean loss as a float (mean over batches, or over samples).
# - `train(model, loader, optimizer, criterion, device, epochs)` moves the model to `device` **once**, then
#   trains `epochs` epochs and returns the list of their mean losses.
# - `time_epoch(model, loader, optimizer, criterion, device)` returns the seconds one training epoch takes.
#   GPU work is asynchronous: Python gets control back before the GPU has finished. On a CUDA device call
#   `torch.cuda.synchronize()` before you start the clock and again before you stop it, or you time how
#   fast work was *queued*, not how fast it ran.
#
# Use the `device` argument everywhere; the grader runs your functions on a GPU and on a CPU-only machine.
#
# <details><summary>Hint</summary>
#
# `device.type == "cuda"` is true for `cuda` and `cuda:0` alike. `time.perf_counter()` is the clock to use.
# </details>

# %% tags=["graded"]
# [graded] 2_3_2.ex1 — the grader runs the code in this cell
def get_device() -> torch.device:
    """The GPU when one is available, else the CPU: the portable device pattern."""
    # BEGIN SOLUTION hint: torch.device("cuda" if ... else "cpu")
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    # END SOLUTION


def train_one_epoch(model: nn.Module, loader, optimizer, criterion, device) -> float:
    """Train one epoch on `device` (the model is already there); return the epoch's mean loss."""
    # BEGIN SOLUTION hint: inside the loop, move inputs and labels to device; then clear, compute, use
    model.train()
    total, batches = 0.0, 0
    for inputs, labels in loader:
        inputs = inputs.to(device)  # the truck: every batch travels to the model's device
        labels = labels.to(device)
        optimizer.zero_grad()  # clear
        loss = criterion(model(inputs), labels)
        loss.backward()  # compute
        optimizer.step()  # use
        total += loss.item()
        batches += 1
    return total / max(batches, 1)
    # END SOLUTION


def train(model: nn.Module, loader, optimizer, criterion, device, epochs: int) -> list[float]:
    """Move the model to `device` once, train `epochs` epochs, return the mean loss of each."""
    # BEGIN SOLUTION hint: model.to(device) before the loop, then train_one_epoch each epoch
    model.to(device)
    return [train_one_epoch(model, loader, optimizer, criterion, device) for _ in range(epochs)]
    # END SOLUTION


def time_epoch(model: nn.Module, loader, optimizer, criterion, device) -> float:
    """Seconds one training epoch takes on `device`, waiting for the GPU to finish on CUDA."""
    # BEGIN SOLUTION hint: synchronize on CUDA before starting and before stopping the clock
    device = torch.device(device)
    model.to(device)
    if device.type == "cuda":
        torch.cuda.synchronize()
    start = time.perf_counter()
    train_one_epoch(model, loader, optimizer, criterion, device)
    if device.type == "cuda":
        torch.cuda.synchronize()
    return time.perf_counter() - start
    # END SOLUTION


# %% [markdown]
# Train for real: the same code on whatever device this machine has.

# %%
device = get_device()
print("training on", device)
torch.manual_seed(0)
model = MNISTNet()
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
criterion = nn.CrossEntropyLoss()
losses = train(model, train_loader, optimizer, criterion, device, epochs=2)
print("train losses:", [round(loss, 4) for loss in losses])
print("val loss:", round(evaluate(model, val_loader, criterion, device), 4))

# %% [markdown]
# ### When does the GPU help?
#
# A GPU is not always faster. Three things decide: **model size** (more arithmetic per batch means more
# to parallelise), **batch size** (bigger batches keep thousands of GPU cores busy) and **transfer
# overhead** (every batch rides the truck; tiny batches spend their time in transit). A rule of thumb: if
# an epoch takes under ~30 s on the CPU, the GPU probably won't change your day; if training takes minutes
# to hours, expect 3-10x.

# %%
def timing_table(devices, cases):
    for name, make_model, loader in cases:
        for dev in devices:
            torch.manual_seed(0)
            net = make_model()
            opt = torch.optim.Adam(net.parameters(), lr=1e-3)
            seconds = time_epoch(net, loader, opt, criterion, dev)
            print(f"{name:32s} {str(dev):5s} {seconds:7.3f} s per epoch")


tiny_data = torch.utils.data.TensorDataset(torch.randn(512, 1, 28, 28), torch.randint(0, 10, (512,)))
cases = [
    ("tiny model, 512 samples, batch 16", lambda: nn.Sequential(nn.Flatten(), nn.Linear(784, 10)),
     DataLoader(tiny_data, batch_size=16)),
    ("MNISTNet, full loader", MNISTNet, train_loader),
]
devices = [torch.device("cpu")] + ([torch.device("cuda")] if torch.cuda.is_available() else [])
if len(devices) == 1:
    print("No GPU on this machine: only the CPU column. On a GPU the tiny case is usually *slower*.")
timing_table(devices, cases)

# %% [markdown]
# ## Exercise 2 · Device-aware checkpoints (2_3_2.ex2)
#
# *Supported.* A checkpoint written during GPU training stores where each tensor lived: loading it on a
# machine without a GPU fails unless you tell `torch.load` where to put the tensors.
#
# 1. `save_checkpoint(path, model, optimizer, epoch, loss)` writes the lesson 2.3.1 checkpoint: one dict with
#    `model_state_dict`, `optimizer_state_dict`, `epoch` and `loss`.
# 2. `load_checkpoint(path, model, optimizer, device)` loads it with `map_location=device`, restores the model
#    and the optimizer, leaves both on `device`, and returns the **next** epoch to run (saved epoch + 1).
#    The model you get may already be on `device` (build it, `.to(device)`, then load).
#
# <details><summary>Hint</summary>
#
# `torch.load(path, map_location=device, weights_only=False)` remaps every storage to `device`, whatever
# device wrote the file. The checkpoint holds plain numbers besides tensors, so `weights_only=True` also works.
# </details>

# %% tags=["graded"]
# [graded] 2_3_2.ex2 — the grader runs the code in this cell
def save_checkpoint(path, model: nn.Module, optimizer, epoch: int, loss: float) -> None:
    """Save model state, optimizer state, epoch and loss as one dict (the lesson 2.3.1 checkpoint)."""
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


def load_checkpoint(path, model: nn.Module, optimizer, device) -> int:
    """Restore model and optimizer from `path` onto `device`, whatever device saved it; return the next epoch."""
    # BEGIN SOLUTION hint: torch.load(path, map_location=device, ...), load both state_dicts, return epoch + 1
    checkpoint = torch.load(path, map_location=device, weights_only=False)
    model.to(device)
    model.load_state_dict(checkpoint["model_state_dict"])
    optimizer.load_state_dict(checkpoint["optimizer_state_dict"])
    return checkpoint["epoch"] + 1
    # END SOLUTION


# %% [markdown]
# Save during training on this machine's device, then load on the CPU, as a colleague without a GPU would.

# %%
Path(WORK_DIR).mkdir(exist_ok=True)
save_checkpoint(f"{WORK_DIR}/gpu_training.pt", model, optimizer, epoch=2, loss=losses[-1])
cpu = torch.device("cpu")
cpu_model = MNISTNet()
cpu_optimizer = torch.optim.Adam(cpu_model.parameters(), lr=1e-3)
next_epoch = load_checkpoint(f"{WORK_DIR}/gpu_training.pt", cpu_model, cpu_optimizer, cpu)
model.eval()
cpu_model.eval()
inputs, _ = next(iter(val_loader))
with torch.no_grad():
    same = torch.equal(model(inputs.to(device)).argmax(1).cpu(), cpu_model(inputs).argmax(1))
print(f"saved on {device}, loaded on the CPU: next epoch {next_epoch}, same predictions on the CPU: {same}")

# %% [markdown]
# ## Mixed precision: micrometer → ruler → tape measure
#
# `float64` is a micrometer (far more precise than training needs), `float32` a ruler (right-sized), and
# `float16` a tape measure: good enough for the forward pass, and half the memory and much faster on a GPU.
# But a tape measure cannot show tiny lengths. Gradients in deep networks are often 1e-6 to 1e-8, and in
# float16 they round to zero.

# %%
for dtype in (torch.float64, torch.float32, torch.float16):
    info = torch.finfo(dtype)
    print(f"{str(dtype):14s} eps {info.eps:.1e}  smallest normal {info.smallest_normal:.1e}")
gradient = torch.tensor([1e-3, 1e-6, 1e-8])
print("float32:", gradient.tolist())
print("float16:", gradient.half().tolist(), " <- 1e-8 became 0: the gradient vanished")
print("float16 of (gradient × 65536):", (gradient * 65536).half().tolist(), " <- scaled first, it survives")

# %% [markdown]
# That is why mixed precision is **mixed**: float16 where it is safe (matrix multiplications in the forward
# pass), float32 where it matters (the weights, the loss, the update). Done by hand it is tedious:

# %%
layer = nn.Linear(784, 10)
x = torch.randn(8, 784)
half_out = x.half() @ layer.weight.half().t() + layer.bias.half()  # manual: cast every operand yourself
print("manual float16 output:", half_out.dtype, "- and the loss should go back to float32:", half_out.float().dtype)

# %% [markdown]
# `torch.autocast` automates this choice per operation, just as autograd automated your derivatives:
# **not magic, automation**. On a GPU it picks float16; on the CPU it uses bfloat16.
#
# The gradients still risk underflow, so `torch.amp.GradScaler` multiplies the loss by a large factor before
# `backward()` (every gradient grows by the same factor and survives float16), then divides the gradients
# back before the optimizer uses them. If some gradient overflowed to inf, `scaler.step` skips that update and
# `scaler.update()` lowers the factor. Four lines change in the step:
#
# ```python
# optimizer.zero_grad()                                  # clear
# with torch.autocast(device.type):                      # forward and loss in mixed precision
#     loss = criterion(model(inputs), labels)
# scaler.scale(loss).backward()                          # compute, on the scaled loss
# scaler.step(optimizer)                                 # use: unscale, skip if inf, step
# scaler.update()                                        # adjust the scale for the next step
# ```

# %% [markdown]
# ## Exercise 3 · Mixed precision (2_3_2.ex3)
#
# *Supported.* Write `amp_train_step(model, inputs, labels, optimizer, criterion, scaler, device)`: one
# training step with mixed precision. Zero the gradients, run forward **and** loss under
# `torch.autocast(device.type)`, backward on `scaler.scale(loss)`, step with `scaler.step(optimizer)`, then
# `scaler.update()`; return the loss as a float. The model and the batch are already on `device`; the scaler
# is a `torch.amp.GradScaler` made for `device.type`.
#
# Keep the model in float32: `model.half()` is not mixed precision, it turns every weight into a tape
# measure (and the scaler refuses float16 gradients).

# %% tags=["graded"]
# [graded] 2_3_2.ex3 — the grader runs the code in this cell
def amp_train_step(model: nn.Module, inputs, labels, optimizer, criterion, scaler, device) -> float:
    """One mixed-precision training step (autocast + GradScaler); return the loss as a float."""
    # BEGIN SOLUTION hint: zero_grad; forward and loss under torch.autocast(device.type); scale, backward; scaler.step; scaler.update
    optimizer.zero_grad()  # clear
    with torch.autocast(device.type):
        outputs = model(inputs)
        loss = criterion(outputs, labels)
    scaler.scale(loss).backward()  # compute (on the scaled loss)
    scaler.step(optimizer)  # use (unscaled; skipped on inf)
    scaler.update()
    return loss.item()
    # END SOLUTION


# %% [markdown]
# Compare one epoch with and without mixed precision on this machine's device. On a GPU with tensor cores
# mixed precision is typically 1.5-3x faster; on a CPU bfloat16 often is not faster at all.

# %%
def amp_epoch(model, loader, optimizer, criterion, scaler, device) -> float:
    model.train()
    total = 0.0
    for inputs, labels in loader:
        total += amp_train_step(model, inputs.to(device), labels.to(device), optimizer, criterion, scaler, device)
    return total / len(loader)


for label, use_amp in [("float32", False), ("mixed precision", True)]:
    torch.manual_seed(0)
    net = MNISTNet().to(device)
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    scaler = torch.amp.GradScaler(device.type)
    start = time.perf_counter()
    if use_amp:
        loss = amp_epoch(net, train_loader, opt, criterion, scaler, device)
    else:
        loss = train_one_epoch(net, train_loader, opt, criterion, device)
    if device.type == "cuda":
        torch.cuda.synchronize()
    print(f"{label:16s} loss {loss:.4f}  {time.perf_counter() - start:6.2f} s per epoch on {device}")

# %% [markdown]
# ## Exercise 4 · A portable training script (2_3_2.ex4)
#
# *Independent.* `train_portable(model, optimizer, criterion, train_loader, epochs, checkpoint_path,
# device=None)` is the script you will reuse for every project:
#
# - `device=None` means: detect it (exercise 1). Use the device it is given otherwise.
# - On CUDA, train with mixed precision (autocast and an enabled GradScaler); on the CPU, plain float32.
# - If `checkpoint_path` exists, resume from it, whichever device wrote it; otherwise start at epoch 1.
# - Write the checkpoint to `checkpoint_path` after **every** epoch (a crash costs at most one epoch).
# - `epochs` is the number of the last epoch (counted from 1): a run resumed after epoch 2 with `epochs=4`
#   trains epochs 3 and 4. Return the mean losses of the epochs this call trained.
#
# <details><summary>Hint</summary>
#
# `torch.autocast(device.type, enabled=use_amp)` and `torch.amp.GradScaler(device.type, enabled=use_amp)`
# keep one code path for both devices: disabled, they change nothing.
# </details>

# %% tags=["graded"]
# [graded] 2_3_2.ex4 — the grader runs the code in this cell
def train_portable(model: nn.Module, optimizer, criterion, train_loader, epochs: int, checkpoint_path,
                   device=None) -> list[float]:
    """Train to epoch `epochs` on the detected (or given) device, AMP on CUDA, resuming and checkpointing."""
    # BEGIN SOLUTION hint: detect the device; AMP only on cuda; resume if checkpoint_path exists; save every epoch
    device = get_device() if device is None else torch.device(device)
    use_amp = device.type == "cuda"
    model.to(device)
    scaler = torch.amp.GradScaler(device.type, enabled=use_amp)
    start_epoch = 1
    if Path(checkpoint_path).exists():
        start_epoch = load_checkpoint(checkpoint_path, model, optimizer, device)
    losses = []
    for epoch in range(start_epoch, epochs + 1):
        model.train()
        total, batches = 0.0, 0
        for inputs, labels in train_loader:
            inputs, labels = inputs.to(device), labels.to(device)
            optimizer.zero_grad()
            with torch.autocast(device.type, enabled=use_amp):
                loss = criterion(model(inputs), labels)
            scaler.scale(loss).backward()
            scaler.step(optimizer)
            scaler.update()
            total += loss.item()
            batches += 1
        losses.append(total / max(batches, 1))
        save_checkpoint(checkpoint_path, model, optimizer, epoch, losses[-1])
    return losses
    # END SOLUTION


# %% [markdown]
# Run the script, "crash" halfway, and run it again: the second call picks up where the first stopped.

# %%
script_checkpoint = Path(WORK_DIR) / "portable.pt"
script_checkpoint.unlink(missing_ok=True)
torch.manual_seed(0)
model = MNISTNet()
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
crash_epoch = max(EPOCHS // 2, 1)
first = train_portable(model, optimizer, criterion, train_loader, crash_epoch, script_checkpoint)
del model, optimizer  # the crash

model = MNISTNet()
optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
second = train_portable(model, optimizer, criterion, train_loader, EPOCHS, script_checkpoint)
print(f"first run: epochs 1-{crash_epoch}, resumed at epoch {crash_epoch + 1}; device {get_device()}")
print("losses:", [round(loss, 4) for loss in first + second])
