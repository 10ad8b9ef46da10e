"""Probes for lesson 2.1.3: trusted code that runs in the worker, beside (never inside) the student's process.

The student's modules are built in the student's process; the weights they are checked with come from
`secret_seed()` in the worker and are loaded into the student's module by a step (matched by shape, in the
order the module registers its parameters, so any names the learner chose work). What the module computes is
compared in the judge with what the worker computes from the same weights with the grader's own formula; the
student's process never holds an expected output.
"""

from __future__ import annotations

import sys
import traceback

import torch
import torch.nn as nn
import torch.nn.functional as F
from gradekit.probe import drawn_apart, one_per_case, secret_seed, student_step

DECOY_OFFSET = 1000.0  # what the decoy layer adds when it is called as linear(x)


# ---- in the student's process: call the learner's code, report what it built -----------------------------------

def _grader_file(filename: str) -> bool:
    """Frames of torch, the standard library, gradekit and these probes are not the student's."""
    import os

    import gradekit

    ours = (os.path.dirname(torch.__file__), os.path.dirname(gradekit.__file__), os.path.dirname(__file__),
            sys.prefix, sys.base_prefix)
    return filename.startswith(ours) or "site-packages" in filename


def attempt(function, *args, **kwargs):
    """Call the student's function; (result, None), or (None, what went wrong and where) so the check can word it.

    A stub's NotImplementedError and running out of memory are left to the harness, which words them itself.
    """
    try:
        return function(*args, **kwargs), None
    except (NotImplementedError, MemoryError):
        raise
    except Exception as error:  # noqa: BLE001 - the error is the feedback
        frames = [f for f in traceback.extract_tb(error.__traceback__) if not _grader_file(f.filename)]
        where = f" (at line {frames[-1].lineno}: {(frames[-1].line or '').strip()})" if frames else ""
        return None, {"type": type(error).__name__, "message": str(error)[:400], "where": where}


def registered(module) -> list:
    """[name, shape, requires_grad] of every parameter `module.parameters()` finds, in registration order."""
    return [[name, list(p.shape), bool(p.requires_grad)] for name, p in module.named_parameters()]


def plain_lists(module) -> list:
    """Attributes (of the module or its submodules) that are Python lists or tuples holding layers."""
    found = []
    for prefix, sub in module.named_modules():
        for name, value in vars(sub).items():
            if isinstance(value, (list, tuple)) and any(isinstance(v, nn.Module) for v in value):
                found.append(f"{prefix}.{name}" if prefix else name)
    return found


def load_by_shape(module, tensors: list) -> int:
    """Copy the grader's tensors into the module's parameters, in registration order, each into the first
    parameter of its shape not yet filled; return how many were loaded."""
    free = list(tensors)
    loaded = 0
    with torch.no_grad():
        for parameter in module.parameters():
            match = next((i for i, t in enumerate(free) if list(t.shape) == list(parameter.shape)), None)
            if match is not None:
                parameter.copy_(free.pop(match))
                loaded += 1
    return loaded


def outputs(module, inputs):
    """The module's output on `inputs` twice (a registered layer gives the same numbers both times)."""
    with torch.no_grad():
        first, error = attempt(module, inputs)
        if error is not None:
            return {"run_error": error}
        second, _ = attempt(module, inputs)
    tensor = lambda value: value.detach() if torch.is_tensor(value) else None  # noqa: E731
    return {"first": tensor(first), "second": tensor(second), "returned_type": type(first).__name__}


def built(sub, name: str, *args):
    """Build the learner's module class `name(*args)`: (module, None) or (None, the error)."""
    module, error = attempt(getattr(sub, name), *args)
    if error is None and not isinstance(module, nn.Module):
        error = {"type": "TypeError", "message": f"{name}(...) built a {type(module).__name__}, not an nn.Module",
                 "where": ""}
    return module, error


@student_step
def call_two_layer_net(sub, sizes: list, weights: list, inputs: torch.Tensor) -> dict:
    """TwoLayerNet(*sizes): its parameters; the grader's weights loaded by shape; its output on `inputs`."""
    model, error = built(sub, "TwoLayerNet", *sizes)
    if error is not None:
        return {"build_error": error}
    out = {"params": registered(model), "plain_lists": plain_lists(model), "loaded": load_by_shape(model, weights)}
    return {**out, **outputs(model, inputs)}


class DecoyLinear(nn.Linear):
    """An nn.Linear whose own forward is off by DECOY_OFFSET: a linear_by_hand that calls linear(x) shows it in
    the numbers the worker checks, whatever the student's process reports."""

    def forward(self, x):  # noqa: D102
        return F.linear(x, self.weight, self.bias) + DECOY_OFFSET


