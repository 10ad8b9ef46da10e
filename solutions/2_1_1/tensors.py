# %% [markdown]
# # 2.1.1 · Tensors
#
# Lesson `tensors`. A tensor is a NumPy array that knows where it lives: same interface, different engine. In
# this notebook you will:
#
# 1. create tensors with `torch.tensor`, `torch.zeros`, `torch.ones`, `torch.randn` and `torch.from_numpy`, and
#    read the three attributes that determine everything about them;
# 2. compute a forward pass `X @ w + b` for a whole batch and flatten a batch of images;
# 3. see when a tensor shares memory with a NumPy array and when it is a copy;
# 4. move tensors between devices and time a small computation on the CPU and on the device.
#
# The mental model of the lesson: **"shape, dtype, device — check these first."** Almost every PyTorch error
# you will meet is one of the three. The graders say which one differs, so read their messages the same way.
#
# Check your work with `pytest graders/2_1_1` (add `--exercise 2_1_1.ex2` for one exercise).

# %% tags=["parameters"]
# Settings: the grader's notebook runs change these; you may too.
SEED = 0  # the seed of the random tensors in the demos
TIMING_REPEATS = 20  # how often the timing demo multiplies each matrix

# %% [markdown]
# ## Given code
#
# The imports every exercise uses. PyTorch's default floating-point type is **float32**: deep learning computes
# approximate gradients from noisy data, so float64 would be measuring a rough sketch with a micrometer.

# %% tags=["graded"]
# [graded] 2_1_1 given code — the grader runs the code in this cell
import time

import numpy as np
import torch

# %% [markdown]
# ## Exercise 1 · Create tensors, then check shape, dtype, device (2_1_1.ex1)
#
# *Guided.* Write `make_tensors(seed)`, which returns a dict of six CPU tensors, each made with the function
# its key names, with exactly these values, shapes and dtypes:
#
# | key | made with | values | shape | dtype |
# |---|---|---|---|---|
# | `"from_list"` | `torch.tensor` | `[[1, 2, 3], [4, 5, 6]]` | `(2, 3)` | `torch.float32` |
# | `"labels"` | `torch.tensor` | `[3, 0, 7, 1]` (class labels) | `(4,)` | `torch.int64` |
# | `"zeros"` | `torch.zeros` | all 0 | `(3, 4)` | `torch.float32` |
# | `"ones"` | `torch.ones` | all 1 | `(2, 5)` | `torch.float32` |
# | `"noise"` | `torch.randn` | `torch.manual_seed(seed)`, then `torch.randn` | `(4, 3)` | `torch.float32` |
# | `"from_numpy"` | `torch.from_numpy` | `np.linspace(0, 1, 5)` | `(5,)` | `torch.float32` |
#
# - Class labels are whole numbers: keep them `int64` (`nn.CrossEntropyLoss` wants int64 labels later on).
# - `"noise"`: seed with `torch.manual_seed(seed)` right before `torch.randn(4, 3)`, so the same seed always
#   gives the same tensor. The grader hands you a seed you cannot guess and checks the values.
# - NumPy's default float is float64, and `torch.from_numpy` keeps NumPy's dtype. Make the array float32
#   first (`dtype=np.float32`): the course's default is float32.
#
# Then write `describe(t)`, which returns the three attributes to check first, as a tuple
# `(t.shape, t.dtype, t.device)`: a `torch.Size` (or a tuple of ints), a `torch.dtype` and a `torch.device`.
#
# <details><summary>Hint</summary>
#
# `torch.tensor([3, 0, 7, 1])` is already int64; `torch.tensor([3.0, 0.0, 7.0, 1.0])` is float32. Print
# `describe(t)` for each of your tensors and compare it with the table.
# </details>

# %% tags=["graded"]
# [graded] 2_1_1.ex1 — the grader runs the code in this cell
def make_tensors(seed: int) -> dict[str, torch.Tensor]:
    """Six CPU tensors, one per creation function, with the values, shapes and dtypes of the table."""
    # BEGIN SOLUTION hint: one tensor per key of the table; seed right before torch.randn
    torch.manual_seed(seed)
    return {
        "from_list": torch.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]),
        "labels": torch.tensor([3, 0, 7, 1]),
        "zeros": torch.zeros(3, 4),
        "ones": torch.ones(2, 5),
        "noise": torch.randn(4, 3),
        "from_numpy": torch.from_numpy(np.linspace(0, 1, 5, dtype=np.float32)),
    }
    # END SOLUTION


