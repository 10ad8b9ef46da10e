"""Probes for lesson 2.1.4: trusted code that runs in the worker, beside (never inside) the student's process.

Every start is drawn from `secret_seed()` here, after the student's process was forked: the weights, the data and
the seed of the dropout masks reach it as tensors and numbers it could not predict. The grader's own trajectory
from the same start is computed here too, with functional updates (`torch.func.functional_call`,
`torch.autograd.grad` and the update rule written out), never by the loop the lesson asks for.
"""

from __future__ import annotations

import torch
import torch.nn as nn
from torch.func import functional_call

from gradekit.course.given import SmallNet
from gradekit.probe import drawn_apart, secret_seed, student_step

OPTIMIZER_CLASSES = {"sgd": torch.optim.SGD, "adam": torch.optim.Adam}  # what the probe hands `train`
CRITERIA = {"mse": nn.MSELoss, "bce": nn.BCEWithLogitsLoss}
BETAS, EPS = (0.9, 0.999), 1e-8  # the course's (and PyTorch's) Adam defaults


def model_state(model: nn.Module) -> dict:
    """A model's state_dict as plain tensors, detached."""
    return {k: v.detach().clone() for k, v in model.state_dict().items()}


def secret_start(dropout: float, loss: str, n: int = 64) -> dict:
    """A start nobody can predict: SmallNet's weights, points of sin(x) on [-3, 3] (or its sign, as 0/1 labels, for
    a logistic loss) and the seed of the dropout masks."""
    seed = secret_seed()
    torch.manual_seed(seed)
    model = SmallNet(dropout=dropout)
    generator = torch.Generator().manual_seed(seed + 1)
    X = torch.rand(n, 1, generator=generator) * 6 - 3
    y = torch.sin(X) + 0.05 * torch.randn(n, 1, generator=generator)
    if loss == "bce":
        y = (y > 0).float()
    return {"start": model_state(model), "X": X, "y": y, "masks": secret_seed()}


def functional_trajectory(start: dict, X, y, *, rule: str, lr: float, epochs: int, dropout: float, masks: int,
                          loss: str = "mse", mode: str = "train", accumulate: bool = False, swapped: bool = False,
                          segments: tuple = ()) -> dict:
    """The grader's trajectory: per epoch, the loss of a forward pass with the current weights, its gradients from
    `torch.autograd.grad`, and the update rule applied by hand (SGD: p - lr·g; Adam: the course's formula).

    `accumulate` adds each epoch's gradients to the last ones, `swapped` calls criterion(y, y_hat), `mode="eval"`
    runs without dropout: what a loop with those mistakes computes, to name them. `segments` restarts the
    dropout seed where a second `train` call would (it does not reset the update rule's state)."""
    module = SmallNet(dropout=dropout)
    module.train(mode == "train")
    criterion = CRITERIA[loss]()
    names = [name for name, _ in module.named_parameters()]
    weights = {name: start[name].clone() for name in names}
    buffers = {name: value.clone() for name, value in start.items() if name not in weights}
    moments = {name: (torch.zeros_like(weights[name]), torch.zeros_like(weights[name])) for name in names}
    summed = {name: torch.zeros_like(weights[name]) for name in names}
    torch.manual_seed(masks)
    losses = []
    for t in range(1, epochs + 1):
        if t - 1 in segments:
            torch.manual_seed(masks)
        leaves = {name: weights[name].detach().requires_grad_() for name in names}
        prediction = functional_call(module, {**leaves, **buffers}, (X,))
        value = criterion(y, prediction) if swapped else criterion(prediction, y)
        gradients = torch.autograd.grad(value, [leaves[name] for name in names])
        losses.append(value.item())
        for name, gradient in zip(names, gradients):
            if accumulate:
                summed[name] = summed[name] + gradient
                gradient = summed[name]
            weight = leaves[name].detach()
            if rule == "sgd":
                weights[name] = weight.add(gradient, alpha=-lr)
            else:
                first, second = moments[name]
                first = first * BETAS[0] + (1 - BETAS[0]) * gradient
                second = second * BETAS[1] + (1 - BETAS[1]) * gradient * gradient
                moments[name] = (first, second)
                corrected = first / (1 - BETAS[0] ** t), second / (1 - BETAS[1] ** t)
                weights[name] = weight - lr * corrected[0] / (corrected[1].sqrt() + EPS)
    return {"losses": losses, "final": {**weights, **buffers}}


