"""The trusted rebuild of a learner's network, shared by the lessons whose checkpoints are evaluated on real test
images (2.3.3's Fashion-MNIST project, 2.2.2's MNIST project). Graders' probes import it; it knows no lesson.

The grading rule: the learner's `forward` never runs where a test label is. In the student's process
`traced_call` runs the learner's model on inputs the worker drew with `secret_seed()` and records every leaf layer
it runs (forward hooks) with what went in and came out. In the worker, `rebuild` rebuilds that network from the
course's layers with weights the worker read itself (a checkpoint loaded weights-only) or chose itself, checks
layer by layer that the rebuild gives what the learner's model gave, and only then is the rebuild used: its
accuracy on the real test images (`trusted_eval`), its layers, its outputs. A model the rebuild cannot express is
told what the checks accept (`not_checkable`).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from pathlib import Path

import torch
import torch.nn as nn
import torch.nn.functional as F
from gradekit.probe import StudentBroken, load_weights_only, secret_seed

SAMPLE = 64  # secret inputs per model check: enough to see every layer at work
TOLERANCE = 1e-4  # relative: the rebuild must give what the student's model gave, up to float rounding
MAX_LAYER_CALLS = 256
ANSI = re.compile(r"\x1b\[[0-9;]*m")  # torch's error texts carry terminal colours
COURSE_LAYERS = ("Flatten", "Linear", "BatchNorm1d", "ReLU", "Dropout", "LeakyReLU", "GELU", "Tanh", "Sigmoid",
                 "SiLU", "ELU", "Identity", "Softmax", "LogSoftmax")
ACCEPTED = ("a network of the course's layers run one after the other: nn.Flatten (or x.view(x.size(0), -1)), "
            "nn.Linear, nn.BatchNorm1d, nn.ReLU and nn.Dropout, activations as modules or as functions (relu, "
            "leaky_relu, gelu, tanh, sigmoid), and at most a softmax or log-softmax at the end")


def trusted_logits(model: nn.Module, images: torch.Tensor) -> torch.Tensor:
    """A trusted model's logits on images, 2 000 at a time, in eval mode without gradients."""
    model.eval()
    with torch.no_grad():
        return torch.cat([model(images[i:i + 2000]) for i in range(0, len(images), 2000)])


def trusted_eval(model: nn.Module, images: torch.Tensor, labels: torch.Tensor) -> tuple[float, list[float]]:
    """Accuracy and per-class accuracy of a trusted model on images, in eval mode without gradients."""
    correct = trusted_logits(model, images).argmax(1) == labels
    per_class = [float(correct[labels == c].float().mean()) if (labels == c).any() else math.nan for c in range(10)]
    return float(correct.float().mean()), per_class


def secret_inputs(count: int = SAMPLE) -> torch.Tensor:
    """Image-shaped inputs the student's process cannot predict (never test images)."""
    return torch.randn(count, 1, 28, 28, generator=torch.Generator().manual_seed(secret_seed()))


def state_dict_in(data: bytes) -> dict:
    """The state_dict a checkpoint file holds (or its "model_state_dict"), read with the weights-only loader."""
    state = unwrapped(load_weights_only(data))
    if not isinstance(state, dict):
        raise TypeError(f"the file holds a {type(state).__name__}, not a state_dict")
    return {str(k): v for k, v in state.items() if torch.is_tensor(v)}


# ---- in the student's process: run a model with its layers recorded --------------------------------------

def course_kind(module: nn.Module) -> str | None:
    """The course layer a module is (a subclass counts as its base), or None."""
    for cls in type(module).__mro__:
        if cls.__module__.startswith("torch.nn") and cls.__name__ in COURSE_LAYERS:
            return cls.__name__
    return None