def describe(t: torch.Tensor) -> tuple:
    """Shape, dtype, device: the three attributes to check first."""
    # BEGIN SOLUTION hint: return a tuple of three attributes of t
    return t.shape, t.dtype, t.device
    # END SOLUTION


# %%
for name, tensor in make_tensors(SEED).items():
    print(f"{name:10s}", describe(tensor))

# %% [markdown]
# ## Exercise 2 · A forward pass for a batch, and flattening images (2_1_1.ex2)
#
# *Supported.* `linear_forward(X, w, b)` computes the linear layer's forward pass `X @ w + b` for a whole batch:
# `X` is `[B, F]` (B samples with F features), `w` is `[F, K]` and `b` is `[K]`; the result is `[B, K]`, in the
# inputs' dtype. `@` is matrix multiplication; `*` multiplies element by element, and when the shapes happen
# to broadcast it runs without complaint and gives the wrong numbers. The grader checks the values.
#
# `flatten_images(x)` turns a batch of images `[B, 1, 28, 28]` into `[B, 784]` (one row per image, pixels in
# row-major order, as `nn.Flatten` does), for any batch size B. Use `reshape`: the grader also hands you
# batches that are not contiguous in memory (a transposed view, for instance), and `view` refuses those.
#
# <details><summary>Hint</summary>
#
# `x.reshape(x.shape[0], -1)` keeps the batch dimension and lets PyTorch work out the other one.
# </details>