@student_step
def call_linear_by_hand(sub, weight: torch.Tensor, bias: torch.Tensor, inputs: torch.Tensor) -> dict:
    """linear_by_hand on an nn.Linear holding the grader's weight and bias, then on a decoy layer holding the same."""
    out = {}
    for key, kind in (("", nn.Linear), ("decoy_", DecoyLinear)):
        layer = kind(weight.shape[1], weight.shape[0], dtype=weight.dtype)
        layer.load_state_dict({"weight": weight, "bias": bias})
        returned, error = attempt(sub.linear_by_hand, layer, inputs)
        out.update({f"{key}error": error, f"{key}returned_type": type(returned).__name__,
                    f"{key}returned": returned.detach() if torch.is_tensor(returned) else None})
    return out


class GraderNet(nn.Module):
    """A model for count_parameters: Linear layers through `sizes` kept in an nn.ModuleList, a nested head, and,
    optionally, a buffer (a running average: not a parameter)."""

    def __init__(self, sizes: list, buffer: bool = False) -> None:
        super().__init__()
        self.body = nn.ModuleList(nn.Linear(a, b) for a, b in zip(sizes[:-2], sizes[1:-1]))
        self.head = nn.Sequential(nn.ReLU(), nn.Linear(sizes[-2], sizes[-1]))
        if buffer:
            self.register_buffer("running_mean", torch.zeros(sizes[-1]))


@student_step
def call_count_parameters(sub, specs: list) -> list:
    """count_parameters on the grader's models, one per spec: what it returned (or raised)."""
    results = []
    for spec in specs:
        value, error = attempt(sub.count_parameters, GraderNet(spec["sizes"], spec.get("buffer", False)))
        plain = value if type(value) is int else (repr(value)[:60] if value is not None else None)
        results.append({"value": plain, "type": type(value).__name__, "error": error})
    return results


class CourseTwoLayerNet(nn.Module):
    """The grader's own TwoLayerNet (layers fc1 and fc2), handed to load_raw_weights."""

    def __init__(self, sizes: list) -> None:
        super().__init__()
        self.fc1 = nn.Linear(sizes[0], sizes[1])
        self.fc2 = nn.Linear(sizes[1], sizes[2])

    def forward(self, x):  # noqa: D102
        return self.fc2(torch.relu(self.fc1(x)))


@student_step
def call_load_raw_weights(sub, sizes: list, raw: list, inputs: torch.Tensor) -> dict:
    """load_raw_weights(model, W1, b1, W2, b2) on a TwoLayerNet with layers fc1 and fc2; the model afterwards."""
    model = CourseTwoLayerNet(sizes)
    returned, error = attempt(sub.load_raw_weights, model, *raw)
    out = {"error": error, "returned_model": returned is model, "returned_type": type(returned).__name__}
    target = returned if isinstance(returned, nn.Module) else model
    out["parameters"] = [[name, list(p.shape), bool(p.requires_grad), isinstance(p, nn.Parameter)]
                         for name, p in model.named_parameters()]
    return {**out, **outputs(target, inputs)}


def layer_of(module) -> list:
    """[class name, in_features, out_features] of a layer (the sizes only for nn.Linear)."""
    if isinstance(module, nn.Linear):
        return ["Linear", module.in_features, module.out_features]
    return [type(module).__name__, None, None]


@student_step
def call_make_mlp(sub, sizes: list, weights: list, inputs: torch.Tensor) -> dict:
    """make_mlp(sizes): its type and layers; the grader's weights loaded by shape; its output on `inputs`."""
    mlp, error = attempt(sub.make_mlp, list(sizes))
    if error is not None:
        return {"build_error": error}
    out = {"type": type(mlp).__name__, "is_sequential": isinstance(mlp, nn.Sequential)}
    if not isinstance(mlp, nn.Module):
        return out
    out["layers"] = [layer_of(m) for m in mlp] if isinstance(mlp, nn.Sequential) else []  # one ReLU may recur
    out.update(params=registered(mlp), plain_lists=plain_lists(mlp), loaded=load_by_shape(mlp, weights))
    return {**out, **outputs(mlp, inputs)}