def layer_settings(module: nn.Module) -> dict:
    """The settings that decide what a course layer computes: sizes, eps, p, slope, dims."""
    names = ("in_features", "out_features", "num_features", "eps", "affine", "track_running_stats", "p",
             "start_dim", "end_dim", "negative_slope", "approximate", "alpha", "dim")
    found = {name: getattr(module, name, None) for name in names}
    return {name: value for name, value in found.items() if type(value) in (int, float, bool, str)}


def plain(value):
    """A tensor as a detached copy (what a hook saw, before anything in place changes it); else None."""
    return value.detach().clone() if torch.is_tensor(value) else None


def traced_call(model: nn.Module, inputs: torch.Tensor) -> dict:
    """model(inputs), with every leaf module's calls recorded in order: its name, kind, settings, input, output."""
    names: dict[int, str] = {}
    for name, module in model.named_modules():
        names.setdefault(id(module), name)
    calls, waiting, handles = [], {}, []

    def before(module, args):
        """Keep what goes into the layer before it runs (an in-place layer changes it)."""
        waiting.setdefault(id(module), []).append(plain(args[0]) if args else None)

    def after(module, args, output):
        """Record the call once the layer has run: who it is, its settings, what went in, what came out."""
        stack = waiting.get(id(module)) or [None]
        calls.append({"name": names.get(id(module), "?"), "type": type(module).__name__, "kind": course_kind(module),
                      "settings": layer_settings(module), "input": stack.pop(), "output": plain(output)})

    for module in model.modules():
        if not list(module.children()):
            handles += [module.register_forward_pre_hook(before), module.register_forward_hook(after)]
    try:
        output = model(inputs)
    finally:
        for handle in handles:
            handle.remove()
    return {"calls": calls[:MAX_LAYER_CALLS], "output": plain(output)}


def model_state(model: nn.Module) -> dict:
    """A model's state_dict as plain tensors, detached."""
    return {str(k): v.detach().clone() for k, v in model.state_dict().items()}


def unwrapped(state):
    """A checkpoint's model weights: the state_dict itself, or the "model_state_dict" inside it."""
    if isinstance(state, dict) and isinstance(state.get("model_state_dict"), dict):
        return state["model_state_dict"]
    return state


# ---- in the worker: the trusted rebuild ------------------------------------------------------------------

class Unrebuildable(Exception):
    """The student's model cannot be checked: it is not a network of the course's layers, or the rebuild from
    the weights the worker holds does not give what the student's model gave."""


@dataclass
class LayerCall:
    """One recorded call of a leaf layer, read from the student's reply as hostile data."""

    index: int
    name: str
    type: str
    kind: str | None
    settings: dict
    input: torch.Tensor
    output: torch.Tensor

    def label(self) -> str:
        """How a message names this layer: its position, class and name in the model."""
        return f"layer {self.index} ({self.type} '{self.name}')" if self.name else \
            f"layer {self.index} ({self.type}, the model itself)"


def float_tensor(value, what: str) -> torch.Tensor:
    """A claimed tensor as float32, refused unless it is a finite floating tensor."""
    if not torch.is_tensor(value) or not value.is_floating_point() or value.dim() == 0:
        raise Unrebuildable(f"{what} is not a tensor of numbers")
    value = value.float()
    if not torch.isfinite(value).all():
        raise Unrebuildable(f"{what} holds inf or nan")
    return value


def layer_calls(trace) -> tuple[list[LayerCall], torch.Tensor]:
    """The recorded layer calls and the model's output, checked to be the plain data a trace is."""
    if type(trace) is not dict or type(trace.get("calls")) is not list:
        raise Unrebuildable("the record of your model's layers cannot be read")
    calls = []
    for index, call in enumerate(trace["calls"][:MAX_LAYER_CALLS], 1):
        if type(call) is not dict or type(call.get("settings")) is not dict:
            raise Unrebuildable(f"the record of layer {index} cannot be read")
        name, kind = str(call.get("name", "?"))[:80], call.get("kind")
        calls.append(LayerCall(index, name, str(call.get("type", "?"))[:80], kind if kind in COURSE_LAYERS else None,
                               call["settings"], float_tensor(call.get("input"), f"what reached layer {index}"),
                               float_tensor(call.get("output"), f"what layer {index} gave")))
    return calls, float_tensor(trace.get("output"), "your model's output")