def plain_losses(losses) -> dict:
    """What `train` returned, described: the values as floats, and how many were tensors (with a graph or not)."""
    if not isinstance(losses, (list, tuple)):
        return {"kind": type(losses).__name__, "values": None, "tensors": 0, "with_graph": 0}
    values, tensors, with_graph = [], 0, 0
    for item in losses[:10_000]:
        if torch.is_tensor(item):
            tensors += 1
            with_graph += int(item.requires_grad or item.grad_fn is not None)
            values.append(float(item.detach().reshape(-1)[0]) if item.numel() else None)
        elif type(item) in (int, float) or (isinstance(item, (int, float)) and not isinstance(item, bool)):
            values.append(float(item))
        else:
            values.append(None)
    return {"kind": type(losses).__name__, "values": values, "tensors": tensors, "with_graph": with_graph}


# ---- exercise 1 -------------------------------------------------------------------------------------

@student_step
def call_make_optimizer(sub, name: str, params: list, grads: list, lr: float) -> dict:
    """make_optimizer(name, params, lr) on fresh leaf tensors; then, for each set of gradients, set .grad, step()
    and zero_grad(): the parameters after every step, and whether the optimizer holds the tensors it was given."""
    leaves = [p.clone().requires_grad_() for p in params]
    optimizer = sub.make_optimizer(name, iter(leaves), lr)
    held = [p for group in getattr(optimizer, "param_groups", []) for p in group.get("params", [])]
    out = {"type": type(optimizer).__name__, "held": len(held),
           "holds_given": len(held) == len(leaves) and all(any(h is leaf for h in held) for leaf in leaves),
           "after": [], "cleared": True}
    for step_grads in grads:
        for leaf, grad in zip(leaves, step_grads):
            leaf.grad = grad.clone()
        optimizer.step()
        optimizer.zero_grad()
        out["cleared"] = out["cleared"] and all(leaf.grad is None or not leaf.grad.any() for leaf in leaves)
        out["after"].append([leaf.detach().clone() for leaf in leaves])
    return out


def by_hand(rule: str, params: list, grads: list, lr: float, betas: tuple = BETAS, eps: float = EPS) -> list:
    """The parameters after each step of the update rule written out (SGD exactly as PyTorch rounds it; Adam with
    the course's betas and eps unless told other ones, to name what a mistake would give)."""
    weights = [p.clone() for p in params]
    moments = [(torch.zeros_like(p), torch.zeros_like(p)) for p in params]
    after = []
    for t, step_grads in enumerate(grads, start=1):
        for i, gradient in enumerate(step_grads):
            if rule == "sgd":
                weights[i] = weights[i].add(gradient, alpha=-lr)
                continue
            first = moments[i][0] * betas[0] + (1 - betas[0]) * gradient
            second = moments[i][1] * betas[1] + (1 - betas[1]) * gradient * gradient
            moments[i] = (first, second)
            step = lr * (first / (1 - betas[0] ** t)) / ((second / (1 - betas[1] ** t)).sqrt() + eps)
            weights[i] = weights[i] - step
        after.append([w.clone() for w in weights])
    return after


WRONG_ADAM = [{"betas": (0.9, 0.99)}, {"betas": (0.95, 0.999)}, {"eps": 1e-6}, {"eps": 1e-7}, {"eps": 1e-9},
              {"eps": 0.0}]  # other betas, other eps: what the Adam check names


