"""Probes for lesson 2.2.3 (debugging and monitoring): trusted code that runs in the worker, beside (never inside)
the student's process.

Every model, batch, stale gradient, history and class count is drawn here from `secret_seed()` after the
student's process was forked, and everything a check compares against is computed here, by trusted code:

- the X-ray (exercise 1): the parameter counts and each leaf layer's output shape of the same network, measured
  here with forward hooks on a batch of the size the student's code was handed;
- the plumbing (exercise 2): the network `fixed_network()` returns crosses as its state_dict; the lesson's
  `PlumbingNet` is rebuilt here from it and must run on a secret batch;
- the pulse (exercises 3 and 4): the gradients of one backward pass from clear gradients, by
  `torch.autograd.grad` on a fresh copy of the network here; `diagnose` is handed norms computed here;
- the flight recorder (exercise 5): the event files the student's code wrote are copied here as plain files
  (no link followed, sizes capped) and read back with TensorBoard's own reader (`EventAccumulator`). Whatever
  wrote them, they are judged by what they hold;
- the silent failure (exercise 6): the verdict of the stated rule, computed here on histories drawn here.
"""

from __future__ import annotations

import itertools
import math
import os
import stat
import tempfile
from pathlib import Path

import torch
import torch.nn as nn
from gradekit.probe import StudentBroken, not_asked_for, one_per_case, reply, secret_seed, student_step

HEAD_IN = 32  # what PlumbingNet's body hands its head
EXPLODING_ABOVE, VANISHING_BELOW = 1e3, 1e-6  # diagnose's rule, as the notebook states it
PRIOR_TOLERANCE = 0.02  # detect_silent_failure: "within 0.02 of the class prior"
MAX_EVENT_FILES, MAX_EVENT_BYTES, MAX_DEPTH, MAX_ENTRIES = 32, 4 * 1024 * 1024, 4, 2000


# ---- the lesson's given code (trusted copies) ------------------------------------------------------------

class PlumbingNet(nn.Module):
    """Flatten → body (Linear, ReLU, Linear, ReLU) → head: Linear(head_in, 10), raw scores for 10 classes."""

    def __init__(self, head_in: int = 128) -> None:
        super().__init__()
        self.flatten = nn.Flatten()
        self.body = nn.Sequential(nn.Linear(28 * 28, 128), nn.ReLU(), nn.Linear(128, 32), nn.ReLU())
        self.head = nn.Linear(head_in, 10)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.body(self.flatten(x)))


def pulse_network(kind: str, seed: int = 0, batch: int = 64) -> tuple[nn.Module, torch.Tensor, torch.Tensor]:
    """A network whose gradients are "healthy", "vanishing" or "exploding", with a batch (X, y) of 4 classes."""
    generator = torch.Generator().manual_seed(seed)
    depth, activation = {"healthy": (4, nn.ReLU), "vanishing": (10, nn.Sigmoid), "exploding": (10, nn.ReLU)}[kind]
    layers, width = [], 20
    for _ in range(depth):
        layers += [nn.Linear(width, 32), activation()]
        width = 32
    model = nn.Sequential(*layers, nn.Linear(width, 4))
    with torch.no_grad():
        for layer in model:
            if isinstance(layer, nn.Linear):
                fan_in = layer.in_features
                scale = {"healthy": (2 / fan_in) ** 0.5, "vanishing": 0.2 / fan_in**0.5, "exploding": 4 / fan_in**0.5}
                layer.weight.copy_(torch.randn(layer.weight.shape, generator=generator) * scale[kind])
                layer.bias.copy_(torch.randn(layer.bias.shape, generator=generator) * 0.1)
    X = torch.randn(batch, 20, generator=generator)
    y = torch.randint(0, 4, (batch,), generator=generator)
    return model, X, y