def close(got: torch.Tensor, want: torch.Tensor) -> bool:
    """Same shape and the same values up to TOLERANCE, relative to the values' size."""
    if tuple(got.shape) != tuple(want.shape):
        return False
    if not got.numel():
        return True
    scale = max(1.0, float(want.abs().max()))
    return bool(torch.isfinite(got).all()) and float((got - want).abs().max()) <= TOLERANCE * scale


def distance(got: torch.Tensor, want: torch.Tensor) -> float:
    """How far `got` lies from `want` in close()'s measure (the largest difference over the values' size): close
    means at most TOLERANCE. Infinite for another shape."""
    if tuple(got.shape) != tuple(want.shape):
        return math.inf
    if not got.numel():
        return 0.0
    return float((got - want).abs().max()) / max(1.0, float(want.abs().max()))


def largest_difference(got: torch.Tensor, want: torch.Tensor) -> str:
    """How far apart two tensors are, in words."""
    if tuple(got.shape) != tuple(want.shape):
        return f"shape {list(got.shape)} instead of {list(want.shape)}"
    return f"largest difference {float((got - want).abs().max()):.3g}" if got.numel() else "no values"


FUNCTIONS = {
    "identity": lambda x: x, "relu": F.relu, "gelu": F.gelu, "gelu_tanh": lambda x: F.gelu(x, approximate="tanh"),
    "tanh": torch.tanh, "sigmoid": torch.sigmoid, "silu": F.silu, "elu": F.elu,
}
ENDINGS = {"softmax": lambda x: F.softmax(x, dim=1), "log_softmax": lambda x: F.log_softmax(x, dim=1)}
DESCRIBED = {"relu": "ReLU", "gelu": "GELU", "gelu_tanh": "GELU", "tanh": "Tanh", "sigmoid": "Sigmoid",
             "silu": "SiLU", "elu": "ELU", "leaky_relu": "LeakyReLU", "softmax": "Softmax",
             "log_softmax": "LogSoftmax"}


class Between(nn.Module):
    """What a model does between two of its layers, rebuilt: a reshape (x.view(x.size(0), -1)), then a
    function from a short whitelist (F.relu, F.gelu, torch.tanh, ...); in train mode also a functional dropout."""

    def __init__(self, function: str, shape: tuple | None = None, slope: float = 0.0, p: float = 0.0) -> None:
        super().__init__()
        self.function, self.shape, self.slope, self.p = function, shape, slope, p

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """The reshape, then the function (a functional dropout is checked, never rebuilt: eval mode has none)."""
        if self.shape is not None:
            x = x.reshape(x.shape[0], *self.shape)
        if self.function == "leaky_relu":
            return F.leaky_relu(x, self.slope)
        return {**FUNCTIONS, **ENDINGS}[self.function](x)

    def is_identity(self) -> bool:
        """True when the model did nothing between the two layers."""
        return self.function == "identity" and self.shape is None and self.p == 0

    def described(self) -> list[dict]:
        """What this step is, in the course's layer names (for the layers check)."""
        out = [{"type": "view", "bases": ["Flatten"]}] if self.shape is not None and len(self.shape) == 1 else []
        if self.function in DESCRIBED:
            out.append({"type": f"F.{self.function}", "bases": [DESCRIBED[self.function]]})
        if self.p:
            out.append({"type": "F.dropout", "bases": ["Dropout"], "p": round(self.p, 6)})
        return out


def _view_shape(previous: torch.Tensor, claimed: torch.Tensor) -> tuple | None | bool:
    """The per-sample shape `claimed` has, when `previous` is viewed as it: None (same shape), or False."""
    if tuple(previous.shape) == tuple(claimed.shape):
        return None
    if previous.dim() and claimed.dim() and previous.shape[0] == claimed.shape[0] and \
            previous.numel() == claimed.numel():
        return tuple(claimed.shape[1:])
    return False