def secret_gradient(generator, shape, small: bool) -> torch.Tensor:
    """Secret gradients; `small` ones span 1e-10 to 1 (log-uniform per element), down to Adam's eps (1e-8), where a
    step divides by sqrt(v) + eps and another eps changes it by a clear share of lr."""
    gradient = torch.randn(shape, generator=generator)
    return gradient * 10 ** (-10 * torch.rand(shape, generator=generator)) if small else gradient


def optimizer_steps(student, lr: float, steps: int = 3) -> dict:
    """For "sgd" and "adam": the optimizer make_optimizer built, stepped on secret parameters and gradients, beside
    the same steps by hand."""
    generator = torch.Generator().manual_seed(secret_seed())

    def secret_case():
        params = [torch.randn(4, 3, generator=generator), torch.randn(3, generator=generator)]
        return params, [[secret_gradient(generator, p.shape, small=p.dim() == 1) for p in params]
                        for _ in range(steps)]

    def adam_after(case, **settings):
        return torch.cat([w.flatten() for step in by_hand("adam", *case, lr, **settings) for w in step])

    # eps only shows where a gradient is as small as eps, and another beta2 only by a few 1e-4 at step 2: redraw
    # until each setting the Adam check names, set otherwise, lands clearly outside its tolerance
    params, grads = drawn_apart(secret_case, adam_after, lambda case: [adam_after(case, **wrong) for wrong in
                                                                       WRONG_ADAM], margin=1e-4)
    out = {"start": params}
    for name in ("sgd", "adam"):
        got, error = student.attempt(call_make_optimizer, name=name, params=params, grads=grads, lr=lr)
        out[name] = {"got": got, "error": error, "expected": by_hand(name, params, grads, lr)}
    return out


# ---- exercise 2 -------------------------------------------------------------------------------------

@student_step
def call_train(sub, start: dict, X, y, rule: str, lr: float, epochs, masks: int, dropout: float,
               loss: str = "mse", mode: str = "train") -> dict:
    """train(model, X, y, optimizer, criterion, epochs) on SmallNet holding `start` (left in `mode`), with the
    probe's own optimizer and criterion; `epochs` may be a list, one train call each with the same optimizer."""
    model = SmallNet(dropout=dropout)
    model.load_state_dict(start)
    model.train(mode == "train")
    optimizer = OPTIMIZER_CLASSES[rule](model.parameters(), lr=lr)
    criterion = CRITERIA[loss]()
    calls = []
    for count in epochs if isinstance(epochs, list) else [epochs]:
        torch.manual_seed(masks)
        calls.append(plain_losses(sub.train(model, X, y, optimizer, criterion, count)))
    return {"calls": calls, "final": model_state(model)}


RUNS = {  # name: (update rule, lr, epochs, dropout, loss, mode the model is handed in)
    "sgd": ("sgd", 0.1, 25, 0.1, "mse", "train"),
    "adam": ("adam", 0.02, 25, 0.1, "mse", "train"),
    "bce": ("sgd", 0.5, 15, 0.0, "bce", "train"),
    "eval_mode": ("sgd", 0.1, 10, 0.3, "mse", "eval"),
}


def one_run(student, run: str) -> dict:
    """The student's loop and the grader's from one secret start; for the runs whose mistakes have a shape, what
    the loop with that mistake would have computed."""
    rule, lr, epochs, dropout, loss, mode = RUNS[run]
    start = secret_start(dropout, loss)
    got, error = student.attempt(call_train, rule=rule, lr=lr, epochs=epochs, dropout=dropout, loss=loss, mode=mode,
                                 **start)
    common = {"start": start["start"], "X": start["X"], "y": start["y"], "rule": rule, "lr": lr, "epochs": epochs,
              "dropout": dropout, "masks": start["masks"], "loss": loss}
    reference = functional_trajectory(**common)
    out = {"settings": {"rule": rule, "lr": lr, "epochs": epochs, "loss": loss, "mode": mode}, "error": error,
           "losses": got["calls"][0] if got else None, "final": got["final"] if got else None,
           "reference": reference["losses"], "reference_final": reference["final"], "start": start["start"]}
    if run == "sgd":
        out["accumulated"] = functional_trajectory(**common, accumulate=True)["losses"]
    if run == "bce":
        out["swapped"] = functional_trajectory(**common, swapped=True)["losses"]
    if run == "eval_mode":
        out["dropout_off"] = functional_trajectory(**common, mode="eval")["losses"]
    return out