def as_float(value) -> float | None:
    """A number the student's code returned, as a float (a Python number or a one-element tensor); else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    if torch.is_tensor(value) and value.numel() == 1:
        return float(value.detach().reshape(-1)[0])
    return None


# ---- exercise 1: the X-ray --------------------------------------------------------------------------------

LAYERS = {"flatten": nn.Flatten, "linear": nn.Linear, "relu": nn.ReLU, "tanh": nn.Tanh, "bn": nn.BatchNorm1d,
          "dropout": nn.Dropout}


def build(spec: list) -> nn.Module:
    """A network from a plain description: a list of layers [name, *args] or nested lists (a Sequential inside);
    a layer written ["frozen", name, *args] has requires_grad=False."""
    modules = []
    for item in spec:
        if item and isinstance(item[0], list):
            modules.append(build(item))
            continue
        frozen = item[0] == "frozen"
        name, *args = item[1:] if frozen else item
        layer = LAYERS[name](*args)
        if frozen:
            layer.requires_grad_(False)
        modules.append(layer)
    return nn.Sequential(*modules)


def secret_architecture(kind: str) -> tuple[list, list, list]:
    """A network description and two input sizes of different batch sizes nobody can predict: MNIST-sized images
    with a frozen first layer, or (kind "nested") vectors through a Sequential inside a Sequential, with BatchNorm1d.
    Two batch sizes, so that an X-ray taken of a batch of one's own can match at most one of them (one batch size
    drawn from eleven matched a size of one's own on 1 grading in 11)."""
    generator = torch.Generator().manual_seed(secret_seed())

    def pick(low: int, high: int) -> int:
        return int(torch.randint(low, high + 1, (1,), generator=generator))

    batch, first, second = pick(3, 13), pick(17, 90), pick(5, 40)
    if kind == "images":
        spec = [["flatten"], ["frozen", "linear", 784, first], ["relu"], ["linear", first, second], ["tanh"],
                ["linear", second, 10]]
        shape = [1, 28, 28]
    else:
        features = pick(6, 30)
        spec = [["linear", features, first], ["bn", first], ["relu"],
                [["linear", first, second], ["relu"], ["dropout", 0.2]], ["frozen", "linear", second, 3]]
        shape = [features]
    other = pick(3, 12)
    other += other >= batch  # any batch size of 3 to 13 but the first one
    return spec, [batch, *shape], [other, *shape]


def plain_summary(returned) -> dict:
    """What model_summary returned, as plain data: counts as ints, shapes as lists of ints (None where not)."""
    if not isinstance(returned, dict):
        return {"kind": type(returned).__name__}

    def count(value):
        return int(value) if isinstance(value, int) and not isinstance(value, bool) else (
            int(value.item()) if torch.is_tensor(value) and value.numel() == 1 else None)

    shapes = returned.get("output_shapes")
    plain_shapes = None
    if isinstance(shapes, (list, tuple)):
        plain_shapes = []
        for shape in list(shapes)[:1000]:
            if isinstance(shape, (list, tuple)) and all(isinstance(d, int) and not isinstance(d, bool)
                                                        for d in shape):
                plain_shapes.append([int(d) for d in shape][:16])
            else:
                plain_shapes.append(None)
    return {"kind": "dict", "keys": sorted(str(k) for k in returned)[:20],
            "total_params": count(returned.get("total_params")),
            "trainable_params": count(returned.get("trainable_params")), "output_shapes": plain_shapes}


@student_step
def call_model_summary(sub, spec: list, input_size: list) -> dict:
    """model_summary(model, input_size) on the described network, input_size a tuple of ints."""
    torch.manual_seed(0)
    return plain_summary(sub.model_summary(build(spec), tuple(input_size)))


def leaf_shapes(model: nn.Module, input_size: list) -> list:
    """The output shape of every leaf layer, in the order the forward pass runs them, on a batch of input_size."""
    shapes = []
    hooks = [module.register_forward_hook(lambda m, i, o: shapes.append(list(o.shape)))
             for module in model.modules() if not list(module.children())]
    model.eval()
    with torch.no_grad():
        model(torch.zeros(input_size))
    for hook in hooks:
        hook.remove()
    return shapes