def _leaky_slope(value: torch.Tensor, claimed: torch.Tensor) -> float | None:
    """The slope of a leaky_relu that would turn `value` into `claimed`, if one could: what the negative entries
    were scaled by, over what the positive ones were (in train mode a dropout after it zeroes some entries of both
    and scales the rest by 1/(1-p); zeroed entries say nothing about the slope)."""
    kept = claimed != 0
    negative, positive = (value < -1e-3) & kept, (value > 1e-3) & kept
    if not negative.any():
        return None
    slope = float((claimed[negative] / value[negative]).median())
    if positive.any():
        slope /= float((claimed[positive] / value[positive]).median())
    return slope if 0 < slope < 1 else None


def _drops_like_dropout(value: torch.Tensor, claimed: torch.Tensor) -> bool:
    """Whether the zeros in `claimed` fall as a dropout's do, whatever the sign: some positive entries dropped,
    some kept, and negative ones not all dropped (a relu's zeros, or a plain scaling, are no dropout)."""
    positive, negative, dropped = value > 1e-3, value < -1e-3, claimed == 0
    if not (dropped & positive).any() or not (~dropped & (positive | negative)).any():
        return False
    return int(negative.sum()) < 10 or bool((~dropped & negative).any())


def _dropout_p(value: torch.Tensor, claimed: torch.Tensor) -> float | None:
    """The p of a dropout that turns `value` into `claimed` (some entries zeroed, the rest scaled by 1/(1-p))."""
    if not _drops_like_dropout(value, claimed):
        return None
    informative = (claimed != 0) & (value.abs() > 1e-3)
    scale = float((claimed[informative] / value[informative]).median())
    if not scale > 1 + 1e-6:
        return None
    p = round(1 - 1 / scale, 6)
    return p if dropped_out(value, claimed, p) else None


def dropped_out(value: torch.Tensor, claimed: torch.Tensor, p: float) -> bool:
    """Whether `claimed` is `value` through a dropout of probability p (some entries zeroed, the rest scaled)."""
    if p <= 0:
        return close(value, claimed)
    if p >= 1:
        return close(torch.zeros_like(value), claimed)
    return close(torch.where(claimed != 0, value / (1 - p), torch.zeros_like(value)), claimed)


def _with_dropout(candidate: Between, previous: torch.Tensor,
                  claimed: torch.Tensor) -> tuple[Between, int, float] | None:
    """`candidate` followed by a functional dropout, if that explains `claimed`; with how many entries it drops and
    how far its result lies from `claimed` (distance)."""
    value = candidate(previous)
    p = _dropout_p(value, claimed)
    if p is None:
        return None
    dropped = int(((claimed == 0) & (value.abs() > 1e-3)).sum())
    return Between(candidate.function, candidate.shape, candidate.slope, p), dropped, \
        distance(torch.where(claimed != 0, value / (1 - p), torch.zeros_like(value)), claimed)