# %% tags=["graded"]
# [graded] 2_1_1.ex2 — the grader runs the code in this cell
def linear_forward(X: torch.Tensor, w: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """The forward pass X @ w + b for a batch: [B, F] @ [F, K] + [K] -> [B, K]."""
    # BEGIN SOLUTION hint: matrix multiplication, then add the bias
    return X @ w + b
    # END SOLUTION


def flatten_images(x: torch.Tensor) -> torch.Tensor:
    """A batch of images [B, 1, 28, 28] as rows [B, 784], contiguous or not."""
    # BEGIN SOLUTION hint: reshape, keeping the batch dimension
    return x.reshape(x.shape[0], -1)
    # END SOLUTION


# %%
torch.manual_seed(SEED)
X, w, b = torch.randn(4, 4), torch.randn(4, 4), torch.randn(4)
print("X @ w + b:", linear_forward(X, w, b)[0])
print("X * w + b:", (X * w + b)[0], "<- same shape, different numbers")
images = torch.randn(8, 1, 28, 28).transpose(2, 3)  # a transposed view: not contiguous
print("contiguous:", images.is_contiguous(), "->", describe(flatten_images(images)))

# %% [markdown]
# ## Exercise 3 · Shared memory or a copy (2_1_1.ex3)
#
# *Supported.* NumPy and PyTorch can look at the same memory. Write two functions of a NumPy array `a`:
#
# - `shares_memory_with(a)` returns a tensor that **shares** memory with `a` (`torch.from_numpy`): change `a`
#   afterwards and the tensor changes too.
# - `copy_of(a)` returns a tensor that **does not** (`torch.tensor` always copies): change `a` afterwards and the
#   tensor keeps the old values.
#
# Both keep the array's shape and dtype (a float64 array gives a float64 tensor here: converting would copy).
# The grader checks them by changing the array after your function returned.
#
# <details><summary>Hint</summary>
#
# `.float()` on a float64 tensor makes a new float32 tensor: a copy, no longer shared.
# </details>

# %% tags=["graded"]
# [graded] 2_1_1.ex3 — the grader runs the code in this cell
def shares_memory_with(a: np.ndarray) -> torch.Tensor:
    """A tensor that shares memory with the array `a` (same shape and dtype)."""
    # BEGIN SOLUTION hint: the function that shares memory instead of copying
    return torch.from_numpy(a)
    # END SOLUTION


def copy_of(a: np.ndarray) -> torch.Tensor:
    """A tensor with the values, shape and dtype of `a` that does not share its memory."""
    # BEGIN SOLUTION hint: the function that always copies
    return torch.tensor(a)
    # END SOLUTION


# %%
a = np.arange(4.0)
shared, copied = shares_memory_with(a), copy_of(a)
a[0] = 100.0
print("array:", a, "| shared:", shared, "| copy:", copied)

# %% [markdown]
# ## Exercise 4 · Where tensors live: devices, and small tensors on the CPU (2_1_1.ex4)
#
# *Independent.*
#
# - `to_device(t, device)` returns `t` on `device` (a `torch.device` or a string such as `"cpu"` or `"cuda"`)
#   with the same values, shape and dtype. `.to(device)` returns a **new** tensor; it does not move `t` itself.
# - `time_matmul(a, b, device, repeats=20)` returns the mean seconds one `a @ b` takes on `device` (a float):
#   move `a` and `b` to `device` before you start the clock, then time `repeats` multiplications and divide.
#   GPU work is asynchronous: Python gets control back before the GPU has finished. When
#   `device.type == "cuda"`, call `torch.cuda.synchronize()` before you start the clock and again before you
#   stop it, or you time how fast work was *queued*, not how fast it ran. Only there: a CPU-only machine has no
#   CUDA to synchronize.
# - `cpu_vs_device(n, device, repeats=20)` makes one `n × n` float32 matrix `x` with `torch.randn` and returns
#   `{"cpu": ..., "device": ...}`: `time_matmul(x, x, "cpu", repeats)` and `time_matmul(x, x, device, repeats)`.
#
# The grader never judges speed: it judges that each number was really measured. It runs your functions on a
# GPU (a simulated one on machines without), whose work finishes later than Python gets control back, and on
# a CPU-only machine.
#
# <details><summary>Hint</summary>
#
# `device = torch.device(device)` accepts a string or a device; `time.perf_counter()` is the clock to use.
# </details>

# %% tags=["graded"]
# [graded] 2_1_1.ex4 — the grader runs the code in this cell
def to_device(t: torch.Tensor, device) -> torch.Tensor:
    """The tensor `t` on `device`: same values, shape and dtype."""
    # BEGIN SOLUTION hint: .to returns a new tensor
    return t.to(device)
    # END SOLUTION


def time_matmul(a: torch.Tensor, b: torch.Tensor, device, repeats: int = 20) -> float:
    """Mean seconds of one a @ b on `device`, waiting for the GPU to finish on CUDA."""
    # BEGIN SOLUTION hint: move first; synchronize on CUDA before starting and before stopping the clock
    device = torch.device(device)
    a, b = to_device(a, device), to_device(b, device)
    if device.type == "cuda":
        torch.cuda.synchronize()
    start = time.perf_counter()
    for _ in range(repeats):
        a @ b
    if device.type == "cuda":
        torch.cuda.synchronize()
    return (time.perf_counter() - start) / repeats
    # END SOLUTION


def cpu_vs_device(n: int, device, repeats: int = 20) -> dict[str, float]:
    """Mean seconds of an n x n matrix product on the CPU and on `device`: {"cpu": ..., "device": ...}."""
    # BEGIN SOLUTION hint: one torch.randn(n, n), timed by time_matmul on each device
    x = torch.randn(n, n)
    return {"cpu": time_matmul(x, x, "cpu", repeats), "device": time_matmul(x, x, device, repeats)}
    # END SOLUTION


# %% [markdown]
# GPU wins at scale, CPU wins for small operations: moving data and launching work on a GPU has a fixed cost
# that a tiny matrix never pays back. On a machine without a GPU both columns are the CPU.

# %%
device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
print(f"device: {device}")
for n in (4, 64, 512):
    times = cpu_vs_device(n, device, TIMING_REPEATS)
    print(f"n = {n:4d}: cpu {times['cpu'] * 1e6:9.1f} µs, {device.type} {times['device'] * 1e6:9.1f} µs")
