# %% [markdown]
# # 2.1.3 · nn.Module: same math, better organization
#
# Lesson `nn-module`. In 2.1.2 you fit a line with raw tensors: parameters with `requires_grad=True`, a forward
# pass written as `X @ w + b`, and tensors to update and clear by hand. A two-layer network written that way
# works too, but every new layer means another pair of tensors to create, track and clear.
# `nn.Module` packages the same computation into reusable building blocks. In this notebook you will:
#
# 1. write `TwoLayerNet`, a subclass of `nn.Module`: `__init__` says **what** layers exist, `forward` says
#    **how** data flows through them;
# 2. open up `nn.Linear` and compute it by hand: **"nn.Linear IS w*x + b"**;
# 3. count a model's parameters: every learnable number `model.parameters()` hands the optimizer;
# 4. load a raw-tensor network, written the 2.1.2 way, into the module and get the same numbers: **"three representations of the
#    same network"** (the math, raw tensors, `nn.Module`);
# 5. build a multi-layer perceptron of any depth with `nn.Sequential`;
# 6. write a `ResidualBlock`, the skip connection that `nn.Sequential` cannot express.
#
# The mental model of the lesson: **"same math, better organization"**. Check your work with
# `pytest graders/2_1_3` (add `--exercise 2_1_3.ex2` for one exercise).

# %% tags=["parameters"]
# Settings: the grader's notebook runs change these; you may too.
SEED = 0  # the seed of the demos below

# %% [markdown]
# ## Given code: a two-layer network written the 2.1.2 way
#
# A two-layer network as raw tensors, like the line of 2.1.2 (`X @ w + b`). A raw weight matrix is stored
# **(in_features, out_features)**, so a layer is `X @ W + b`.

# %% tags=["graded"]
# [graded] 2_1_3 given code — the grader runs the code in this cell
import torch
import torch.nn as nn


def raw_forward(X: torch.Tensor, W1: torch.Tensor, b1: torch.Tensor, W2: torch.Tensor,
                b2: torch.Tensor) -> torch.Tensor:
    """A two-layer network in raw tensors: hidden = relu(X @ W1 + b1), output = hidden @ W2 + b2."""
    hidden = torch.relu(X @ W1 + b1)
    return hidden @ W2 + b2


# %% [markdown]
# ## Exercise 1 · A module of your own (2_1_3.ex1)
#
# *Guided.* Write `TwoLayerNet(in_features, hidden_features, out_features)`, a subclass of `nn.Module`:
#
# - `__init__` says **what**: call `super().__init__()` first (it sets up the bookkeeping that registers
#   layers), then create `self.fc1 = nn.Linear(in_features, hidden_features)`, `self.fc2 =
#   nn.Linear(hidden_features, out_features)` and a ReLU. Name the layers `fc1` and `fc2`: exercise 4 uses
#   these names.
# - `forward(x)` says **how**: `fc2(relu(fc1(x)))` for a batch `x` of shape `(batch, in_features)`, giving
#   `(batch, out_features)`. No activation after `fc2`: its outputs are raw scores.
#
# The model's parameters are exactly the two layers' weights and biases, with shapes
# `(hidden_features, in_features)`, `(hidden_features,)`, `(out_features, hidden_features)` and
# `(out_features,)`. The grader loads its own weights into your model and checks that `forward` computes
# `relu(x @ W1.T + b1) @ W2.T + b2` with them.
#
# <details><summary>Hint</summary>
#
# A layer assigned to `self` in `__init__` is *registered*: `model.parameters()` finds its weights, the
# optimizer updates them and `model.zero_grad()` clears them. A layer created inside `forward` is new at every
# call: fresh random weights each time, and none of them is a parameter of the model.
# </details>

# %% tags=["graded"]
# [graded] 2_1_3.ex1 — the grader runs the code in this cell
class TwoLayerNet(nn.Module):
    """Linear → ReLU → Linear: __init__ says what layers exist, forward says how data flows through them."""

    def __init__(self, in_features: int, hidden_features: int, out_features: int) -> None:
        # BEGIN SOLUTION hint: super().__init__() first, then fc1, a ReLU and fc2 as attributes
        super().__init__()
        self.fc1 = nn.Linear(in_features, hidden_features)
        self.relu = nn.ReLU()
        self.fc2 = nn.Linear(hidden_features, out_features)
        # END SOLUTION

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """(batch, in_features) → (batch, out_features)."""
        # BEGIN SOLUTION hint: fc1, then the ReLU, then fc2
        return self.fc2(self.relu(self.fc1(x)))
        # END SOLUTION