def between(previous: torch.Tensor, claimed: torch.Tensor, where: str, ending: bool = False,
            training: bool = False) -> Between:
    """The step that turns `previous` into `claimed`, from the whitelist; Unrebuildable if none does."""
    shape = _view_shape(previous, claimed)
    if shape is not False:
        value = previous.reshape(previous.shape[0], *shape) if shape is not None else previous
        names = [*FUNCTIONS, *(ENDINGS if ending else ())]
        candidates = [Between(name, shape) for name in names]
        slope = _leaky_slope(value, claimed)
        if slope is not None:
            candidates.append(Between("leaky_relu", shape, slope))
        # the nearest step that fits is the reading, never the first: two steps of the whitelist can both lie within
        # TOLERANCE of what the model gave (gelu and its tanh form, relu and a leaky_relu of a tiny slope), and
        # the wrong one is off by more than TOLERANCE a layer later on some secret draws
        fits = [(distance(result, claimed), index) for index, result in
                enumerate(candidate(previous) for candidate in candidates) if close(result, claimed)]
        if fits:
            return candidates[min(fits)[1]]
        dropped = [found for found in (_with_dropout(candidate, previous, claimed) for candidate in candidates)
                   if found is not None] if training else []
        if dropped:  # relu then dropout also reads as dropout alone: the fewest dropped entries is the reading,
            return min(dropped, key=lambda found: found[1:])[0]  # then the nearest
        if any(_with_dropout(candidate, previous, claimed) for candidate in candidates):
            raise Unrebuildable(f"in eval mode, what {where} still has entries dropped out (F.dropout(x, p) drops "
                                "in every mode: pass training=self.training, or use nn.Dropout, which model.eval() "
                                "switches off)")
    raise Unrebuildable(f"what {where} is not something the check can rebuild from what came before it "
                        "(a skip connection, or an operation other than a reshape, relu, leaky_relu, gelu, tanh, "
                        "sigmoid or a final softmax?)")


def _setting(call: LayerCall, name: str, kinds: tuple, default):
    """One of a layer's settings, refused unless it has the type that setting has."""
    value = call.settings.get(name, default)
    if type(value) not in kinds:
        raise Unrebuildable(f"{call.label()} has an unreadable setting {name}")
    return value


def _tensor_of(state: dict, key: str, call: LayerCall, source: str) -> torch.Tensor:
    """The tensor `key` of a state_dict, for one layer; Unrebuildable if the weights do not hold it."""
    value = state.get(key)
    if not torch.is_tensor(value):
        raise Unrebuildable(f"{source} holds no tensor '{key}' for {call.label()}")
    return value.detach().clone()


def _linear(call: LayerCall, state: dict, source: str) -> nn.Linear:
    """An nn.Linear holding the weights `state` has for this layer."""
    prefix = f"{call.name}." if call.name else ""
    weight = _tensor_of(state, prefix + "weight", call, source).float()
    has_bias = (prefix + "bias") in state
    if weight.dim() != 2:
        raise Unrebuildable(f"{source}'s '{prefix}weight' has shape {list(weight.shape)}, not a Linear's")
    layer = nn.Linear(weight.shape[1], weight.shape[0], bias=has_bias)
    values = {"weight": weight, **({"bias": _tensor_of(state, prefix + "bias", call, source).float()} if has_bias else {})}
    _load(layer, values, call, source)
    return layer


def _batchnorm(call: LayerCall, state: dict, source: str) -> nn.BatchNorm1d:
    """An nn.BatchNorm1d with this layer's eps and the weights and running statistics `state` has for it."""
    prefix = f"{call.name}." if call.name else ""
    affine = _setting(call, "affine", (bool,), True)
    tracked = _setting(call, "track_running_stats", (bool,), True)
    eps = float(_setting(call, "eps", (float, int), 1e-5))
    keys = (["weight", "bias"] if affine else []) + (["running_mean", "running_var", "num_batches_tracked"]
                                                        if tracked else [])
    values = {key: _tensor_of(state, prefix + key, call, source) for key in keys}
    size = int(_setting(call, "num_features", (int,), 0))
    if not 0 < eps < 1 or size <= 0:
        raise Unrebuildable(f"{call.label()} has settings the check cannot rebuild (eps {eps}, {size} features)")
    layer = nn.BatchNorm1d(size, eps=eps, affine=affine, track_running_stats=tracked)
    _load(layer, {k: v.float() if k != "num_batches_tracked" else v.long() for k, v in values.items()}, call, source)
    return layer


def _load(layer: nn.Module, values: dict, call: LayerCall, source: str) -> None:
    """Load weights into a trusted layer; Unrebuildable if they do not fit it."""
    try:
        layer.load_state_dict(values)
    except (RuntimeError, KeyError) as error:
        raise Unrebuildable(f"{source}'s weights for {call.label()} do not fit an nn.{call.kind}: "
                            f"{str(error).splitlines()[0][:200]}") from None