def summary_reply(student, spec: list, input_size: list) -> dict:
    """model_summary on the described network and input size, once its reply has the shape asked for."""
    got = reply(student.call(call_model_summary, spec=spec, input_size=input_size), what="model_summary", kind=str)
    shapes = got.get("output_shapes")
    if got["kind"] == "dict" and not (
            all(key in got for key in ("total_params", "trainable_params", "output_shapes"))
            and (shapes is None or (type(shapes) is list and all(
                shape is None or (type(shape) is list and all(type(d) is int for d in shape)) for shape in shapes)))):
        raise not_asked_for("model_summary")
    return got


def summary_probe(student, kind: str) -> dict:
    """model_summary on a secret network and batch size, beside the counts and shapes measured here; and `again`,
    the same network's X-ray on a batch of another secret size, beside its shapes."""
    spec, input_size, other_size = secret_architecture(kind)
    got = summary_reply(student, spec, input_size)
    again = summary_reply(student, spec, other_size)
    model = build(spec)
    return {"returned": got, "input_size": input_size,
            "total": sum(p.numel() for p in model.parameters()),
            "trainable": sum(p.numel() for p in model.parameters() if p.requires_grad),
            "shapes": leaf_shapes(model, input_size),
            "unbatched_shapes": [[1, *s[1:]] for s in leaf_shapes(model, input_size)],
            "again": {"returned": again, "input_size": other_size, "shapes": leaf_shapes(model, other_size)}}


# ---- exercise 2: the plumbing -------------------------------------------------------------------------------

@student_step
def call_fixed_network(sub) -> dict:
    """fixed_network(): its class name and its state_dict."""
    net = sub.fixed_network()
    state = net.state_dict() if isinstance(net, nn.Module) else {}
    return {"type": type(net).__name__, "state": {str(k): v.detach().clone() for k, v in state.items()
                                                  if torch.is_tensor(v)}}


def plumbing_probe(student) -> dict:
    """The lesson's PlumbingNet rebuilt here from fixed_network()'s state_dict, run on a secret batch."""
    got = reply(student.call(call_fixed_network), what="fixed_network()", type=str, state=dict)
    if not all(torch.is_tensor(value) for value in got["state"].values()):
        raise not_asked_for("fixed_network()")
    head = got["state"].get("head.weight")
    out = {"type": got["type"], "head_in": int(head.shape[1]) if head is not None and head.dim() == 2 else None,
           "body_out": HEAD_IN, "runs": False, "problem": None}
    if out["head_in"] is None:
        out["problem"] = "it has no head.weight: return a PlumbingNet"
        return out
    net = PlumbingNet(head_in=out["head_in"])
    try:
        net.load_state_dict(got["state"])
        batch = torch.randn(int(torch.randint(2, 9, (1,), generator=torch.Generator().manual_seed(secret_seed()))),
                            1, 28, 28)
        logits = net(batch)
        out["runs"] = list(logits.shape) == [batch.shape[0], 10]
        out["output_shape"] = list(logits.shape)
    except (RuntimeError, KeyError, ValueError) as error:
        out["problem"] = str(error).splitlines()[0][:300]
    return out


# ---- exercises 3 and 4: the pulse ----------------------------------------------------------------------------

def plain_norms(returned) -> dict:
    """What gradient_norms returned: {name: float or None}, or what it was instead."""
    if not isinstance(returned, dict):
        return {"kind": type(returned).__name__, "norms": None}
    return {"kind": "dict", "norms": {str(k): as_float(v) for k, v in list(returned.items())[:200]}}


@student_step
def call_gradient_norms(sub, kind: str, seed: int, stale: dict) -> dict:
    """gradient_norms(model, X, y, nn.CrossEntropyLoss()) on the pulse network of (kind, seed), whose parameters
    still hold the gradients of an earlier step (`stale`)."""
    model, X, y = pulse_network(kind, seed)
    for name, param in model.named_parameters():
        param.grad = stale[name].clone()
    return plain_norms(sub.gradient_norms(model, X, y, nn.CrossEntropyLoss()))