@student_step
def call_residual_block(sub, dim: int, weights: list, inputs: torch.Tensor) -> dict:
    """ResidualBlock(dim): its output with every parameter zeroed, then with the grader's weights loaded."""
    block, error = built(sub, "ResidualBlock", dim)
    if error is not None:
        return {"build_error": error}
    out = {"params": registered(block), "plain_lists": plain_lists(block)}
    with torch.no_grad():
        for parameter in block.parameters():
            parameter.zero_()
    out["zeroed"] = outputs(block, inputs)
    out["loaded"] = load_by_shape(block, weights)
    out["weighted"] = outputs(block, inputs)
    return out


# ---- in the worker: secret weights and inputs, the grader's own formulas -----------------------------------------

def secret_generator() -> torch.Generator:
    """Random numbers the student's process cannot predict."""
    return torch.Generator().manual_seed(secret_seed())


def draw(generator: torch.Generator, *shape: int, dtype=torch.float32) -> torch.Tensor:
    return torch.randn(*shape, generator=generator).to(dtype)


def linear_layers(generator, sizes: list, scaled: bool = False) -> list:
    """Secret [weight (out, in), bias (out,)] for each Linear layer through `sizes`, in order. `scaled` draws each
    weight with variance 2 / fan_in (He's scale for a ReLU network), so the values stay of one size however deep
    the stack: unscaled, a deep stack's outputs reach the hundreds, and float32 rounding in another summation
    order (another memory alignment is enough) then exceeds the checks' 1e-5."""
    tensors = []
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
        weight = draw(generator, fan_out, fan_in)
        tensors += [weight * (2 / fan_in) ** 0.5 if scaled else weight, draw(generator, fan_out)]
    return tensors


def secret_case(generator, sizes: list, scaled: bool = False) -> tuple:
    """Secret weights through `sizes` (as linear_layers), then 8 secret input rows: (inputs, weights)."""
    weights = linear_layers(generator, sizes, scaled)
    return draw(generator, 8, sizes[0]), weights


def stack(inputs, tensors: list, relu_between: bool = True, relu_last: bool = False):
    """The grader's MLP: F.linear through the layers, ReLU between them (and after the last one if asked)."""
    value = inputs
    pairs = list(zip(tensors[0::2], tensors[1::2]))
    for index, (weight, bias) in enumerate(pairs):
        value = F.linear(value, weight, bias)
        last = index == len(pairs) - 1
        if (relu_between and not last) or (relu_last and last):
            value = torch.relu(value)
    return value


def two_layer_net(student, sizes: list) -> dict:
    """The learner's TwoLayerNet with secret weights, on secret inputs; the grader's own two-layer math."""
    generator = secret_generator()
    # a ReLU after fc2 (or none between the layers) must show: about 1 plain draw in 350 has no negative output
    inputs, weights = drawn_apart(lambda: secret_case(generator, sizes), lambda case: stack(*case),
                                  lambda case: mlp_mistakes(*case))
    out = student.call(call_two_layer_net, sizes=sizes, weights=weights, inputs=inputs)
    expected_shapes = sorted([list(w.shape) for w in weights])
    return {**out, "expected": stack(inputs, weights), "expected_shapes": expected_shapes}


def linear_by_hand_values(student, in_features: int, out_features: int, dtype: str = "float32") -> dict:
    """linear_by_hand on a layer of secret weights; what the layer computes, and the usual wrong readings."""
    generator, kind = secret_generator(), getattr(torch, dtype)
    weight, bias = draw(generator, out_features, in_features, dtype=kind), draw(generator, out_features, dtype=kind)
    inputs = draw(generator, 7, in_features, dtype=kind)
    out = student.call(call_linear_by_hand, weight=weight, bias=bias, inputs=inputs)
    out.update(expected=F.linear(inputs, weight, bias), without_bias=F.linear(inputs, weight))
    out["decoy_called"] = F.linear(inputs, weight, bias) + DECOY_OFFSET
    if in_features == out_features:
        out["untransposed"] = torch.addmm(bias, inputs, weight)
    return out


def linear_layers_by_hand(student, shapes: list) -> list:
    """linear_by_hand_values for each [in_features, out_features], in one worker."""
    return [linear_by_hand_values(student, fan_in, fan_out) for fan_in, fan_out in shapes]


def count_cases(student, specs: list) -> dict:
    """count_parameters on the grader's models; the counts the grader finds in the same models."""
    returned = one_per_case(student.call(call_count_parameters, specs=specs), specs, "count_parameters(model)")
    expected = []
    for spec in specs:
        model = GraderNet(spec["sizes"], spec.get("buffer", False))
        parameters = list(model.parameters())
        expected.append({"count": sum(p.numel() for p in parameters), "tensors": len(parameters),
                         "weights_only": sum(p.numel() for p in parameters if p.dim() > 1),
                         "with_buffers": sum(t.numel() for t in model.state_dict().values())})
    return {"returned": returned, "expected": expected}