def trusted_layer(call: LayerCall, state: dict, source: str) -> nn.Module:
    """The course's own layer for one recorded call, holding the weights `state` has for it."""
    kind = call.kind
    if kind == "Linear":
        return _linear(call, state, source)
    if kind == "BatchNorm1d":
        return _batchnorm(call, state, source)
    if kind == "Dropout":
        p = float(_setting(call, "p", (float, int), 0.5))
        if not 0 <= p <= 1:
            raise Unrebuildable(f"{call.label()} has p = {p}")
        return nn.Dropout(p)
    if kind == "Flatten":
        return nn.Flatten(int(_setting(call, "start_dim", (int,), 1)), int(_setting(call, "end_dim", (int,), -1)))
    if kind in ("Softmax", "LogSoftmax"):
        dim = _setting(call, "dim", (int, type(None)), None)
        return (nn.Softmax if kind == "Softmax" else nn.LogSoftmax)(dim=dim)
    if kind == "LeakyReLU":
        return nn.LeakyReLU(float(_setting(call, "negative_slope", (float, int), 0.01)))
    if kind == "GELU":
        approximate = _setting(call, "approximate", (str,), "none")
        if approximate not in ("none", "tanh"):
            raise Unrebuildable(f"{call.label()} has approximate = {approximate!r}")
        return nn.GELU(approximate)
    if kind == "ELU":
        return nn.ELU(float(_setting(call, "alpha", (float, int), 1.0)))
    if kind in ("ReLU", "Tanh", "Sigmoid", "SiLU", "Identity"):
        return getattr(nn, kind)()
    raise Unrebuildable(f"your model runs {call.label()}, a layer the check cannot rebuild")


@dataclass
class Rebuild:
    """A network rebuilt from the course's layers and checked against the student's model: the plan (each
    recorded call, or a step between calls) and the trusted model it makes with a given state_dict."""

    plan: list
    model: nn.Sequential

    def with_weights(self, state: dict, source: str) -> nn.Sequential:
        """The same network holding other weights (another checkpoint the same model saved)."""
        steps = [trusted_layer(step, state, source) if isinstance(step, LayerCall) else step for step in self.plan]
        return nn.Sequential(*steps).eval()

    def described(self) -> list[dict]:
        """The layers it runs, in order, in the course's names, with their sizes and p."""
        out = []
        for step, layer in zip(self.plan, self.model):
            if isinstance(step, Between):
                out += step.described()
            elif step.kind == "Linear":
                out.append({"type": step.type, "bases": ["Linear"], "in_features": layer.in_features,
                            "out_features": layer.out_features})
            elif step.kind == "Dropout":
                out.append({"type": step.type, "bases": ["Dropout"], "p": layer.p})
            else:
                out.append({"type": step.type, "bases": [step.kind]})
        return out


def rebuild(trace, state: dict, inputs: torch.Tensor, source: str) -> Rebuild:
    """The trusted rebuild of a model run in eval mode: layer by layer from `inputs`, each layer the course's own
    with the weights `state` holds, each result checked against what the student's model gave; Unrebuildable
    (saying where and why) as soon as one differs."""
    calls, output = layer_calls(trace)
    plan, layers, value = [], [], inputs.float()
    with torch.no_grad():
        for call in calls:
            step = between(value, call.input, f"reached {call.label()}")
            layer = trusted_layer(call, state, source).eval()
            value = layer(step(value))
            if not close(value, call.output):
                raise Unrebuildable(f"{call.label()} does not compute what an nn.{call.kind} with the weights in "
                                    f"{source} computes ({largest_difference(value, call.output)})")
            plan += [step, call] if not step.is_identity() else [call]
            layers += [step, layer] if not step.is_identity() else [layer]
        step = between(value, output, "your model returned", ending=True)
        if not step.is_identity():
            plan.append(step)
            layers.append(step)
    return Rebuild(plan, nn.Sequential(*layers).eval())