def true_gradients(kind: str, seed: int) -> dict:
    """The gradients of one forward and backward pass of the pulse network, from clear gradients."""
    model, X, y = pulse_network(kind, seed)
    names = [name for name, _ in model.named_parameters()]
    grads = torch.autograd.grad(nn.functional.cross_entropy(model(X), y), list(model.parameters()))
    return {"names": names, "grads": dict(zip(names, grads)), "weights": dict(model.named_parameters())}


def norms_probe(student, kind: str) -> dict:
    """gradient_norms on a secret pulse network holding stale gradients, beside the norms of its fresh gradients
    computed here, and what the named mistakes would have returned (the weights' norms, the stale gradients',
    and stale + fresh for gradients never cleared)."""
    seed = secret_seed()
    truth = true_gradients(kind, seed)
    generator = torch.Generator().manual_seed(secret_seed())
    stale = {name: torch.randn(g.shape, generator=generator) * 0.5 for name, g in truth["grads"].items()}
    got = reply(student.call(call_gradient_norms, kind=kind, seed=seed, stale=stale), what="gradient_norms", kind=str)
    if got["kind"] == "dict" and not (type(got.get("norms")) is dict and all(
            value is None or type(value) is float for value in got["norms"].values())):
        raise not_asked_for("gradient_norms")
    grads = truth["grads"]
    with torch.no_grad():
        return {"returned": got, "names": truth["names"],
                "expected": {n: torch.linalg.vector_norm(g).item() for n, g in grads.items()},
                "weights": {n: torch.linalg.vector_norm(w).item() for n, w in truth["weights"].items()},
                "stale": {n: torch.linalg.vector_norm(s).item() for n, s in stale.items()},
                "accumulated": {n: torch.linalg.vector_norm(stale[n] + g).item() for n, g in grads.items()}}


def by_rule(norms: dict) -> str:
    """diagnose's rule, as the notebook states it: the largest norm decides "exploding" first, then the smallest."""
    ordered = sorted(norms.values())
    return "exploding" if ordered[-1] > EXPLODING_ABOVE else "vanishing" if ordered[0] < VANISHING_BELOW else "healthy"


@student_step
def call_diagnose(sub, cases: list) -> dict:
    """diagnose(norms) for each dict of norms; each answer as text, or what it was instead."""
    answers = []
    for norms in cases:
        answer = sub.diagnose(dict(norms))
        answers.append(answer if isinstance(answer, str) else f"<{type(answer).__name__}>")
    return {"answers": [a[:40] for a in answers]}


def diagnose_probe(student, kinds: list) -> dict:
    """diagnose on the norms of secret pulse networks of each kind, computed here (so a wrong gradient_norms never
    costs this exercise)."""
    cases = []
    for kind in kinds:
        truth = true_gradients(kind, secret_seed())
        norms = {n: torch.linalg.vector_norm(g).item() for n, g in truth["grads"].items()}
        assert by_rule(norms) == kind, f"the {kind} pulse network reads as {by_rule(norms)}"
        cases.append(norms)
    got = reply(student.call(call_diagnose, cases=cases), what="diagnose(norms)")
    answers = one_per_case(got.get("answers"), cases, "diagnose(norms)")
    return {"answers": answers, "kinds": kinds, "norms": cases}


def boundary_probe(student) -> dict:
    """diagnose on hand-made norms on either side of the rule's thresholds (secret names and magnitudes)."""
    generator = torch.Generator().manual_seed(secret_seed())

    def norms(low: float, high: float) -> dict:
        values = torch.rand(6, generator=generator) * 0.5 + 0.1
        named = {f"layers.{i}.weight": float(v) for i, v in enumerate(values)}
        named["layers.0.weight"], named["layers.5.weight"] = low, high
        return named

    cases = {"healthy": norms(3e-6, 600.0), "exploding": norms(0.2, 2.5e3), "vanishing": norms(4e-7, 0.8),
             "both": norms(1e-9, 5e4)}
    got = reply(student.call(call_diagnose, cases=list(cases.values())), what="diagnose(norms)")
    answers = one_per_case(got.get("answers"), cases, "diagnose(norms)")
    return {"answers": answers, "cases": list(cases), "expected": [by_rule(c) for c in cases.values()],
            "norms": list(cases.values())}