# %% [markdown]
# The module found its own parameters: no list of tensors to keep by hand.

# %%
torch.manual_seed(SEED)
net = TwoLayerNet(4, 8, 3)
for name, parameter in net.named_parameters():
    print(f"{name:11s} {tuple(parameter.shape)}  requires_grad={parameter.requires_grad}")
print(net(torch.randn(5, 4)).shape)

# %% [markdown]
# ## Exercise 2 · nn.Linear IS w*x + b (2_1_3.ex2)
#
# *Guided.* `nn.Linear(in_features, out_features)` is not mysterious: it holds a `weight` of shape
# `(out_features, in_features)` and a `bias` of shape `(out_features,)`, both with `requires_grad=True`, and
# computes `x @ weight.T + bias`. Write `linear_by_hand(linear, x)`, which returns that product from
# `linear.weight` and `linear.bias` **without calling `linear(x)`**, for `x` of shape `(batch, in_features)`.
# The result equals `linear(x)` (up to float rounding) and keeps its dtype.
#
# Mind the transpose: PyTorch stores the weight as (out, in), the transpose of the raw `W` above.

# %% tags=["graded"]
# [graded] 2_1_3.ex2 — the grader runs the code in this cell
def linear_by_hand(linear: nn.Linear, x: torch.Tensor) -> torch.Tensor:
    """What linear(x) computes, written out: x @ W.T + b with W and b read from the layer."""
    # BEGIN SOLUTION hint: linear.weight is (out, in): transpose it
    return x @ linear.weight.T + linear.bias
    # END SOLUTION


# %%
layer = nn.Linear(4, 3)
x = torch.randn(5, 4)
print("weight", tuple(layer.weight.shape), "bias", tuple(layer.bias.shape))
print("linear_by_hand(layer, x) equals layer(x):", torch.allclose(linear_by_hand(layer, x), layer(x)))

# %% [markdown]
# ## Exercise 3 · Count the parameters (2_1_3.ex3)
#
# *Supported.* Write `count_parameters(model)`, which returns, as a Python `int`, the number of learnable
# numbers in a model: the sum of the sizes (`numel()`) of every tensor `model.parameters()` yields. Count
# numbers, not tensors: `nn.Linear(4, 3)` has 2 parameter tensors but 4 × 3 + 3 = 15 parameters. (Only
# parameters count: a module may also keep buffers, such as a running average, that no optimizer updates.)

# %% tags=["graded"]
# [graded] 2_1_3.ex3 — the grader runs the code in this cell
def count_parameters(model: nn.Module) -> int:
    """The number of learnable numbers in `model`: the total size of its parameters."""
    # BEGIN SOLUTION hint: sum the numel() of each tensor in model.parameters()
    return sum(parameter.numel() for parameter in model.parameters())
    # END SOLUTION


# %%
print("TwoLayerNet(4, 8, 3):", count_parameters(net), "parameters")  # 4*8 + 8 + 8*3 + 3 = 67

# %% [markdown]
# ## Exercise 4 · Three representations of the same network (2_1_3.ex4)
#
# *Supported.* The math of Series 1.3, raw tensors as in 2.1.2 and your `nn.Module` are three
# representations of the same network: with the same weights they give the same numbers. Prove it.
#
# Write `load_raw_weights(model, W1, b1, W2, b2)`: copy the raw tensors into a `TwoLayerNet`'s layers
# `model.fc1` and `model.fc2` and return the model, so that `model(X)` equals `raw_forward(X, W1, b1, W2, b2)`.
# The raw weights are stored (in, out); `nn.Linear`'s weight is (out, in). The layers' weights must stay
# parameters of the model (trainable, `requires_grad=True`), and the model you are given is the one to return.
#
# <details><summary>Hint</summary>
#
# Inside `with torch.no_grad():`, `model.fc1.weight.copy_(W1.T)` overwrites the values in place. Assigning a
# plain tensor to `model.fc1.weight` fails: a module's weight must be an `nn.Parameter`.
# </details>