def check_training_pass(trace, state: dict, inputs: torch.Tensor, source: str) -> list[dict]:
    """Check a train-mode forward pass layer by layer (each dropout mask is the model's own, everything else
    must be the course's layers with these weights); the layers it ran, described; Unrebuildable if not."""
    calls, output = layer_calls(trace)
    previous, described = inputs.float(), []
    with torch.no_grad():
        for call in calls:
            step = between(previous, call.input, f"reached {call.label()} in train mode", training=True)
            layer = trusted_layer(call, state, source).train()
            right = dropped_out(call.input, call.output, layer.p) if isinstance(layer, nn.Dropout) \
                else close(layer(call.input), call.output)
            if not right:
                raise Unrebuildable(f"in train mode {call.label()} does not compute what an nn.{call.kind} computes")
            described += step.described() + Rebuild([call], nn.Sequential(layer)).described()
            previous = call.output
        described += between(previous, output, "your model returned in train mode", ending=True,
                             training=True).described()
    return described


def not_checkable(what: str, problem: Unrebuildable) -> str:
    """The message for a model the trusted rebuild cannot express: why, and what the checks accept."""
    return (f"{what} could not be checked: {problem}. The checks run a trusted copy of your network, rebuilt from "
            f"the layers your model runs, and compare it with your model on the same inputs; they accept {ACCEPTED}.")


def secret_weights(state: dict) -> dict:
    """The same tensors as a model's own state_dict, with values drawn here (the student cannot know them)."""
    generator = torch.Generator().manual_seed(secret_seed())
    out = {}
    for name, value in state.items():
        if not torch.is_tensor(value) or not value.is_floating_point():
            out[name] = value
        elif name.endswith("running_var"):
            out[name] = torch.rand(value.shape, generator=generator) + 0.5
        elif value.dim() >= 2:
            out[name] = torch.randn(value.shape, generator=generator) / math.sqrt(max(value.shape[1], 1))
        else:
            out[name] = torch.randn(value.shape, generator=generator) * 0.5
    return out


def claimed_state(value) -> dict:
    """A state_dict the student's process sent: names to tensors, refused otherwise."""
    if type(value) is not dict or not all(type(k) is str and torch.is_tensor(v) for k, v in value.items()):
        raise StudentBroken("your model's state_dict came back as something other than names and tensors")
    return value


def traced_checkpoint(model: nn.Module, path: Path, inputs: torch.Tensor) -> dict:
    """Load a checkpoint into the student's model and run it on the worker's inputs, its layers recorded."""
    try:
        model.load_state_dict(unwrapped(torch.load(path, map_location="cpu", weights_only=True)))
    except Exception as error:  # noqa: BLE001 - why it does not load is the feedback
        return {"load_error": f"{type(error).__name__}: {str(error)[:300]}"}
    model.eval()
    with torch.no_grad():
        return {"trace": traced_call(model, inputs)}


def judged_checkpoint(out: dict, data: bytes, inputs: torch.Tensor, source: str) -> tuple[Rebuild | None, dict]:
    """The trusted rebuild of the student's model from a checkpoint's bytes (read here, weights only) and the
    student's run of that checkpoint (`out["trace"]`), or why there is none."""
    try:
        state = state_dict_in(data)
    except Exception as error:  # noqa: BLE001 - why the weights-only loader refused is the feedback
        return None, {"load_error": f"{type(error).__name__}: {ANSI.sub('', str(error))[:300]}"}
    if "trace" not in out:
        return None, {"load_error": str(out.get("load_error", "your model did not run with it"))[:400]}
    try:
        return rebuild(out["trace"], state, inputs, source), {"state": state}
    except Unrebuildable as problem:
        return None, {"rebuild_error": not_checkable(source, problem)}