# ---- exercise 5: the flight recorder -------------------------------------------------------------------------

@student_step
def call_log_history(sub, log_dir: str, history: dict) -> dict:
    """log_history(log_dir, history), with the history as lists of Python floats."""
    returned = sub.log_history(log_dir, {name: list(values) for name, values in history.items()})
    return {"returned": type(returned).__name__}


def event_files(root: Path) -> list[Path]:
    """Every file named like a TensorBoard event file under `root`, without following a link: few levels deep, a
    few thousand entries looked at, a few dozen files kept."""
    found, stack, seen = [], [(root, 0)], 0
    while stack and len(found) < MAX_EVENT_FILES and seen < MAX_ENTRIES:
        folder, depth = stack.pop()
        try:
            with os.scandir(folder) as listing:
                entries = sorted(itertools.islice(listing, MAX_ENTRIES - seen), key=lambda e: e.name)
        except OSError:
            continue
        seen += len(entries)
        for entry in entries:
            try:
                info = entry.stat(follow_symlinks=False)
            except OSError:  # gone already, or hidden from the worker: nothing to read
                continue
            if stat.S_ISDIR(info.st_mode) and depth < MAX_DEPTH:
                stack.append((Path(entry.path), depth + 1))
            elif "tfevents" in entry.name:
                found.append(Path(entry.path))
    return found[:MAX_EVENT_FILES]


def read_back(student, name: str) -> dict:
    """Copy the event files the student's code wrote under `name` into a folder of the worker's own, and read
    each back with TensorBoard's EventAccumulator: {series: [[step, value], ...]} per run folder and tag."""
    from tensorboard.backend.event_processing.event_accumulator import SCALARS, EventAccumulator

    root = student.workdir / name
    series, problems, count = {}, [], 0
    with tempfile.TemporaryDirectory(prefix="gk-events-") as private:
        for index, path in enumerate(event_files(root)):
            relative = path.relative_to(student.workdir).as_posix()
            try:
                data = student.file(relative, limit=MAX_EVENT_BYTES)
            except StudentBroken as refused:
                problems.append(str(refused))
                continue
            if data is None:
                continue
            count += 1
            run = path.parent.relative_to(root).as_posix()
            copy = Path(private) / f"{index}" / "events.out.tfevents.copy"
            try:
                copy.parent.mkdir()
                copy.write_bytes(data)
                reader = EventAccumulator(str(copy), size_guidance={SCALARS: 0})
                reader.Reload()
                tags = reader.Tags().get("scalars", [])
                for tag in tags:
                    points = [[int(e.step), float(e.value)] for e in reader.Scalars(tag)]
                    series.setdefault(f"{run}\n{tag}", []).extend(points)
            except Exception as error:  # noqa: BLE001 - a file TensorBoard cannot read is judged as holding nothing
                problems.append(f"{relative}: {type(error).__name__}: {str(error)[:200]}")
    return {"series": series, "files": count, "problems": problems[:5], "exists": root.is_dir()}


def secret_history(keys: list, epochs: int) -> dict:
    """A believable history nobody can predict: losses falling, accuracies rising, with noise."""
    generator = torch.Generator().manual_seed(secret_seed())
    history = {}
    for key in keys:
        start, noise = float(torch.rand(1, generator=generator)) + 0.5, torch.rand(epochs, generator=generator)
        if "acc" in key:
            values = [min(0.99, 0.3 + 0.6 * (1 - math.exp(-e / 4)) + 0.02 * float(n)) for e, n in enumerate(noise)]
        else:
            values = [start * math.exp(-e / 5) + 0.01 * float(n) for e, n in enumerate(noise)]
        history[key] = [round(v, 6) for v in values]
    return history