# %% tags=["graded"]
# [graded] 2_1_3.ex4 — the grader runs the code in this cell
def load_raw_weights(model: nn.Module, W1: torch.Tensor, b1: torch.Tensor, W2: torch.Tensor,
                     b2: torch.Tensor) -> nn.Module:
    """Copy raw (in, out) weights into model.fc1 and model.fc2 (stored (out, in)) and return the model."""
    # BEGIN SOLUTION hint: under torch.no_grad(), copy_ W1.T into fc1.weight, b1 into fc1.bias, and so on
    with torch.no_grad():
        model.fc1.weight.copy_(W1.T)
        model.fc1.bias.copy_(b1)
        model.fc2.weight.copy_(W2.T)
        model.fc2.bias.copy_(b2)
    return model
    # END SOLUTION


# %%
torch.manual_seed(SEED)
W1, b1, W2, b2 = torch.randn(4, 8), torch.randn(8), torch.randn(8, 3), torch.randn(3)
X = torch.randn(5, 4)
module_net = load_raw_weights(TwoLayerNet(4, 8, 3), W1, b1, W2, b2)
print("raw tensors :", raw_forward(X, W1, b1, W2, b2)[0])
print("nn.Module   :", module_net(X)[0].detach())
print("same numbers:", torch.allclose(raw_forward(X, W1, b1, W2, b2), module_net(X)))

# %% [markdown]
# ## Exercise 5 · Stacks of layers with nn.Sequential (2_1_3.ex5)
#
# *Supported.* For a plain stack, `nn.Sequential` writes `forward` for you: it runs its layers in order.
# Write `make_mlp(sizes)`, which returns an `nn.Sequential` of `nn.Linear(sizes[i], sizes[i + 1])` layers with
# an `nn.ReLU()` between consecutive layers and **none after the last one** (its outputs are raw scores). For
# example `make_mlp([784, 256, 128, 10])` is
# `Linear(784, 256), ReLU(), Linear(256, 128), ReLU(), Linear(128, 10)`, and `make_mlp([4, 2])` is a single
# `Linear(4, 2)`. `sizes` holds at least two numbers.

# %% tags=["graded"]
# [graded] 2_1_3.ex5 — the grader runs the code in this cell
def make_mlp(sizes: list[int]) -> nn.Sequential:
    """An nn.Sequential MLP: Linear layers through `sizes`, a ReLU between each pair, none after the last."""
    # BEGIN SOLUTION hint: build a list of layers, then nn.Sequential(*layers)
    layers: list[nn.Module] = []
    for index, (fan_in, fan_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        if index > 0:
            layers.append(nn.ReLU())
        layers.append(nn.Linear(fan_in, fan_out))
    return nn.Sequential(*layers)
    # END SOLUTION


# %%
mlp = make_mlp([784, 256, 128, 10])
print(mlp)
print("parameters:", count_parameters(mlp))

# %% [markdown]
# ## Exercise 6 · A residual block (2_1_3.ex6)
#
# *Independent.* `nn.Sequential` can only run layers one after another; a skip connection needs a `forward` of
# your own. Write `ResidualBlock(dim)`, an `nn.Module` whose branch is `Linear(dim, dim)` → ReLU →
# `Linear(dim, dim)` and whose `forward(x)` returns `x + branch(x)`: the input, plus what the branch adds to it.
# No activation after the sum.
#
# A residual block starts from "change nothing": when every weight and bias of the branch is zero, the block's
# output is exactly its input. The grader zeroes your block's parameters and checks that, then loads its own
# weights and checks the sum. If you keep the branch's layers in a container, make it one PyTorch can see
# (`nn.Sequential` or `nn.ModuleList`), never a plain Python list.

# %% tags=["graded"]
# [graded] 2_1_3.ex6 — the grader runs the code in this cell
class ResidualBlock(nn.Module):
    """x + branch(x), the branch being Linear → ReLU → Linear of width `dim`: a skip connection."""

    def __init__(self, dim: int) -> None:
        # BEGIN SOLUTION hint: super().__init__(), then the branch's two Linear(dim, dim) layers and a ReLU
        super().__init__()
        self.branch = nn.Sequential(nn.Linear(dim, dim), nn.ReLU(), nn.Linear(dim, dim))
        # END SOLUTION

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """(batch, dim) → (batch, dim): the input plus the branch's output."""
        # BEGIN SOLUTION hint: add the block's input to the branch's output
        return x + self.branch(x)
        # END SOLUTION


# %% [markdown]
# Zero the branch and the block hands its input straight through: the skip path is the identity.

# %%
block = ResidualBlock(4)
with torch.no_grad():
    for parameter in block.parameters():
        parameter.zero_()
x = torch.randn(3, 4)
print("zeroed branch gives back the input:", torch.equal(block(x), x))
print("ResidualBlock(4):", count_parameters(block), "parameters")