def fit_known_function(student, epochs: int = 200, lr: float = 0.05) -> dict:
    """The student's loop with Adam on sin(x) from a secret start (no dropout); the trained weights are read back
    and measured here, on a grid of [-3, 3] the loop never saw, beside the grader's own 200 epochs from the same
    start (on a slow start, about 3 in 10 000, even those end above the course's 0.02)."""
    start = secret_start(0.0, "mse")
    got, error = student.attempt(call_train, rule="adam", lr=lr, epochs=epochs, dropout=0.0, **start)
    out = {"error": error, "losses": got["calls"][0] if got else None, "grid_mse": None, "untrained_mse": None}
    grid = torch.linspace(-3, 3, 301).unsqueeze(1)
    model = SmallNet(dropout=0.0).eval()
    reference = functional_trajectory(start["start"], start["X"], start["y"], rule="adam", lr=lr, epochs=epochs,
                                      dropout=0.0, masks=start["masks"])["final"]
    with torch.no_grad():
        model.load_state_dict(reference)
        out["reference_mse"] = nn.functional.mse_loss(model(grid), torch.sin(grid)).item()
        model.load_state_dict(start["start"])
        out["untrained_mse"] = nn.functional.mse_loss(model(grid), torch.sin(grid)).item()
        if got:
            try:
                model.load_state_dict(got["final"])
            except (RuntimeError, KeyError, TypeError) as problem:
                out["error"] = {"type": "StateError", "message": str(problem)[:300]}
                return out
            out["grid_mse"] = nn.functional.mse_loss(model(grid), torch.sin(grid)).item()
    return out


def loop_runs(student) -> dict:
    """Every public run of exercise 2 in one worker: SGD and Adam on MSE, SGD on a logistic loss, a model handed
    in eval mode, and the fit of a known function."""
    out = {run: one_run(student, run) for run in RUNS}
    out["fit"] = fit_known_function(student)
    return out


# ---- exercise 3 -------------------------------------------------------------------------------------

class WatchedMSE(nn.MSELoss):
    """MSELoss that also notes, for each call, whether the prediction it got was being recorded (press Record)."""

    def __init__(self) -> None:
        super().__init__()
        self.recorded: list[bool] = []

    def forward(self, prediction, target):
        self.recorded.append(bool(prediction.requires_grad))
        return super().forward(prediction, target)


@student_step
def call_evaluate(sub, start: dict, X, y, dropout: float) -> dict:
    """evaluate(model, X, y, criterion) twice on SmallNet holding `start`, handed in training mode."""
    model = SmallNet(dropout=dropout)
    model.load_state_dict(start)
    model.train()
    criterion = WatchedMSE()
    first = sub.evaluate(model, X, y, criterion)
    second = sub.evaluate(model, X, y, criterion)
    returned = plain_losses([first, second])
    return {**returned, "returned_type": type(first).__name__, "recorded": criterion.recorded,
            "training_after": bool(model.training)}


def evaluate_run(student, dropout: float = 0.5) -> dict:
    """evaluate on a secret model and data, beside the loss computed here in eval mode and in training mode."""
    start = secret_start(dropout, "mse", n=128)
    out = student.call(call_evaluate, start=start["start"], X=start["X"], y=start["y"], dropout=dropout)
    model = SmallNet(dropout=dropout)
    model.load_state_dict(start["start"])
    with torch.no_grad():
        out["eval_loss"] = nn.functional.mse_loss(model.eval()(start["X"]), start["y"]).item()
    out["relative_tolerance"] = 1e-6
    return out