def recorder_probe(student, keys: list, epochs: int, nested: bool = False) -> dict:
    """log_history on a secret history into a fresh log_dir; its event files read back here."""
    tag = f"{secret_seed():08x}"
    name = f"runs/{tag}/flight" if nested else f"runs-{tag}"
    history = secret_history(keys, epochs)
    got, error = student.attempt(call_log_history, log_dir=str(student.workdir / name), history=history)
    return {"error": error, "history": history, "log_dir": name, **read_back(student, name)}


# ---- exercise 6: the silent failure ----------------------------------------------------------------------------

def silent_cases(names: list) -> list:
    """Histories and class counts nobody can predict, one per named situation."""
    generator = torch.Generator().manual_seed(secret_seed())

    def uniform(low: float, high: float) -> float:
        return low + (high - low) * float(torch.rand(1, generator=generator))

    cases = []
    for name in names:
        classes = int(torch.randint(3, 11, (1,), generator=generator))
        balanced = name == "balanced_prior"
        majority = 1.0 / classes if balanced else uniform(0.4, 0.8)
        total = int(torch.randint(800, 5000, (1,), generator=generator))
        top = round(total * majority) if not balanced else total // classes
        rest = [(total - top) // (classes - 1)] * (classes - 1) if not balanced else [top] * (classes - 1)
        counts = [top, *rest]
        order = torch.randperm(classes, generator=generator).tolist()
        counts = [counts[i] for i in order]
        prior = max(counts) / sum(counts)
        epochs = int(torch.randint(6, 15, (1,), generator=generator))
        first = uniform(1.2, 2.3)
        falling = [first * (0.97 ** e) + 0.004 * float(torch.rand(1, generator=generator)) for e in range(epochs)]
        rising = [first * (1.05 ** e) for e in range(epochs)]
        at_prior = [prior + uniform(-0.012, 0.012) for _ in range(epochs)]
        learning = [min(0.98, prior + (0.95 - prior) * e / (epochs - 1)) for e in range(epochs)]
        loss, accuracy = {"silent": (falling, at_prior), "balanced_prior": (falling, at_prior),
                          "working": (falling, learning), "loud": (rising, at_prior),
                          "uniform_guess": (falling, [1.0 / classes + uniform(-0.005, 0.005)
                                                      for _ in range(epochs)])}[name]
        history = {"loss": [round(v, 5) for v in loss], "accuracy": [round(min(1.0, max(0.0, v)), 5)
                                                                     for v in accuracy]}
        expected = history["loss"][-1] < history["loss"][0] and abs(history["accuracy"][-1] - prior) <= \
            PRIOR_TOLERANCE
        cases.append({"name": name, "history": history, "class_counts": counts, "prior": prior,
                      "expected": bool(expected)})
    return cases


@student_step
def call_detect_silent_failure(sub, cases: list) -> dict:
    """detect_silent_failure(history, class_counts) for each case: True, False, or what it was instead."""
    answers = []
    for case in cases:
        answer = sub.detect_silent_failure({k: list(v) for k, v in case["history"].items()},
                                           list(case["class_counts"]))
        answers.append(bool(answer) if isinstance(answer, bool) or type(answer).__name__ == "bool_" else
                       f"<{type(answer).__name__}>")
    return {"answers": answers}


def silent_probe(student, names: list) -> dict:
    """detect_silent_failure on secret histories, beside the stated rule's verdict computed here."""
    cases = silent_cases(names)
    got = reply(student.call(call_detect_silent_failure,
                             cases=[{"history": c["history"], "class_counts": c["class_counts"]} for c in cases]),
                what="detect_silent_failure(history, class_counts)")
    answers = one_per_case(got.get("answers"), cases, "detect_silent_failure(history, class_counts)")
    return {"answers": answers, "cases": cases}