def count_parameters_of_secret_sizes(student) -> dict:
    """count_parameters on a model whose layer sizes the student's process learns only when it is handed it."""
    generator = secret_generator()
    sizes = [int(n) for n in torch.randint(2, 12, (4,), generator=generator)]
    return {**count_cases(student, [{"sizes": sizes}]), "sizes": sizes}


def raw_weights_loaded(student, sizes: list) -> dict:
    """load_raw_weights with secret raw (in, out) tensors; raw_forward's numbers, computed here."""
    generator = secret_generator()
    raw = [draw(generator, sizes[0], sizes[1]), draw(generator, sizes[1]), draw(generator, sizes[1], sizes[2]),
           draw(generator, sizes[2])]
    inputs = draw(generator, 8, sizes[0])
    out = student.call(call_load_raw_weights, sizes=sizes, raw=raw, inputs=inputs)
    W1, b1, W2, b2 = raw
    out["expected"] = torch.relu(inputs @ W1 + b1) @ W2 + b2  # raw_forward, the given code of 2.1.2
    if sizes[0] == sizes[1] == sizes[2]:
        out["untransposed"] = stack(inputs, [W1, b1, W2, b2])  # the raw (in, out) matrices taken as (out, in)
    return out


def raw_networks_loaded(student, networks: list) -> list:
    """raw_weights_loaded for each network's sizes, in one worker."""
    return [raw_weights_loaded(student, sizes) for sizes in networks]


def mlp_values(student, sizes: list, scaled: bool = False) -> dict:
    """make_mlp(sizes) with secret weights (`scaled` as in linear_layers) on secret inputs; the grader's MLP and its
    usual wrong readings."""
    generator = secret_generator()
    inputs, weights = drawn_apart(lambda: secret_case(generator, sizes, scaled), lambda case: stack(*case),
                                  lambda case: mlp_mistakes(*case))
    out = student.call(call_make_mlp, sizes=sizes, weights=weights, inputs=inputs)
    kinds = [["Linear", a, b] for a, b in zip(sizes[:-1], sizes[1:])]
    expected_layers = [layer for pair in zip(kinds, [["ReLU", None, None]] * len(kinds)) for layer in pair][:-1]
    return {**out, "expected": stack(inputs, weights), "relu_last": stack(inputs, weights, relu_last=True),
            "no_relu": stack(inputs, weights, relu_between=False), "expected_layers": expected_layers}


def mlp_mistakes(inputs, weights: list) -> list:
    """What an MLP gives with a ReLU after the last layer, and (with a hidden layer) with no ReLU between layers."""
    relu_last = stack(inputs, weights, relu_last=True)
    return [relu_last] + ([stack(inputs, weights, relu_between=False)] if len(weights) > 2 else [])


def residual_block(student, dim: int) -> dict:
    """ResidualBlock(dim) zeroed and with secret weights, on secret inputs; the grader's x + branch(x)."""
    generator = secret_generator()
    # relu(x + branch(x)) must show in either registration order: about 1 plain draw in 20 000 has no negative sum
    inputs, weights = drawn_apart(lambda: secret_case(generator, [dim, dim, dim]),
                                  lambda case: torch.stack(residual_sums(*case)),
                                  lambda case: residual_mistakes(*case))
    out = student.call(call_residual_block, dim=dim, weights=weights, inputs=inputs)
    branches = residual_branches(inputs, weights)
    out.update(inputs=inputs, expected=[inputs + branch for branch in branches], branch_only=branches,
               relu_after=[torch.relu(inputs + branch) for branch in branches],
               expected_shapes=sorted([list(w.shape) for w in weights]))
    return out


def residual_branches(inputs, weights: list) -> list:
    """branch(x), for either layer registered first."""
    W1, b1, W2, b2 = weights
    return [stack(inputs, weights), stack(inputs, [W2, b2, W1, b1])]


def residual_sums(inputs, weights: list) -> list:
    """x + branch(x), for either layer registered first."""
    return [inputs + branch for branch in residual_branches(inputs, weights)]


def residual_mistakes(inputs, weights: list) -> list:
    """A ReLU after the sum, in one registration order and then the other (the right sum in the other place), and
    the branch alone: each beside torch.stack(residual_sums)."""
    sums = residual_sums(inputs, weights)
    return [torch.stack([torch.relu(sums[0]), sums[1]]), torch.stack([sums[0], torch.relu(sums[1])]),
            torch.stack(residual_branches(inputs, weights))]
