"""Probes for lesson 2.1.2: trusted code that runs in the worker, beside (never inside) the student's process.

The student's process gets inputs and nothing it is compared against: functions described by the judge and
points to differentiate (the finite differences are taken here, after it answered), parameters and gradients
drawn from `secret_seed()`, line data drawn from a secret seed (the grader's trajectory is worked out here by
the Series 1 math, gradients written by hand in float64: a second representation of the same fit).
"""

from __future__ import annotations

import torch
from gradekit.probe import drawn_apart, one_per_case, secret_seed, student_step

# ---- shared -----------------------------------------------------------------------------------------------

OPS = ("sin", "cos", "exp", "tanh", "square", "cube", "sigmoid", "softplus", "log1p_square")


def apply_op(op: str, u: torch.Tensor) -> torch.Tensor:
    """One elementwise building block of a drawn function."""
    if op == "square":
        return u * u
    if op == "cube":
        return u * u * u
    if op == "log1p_square":
        return torch.log1p(u * u)
    if op == "softplus":
        return torch.nn.functional.softplus(u)
    return getattr(torch, op)(u)


def build_function(spec: dict):
    """The scalar function a spec describes: sum of coef * op(a * x + c) over terms, plus couplings between
    coordinates (couple * (sum x)^2 and pair * sum(x * roll(x))), so no coordinate's gradient is alone."""

    def f(x: torch.Tensor) -> torch.Tensor:
        total = x.sum() * 0.0
        for term in spec["terms"]:
            total = total + term["coef"] * apply_op(term["op"], term["a"] * x + term["c"]).sum()
        flat = x.reshape(-1)
        total = total + spec.get("couple", 0.0) * flat.sum() ** 2
        total = total + spec.get("pair", 0.0) * (flat * flat.roll(1)).sum()
        return total

    return f


def finite_differences(spec: dict, x: torch.Tensor, h: float = 1e-6) -> torch.Tensor:
    """Central differences (f(x + h e_i) - f(x - h e_i)) / 2h per coordinate, in float64: the grader's gradient."""
    f = build_function(spec)
    base = x.detach().to(torch.float64)
    grad = torch.zeros_like(base).reshape(-1)
    with torch.no_grad():
        for i in range(base.numel()):
            step = torch.zeros_like(base).reshape(-1)
            step[i] = h
            step = step.reshape(base.shape)
            grad[i] = (f(base + step) - f(base - step)) / (2 * h)
    return grad.reshape(base.shape)


def course_words(error: dict | None) -> str | None:
    """An autograd error as the course says it (press Record / Rewind, clear, compute, use), or None."""
    if not error:
        return None
    message = str(error.get("message", ""))
    kind = str(error.get("type", "Error"))
    said = f"{kind}: {message.splitlines()[0][:200] if message else ''}"
    if "backward through the graph a second time" in message:
        return (f"backward() was called twice on one recording ({said}). A rewind uses up the tape: compute the "
                "loss anew for every backward() (clear, compute, use: the forward pass belongs inside the loop).")
    if "leaf Variable that requires grad" in message and "in-place" in message:
        return (f"An in-place update of a parameter ran while recording ({said}). The update is not part of the "
                "model: pause the recording with `with torch.no_grad():` around it.")
    if "does not require grad and does not have a grad_fn" in message:
        return (f"backward() found nothing recorded ({said}): the loss does not depend on any tensor with "
                "requires_grad=True. Press Record on the parameters (requires_grad=True), and do not reach around "
                "the tape with .data or .detach() in the forward pass. If the parameters were replaced by an update "
                "outside torch.no_grad(), they stopped being leaves.")
    if "NoneType" in message:
        return (f"A gradient was None ({said}). Only leaf tensors (created with requires_grad=True) get a .grad "
                "on a rewind; a tensor computed from one (an update outside torch.no_grad(), `w * 0.01`, "
                "`.double()`) is not a leaf and its .grad stays None.")
    if "Can't call numpy() on Tensor that requires grad" in message:
        return f"A recording tensor cannot become numpy ({said}): snip the tape with .detach() first."
    return None


def plain(value):
    """A number as a float, a one-element tensor as its float, anything else described."""
    if type(value) in (int, float, bool):
        return float(value)
    if torch.is_tensor(value) and value.numel() == 1:
        return float(value.detach().reshape(()))
    return None


def describe(value) -> str:
    """What a returned value is, for a message."""
    if torch.is_tensor(value):
        return f"a tensor of shape {list(value.shape)} and dtype {str(value.dtype).replace('torch.', '')}"
    return f"{type(value).__name__} {repr(value)[:60]}"


# ---- exercise 1 -------------------------------------------------------------------------------------------

@student_step
def call_grad_of(sub, cases: list) -> list:
    """grad_of(f, x) on every case; what came back, and how f was called (times, on a recording tensor?)."""
    out = []
    for case in cases:
        x = case["x"]
        before = x.clone()
        seen = {"calls": 0, "recording": True}
        f = build_function(case["spec"])

        def counted(t, f=f, seen=seen):
            seen["calls"] += 1
            seen["recording"] = seen["recording"] and torch.is_tensor(t) and bool(t.requires_grad)
            return f(t)

        returned = sub.grad_of(counted, x)
        row = {"returned": describe(returned), "calls": seen["calls"], "recording": seen["recording"],
               "untouched": bool(not x.requires_grad and x.grad is None and torch.equal(x.detach(), before))}
        if torch.is_tensor(returned):
            row["grad"] = returned.detach().clone()
            row["requires_grad"] = bool(returned.requires_grad)
        out.append(row)
    return out


def grad_cases(student, cases: list) -> list:
    """grad_of on the judge's functions and points (float32 tensors); the finite differences taken here."""
    inputs = [{"spec": c["spec"], "x": torch.tensor(c["x"], dtype=torch.float32).reshape(c["shape"])} for c in cases]
    rows, error = student.attempt(call_grad_of, cases=inputs)
    if error is not None:
        return {"error": course_words(error), "raw": f"{error.get('type')}: {str(error.get('message'))[:300]}"}
    for row, case in zip(one_per_case(rows, inputs, "grad_of(f, x)"), inputs):
        row["expected"] = finite_differences(case["spec"], case["x"]).to(torch.float32)
        row["x"] = case["x"]
    return {"rows": rows}


@student_step
def call_grad_of_twice(sub, x: torch.Tensor) -> dict:
    """grad_of twice on the same x; the caller's x after each call."""
    f = build_function(UNTOUCHED_SPEC)
    before = x.clone()
    out = {}
    for name in ("first", "second"):
        returned = sub.grad_of(f, x)
        out[name] = returned.detach().clone() if torch.is_tensor(returned) else describe(returned)
        out[f"{name}_requires_grad"] = bool(returned.requires_grad) if torch.is_tensor(returned) else None
        out[f"{name}_grad_fn"] = type(returned.grad_fn).__name__ if torch.is_tensor(returned) and \
            returned.grad_fn is not None else None
        out[f"x_requires_grad_after_{name}"] = bool(x.requires_grad)
        out[f"x_grad_after_{name}"] = None if x.grad is None else x.grad.detach().clone()
        out[f"x_changed_after_{name}"] = not torch.equal(x.detach(), before)
    return out


UNTOUCHED_SPEC = {"terms": [{"op": "sin", "coef": 1.5, "a": 1.0, "c": 0.5}, {"op": "square", "coef": 0.5, "a": 1.0,
                                                                            "c": 0.0}], "couple": 0.25}


def grad_twice(student, n: int) -> dict:
    """grad_of called twice on one secret x: whether the caller's x started recording, got a .grad or changed."""
    x = torch.rand(n, generator=torch.Generator().manual_seed(secret_seed())) * 4 - 2
    out, error = student.attempt(call_grad_of_twice, x=x)
    if error is not None:
        return {"error": course_words(error), "raw": f"{error.get('type')}: {str(error.get('message'))[:300]}"}
    return {**out, "expected": finite_differences(UNTOUCHED_SPEC, x).to(torch.float32)}


# ---- exercise 2 -------------------------------------------------------------------------------------------

@student_step
def call_sgd_step(sub, values: list, grads: list, lr: float) -> dict:
    """sgd_step_ on leaves holding `values` with `grads` in .grad; each parameter's state afterwards."""
    params = [v.clone().requires_grad_(True) for v in values]
    for p, g in zip(params, grads):
        p.grad = g.clone()
    originals = list(params)
    returned = sub.sgd_step_(params, lr)
    rows = []
    for i, p in enumerate(originals):
        now = params[i] if i < len(params) else None
        rows.append({"value": p.detach().clone(), "is_leaf": bool(p.is_leaf), "requires_grad": bool(p.requires_grad),
                     "grad": None if p.grad is None else p.grad.detach().clone(),
                     "same_object": now is p,
                     "now_is_leaf": bool(now.is_leaf) if torch.is_tensor(now) else None,
                     "now_grad_fn": type(now.grad_fn).__name__ if torch.is_tensor(now) and now.grad_fn is not None
                     else None,
                     "now_value": now.detach().clone() if torch.is_tensor(now) else None})
    return {"params": rows, "returned": None if returned is None else describe(returned)}


def sgd_case(student, shapes: list, lr: float) -> dict:
    """sgd_step_ on secret parameters and gradients of the given shapes; the expected update computed here."""
    generator = torch.Generator().manual_seed(secret_seed())
    values = [torch.randn(shape, generator=generator) for shape in shapes]
    grads = [torch.randn(shape, generator=generator) for shape in shapes]
    out, error = student.attempt(call_sgd_step, values=values, grads=grads, lr=lr)
    if error is not None:
        return {"error": course_words(error), "raw": f"{error.get('type')}: {str(error.get('message'))[:300]}"}
    rows = one_per_case(out.get("params") if isinstance(out, dict) else None, values, "sgd_step_(params, lr)")
    with torch.no_grad():
        expected = [v - lr * g for v, g in zip(values, grads)]
    return {**out, "params": rows, "expected": expected, "before": values, "grads": grads}


# ---- exercise 3 -------------------------------------------------------------------------------------------

def secret_line(n: int, generator: torch.Generator | None = None) -> dict:
    """Points near a secret line (float32), drawn here: the student's process gets the points, never the seed."""
    generator = generator or torch.Generator().manual_seed(secret_seed())
    w_true, b_true = (torch.rand(2, generator=generator, dtype=torch.float64) * 6 - 3).tolist()
    X = torch.rand(n, generator=generator) * 4 - 2
    y = (w_true * X + b_true + 0.1 * torch.randn(n, generator=generator)).to(torch.float32)
    return {"X": X, "y": y, "w_true": w_true, "b_true": b_true}


def by_hand(X: torch.Tensor, y: torch.Tensor, lr: float, steps: int, clear: bool = True, learns: str = "wb") -> dict:
    """Gradient descent on the mean squared error with the gradients written out (Series 1), in float64.

    With clear=False the gradients are summed over the steps, as backward() does when nobody clears them; a
    parameter not in `learns` stays at 0, as one the tape never reaches (a loss computed from w.data, say)."""
    X, y = X.to(torch.float64), y.to(torch.float64)
    w = b = 0.0
    kept_w = kept_b = 0.0
    losses, grads_w = [], []
    for _ in range(steps):
        error = w * X + b - y
        losses.append(float((error**2).mean()))
        grad_w, grad_b = float((2 * error * X).mean()), float((2 * error).mean())
        if clear:
            kept_w, kept_b = grad_w, grad_b
        else:
            kept_w, kept_b = kept_w + grad_w, kept_b + grad_b
        grads_w.append(kept_w)
        w, b = (w - lr * kept_w if "w" in learns else w), (b - lr * kept_b if "b" in learns else b)
    return {"losses": torch.tensor(losses, dtype=torch.float64), "w": w, "b": b, "grads_w": grads_w}


def best_line(X: torch.Tensor, y: torch.Tensor) -> tuple[float, float]:
    """The least-squares line through the points (the line gradient descent converges to), in float64."""
    X, y = X.to(torch.float64), y.to(torch.float64)
    x_mean, y_mean = X.mean(), y.mean()
    w = ((X - x_mean) * (y - y_mean)).sum() / ((X - x_mean) ** 2).sum()
    return float(w), float(y_mean - w * x_mean)


@student_step
def call_fit_line(sub, X: torch.Tensor, y: torch.Tensor, lr: float, steps: int) -> dict:
    """fit_line_raw on the points; what it returned, as plain data."""
    returned = sub.fit_line_raw(X.clone(), y.clone(), lr, steps)
    if not isinstance(returned, tuple) or len(returned) != 3:
        return {"shape": describe(returned)}
    w, b, losses = returned
    out = {"w": plain(w), "b": plain(b), "w_is": describe(w), "b_is": describe(b)}
    if isinstance(losses, list) and all(type(v) in (int, float) for v in losses):
        out["losses"] = torch.tensor([float(v) for v in losses], dtype=torch.float64)
    else:
        out["losses_is"] = describe(losses) if not isinstance(losses, list) else \
            f"a list holding {describe(next((v for v in losses if type(v) not in (int, float)), None))}"
    return out


def end_point(run: dict) -> torch.Tensor:
    """Where a run of `by_hand` ends: (w, b)."""
    return torch.tensor([run["w"], run["b"]], dtype=torch.float64)


def wrong_end_points(data: dict, lr: float, steps: int, short_by_a_step: bool) -> list:
    """Where the fits the checks name as wrong end on these points: w or b never learning (the tape never reaches
    it), gradients never cleared, and (`short_by_a_step`) the line from before the last step."""
    X, y = data["X"], data["y"]
    runs = [by_hand(X, y, lr, steps, learns="b"), by_hand(X, y, lr, steps, learns="w"),
            by_hand(X, y, lr, steps, clear=False)] + ([by_hand(X, y, lr, steps - 1)] if short_by_a_step else [])
    return [end_point(run) for run in runs]


def fit_line_case(student, n: int, lr: float, steps: int, short_by_a_step: bool = False) -> dict:
    """fit_line_raw on secret points; the grader's trajectory (cleared and never cleared) and best line, from here.

    The points are redrawn until the grader's end point lies 1e-2 from the end of each wrong fit the checks name
    (a line with w near 0 would let a w that never learns pass, about 1 draw in 2 400)."""
    generator = torch.Generator().manual_seed(secret_seed())
    data = drawn_apart(lambda: secret_line(n, generator), lambda d: end_point(by_hand(d["X"], d["y"], lr, steps)),
                       lambda d: wrong_end_points(d, lr, steps, short_by_a_step))
    out, error = student.attempt(call_fit_line, X=data["X"], y=data["y"], lr=lr, steps=steps)
    if error is not None:
        return {"error": course_words(error), "raw": f"{error.get('type')}: {str(error.get('message'))[:300]}"}
    reference, piled_up = by_hand(data["X"], data["y"], lr, steps), by_hand(data["X"], data["y"], lr, steps, False)
    best_w, best_b = best_line(data["X"], data["y"])
    return {**out, "reference": reference, "accumulated": piled_up, "best_w": best_w, "best_b": best_b,
            "w_true": data["w_true"], "b_true": data["b_true"]}


# ---- exercise 4 -------------------------------------------------------------------------------------------

@student_step
def call_log_predictions(sub, X: torch.Tensor, w_value: float, b_value: float) -> dict:
    """log_predictions(X, w, b) with recording w and b; what came back, and w and b afterwards."""
    w = torch.tensor(w_value, requires_grad=True)
    b = torch.tensor(b_value, requires_grad=True)
    returned = sub.log_predictions(X, w, b)
    out = {"returned": describe(returned), "is_tensor": torch.is_tensor(returned),
           "w_after": {"leaf": w.is_leaf, "requires_grad": w.requires_grad, "grad": w.grad is not None,
                       "value": float(w.detach())},
           "b_after": {"leaf": b.is_leaf, "requires_grad": b.requires_grad, "grad": b.grad is not None,
                       "value": float(b.detach())}}
    if torch.is_tensor(returned):
        out["requires_grad"] = bool(returned.requires_grad)
        out["grad_fn"] = type(returned.grad_fn).__name__ if returned.grad_fn is not None else None
        out["values"] = returned.detach().clone()
        try:
            returned.numpy()
            out["numpy_ok"] = True
        except RuntimeError:
            out["numpy_ok"] = False
    return out


def log_predictions_case(student, n: int) -> dict:
    """log_predictions on secret points and a secret line; the predictions computed here."""
    generator = torch.Generator().manual_seed(secret_seed())
    X = torch.rand(n, generator=generator) * 4 - 2
    w_value, b_value = (torch.rand(2, generator=generator) * 6 - 3).tolist()
    out = student.call(call_log_predictions, X=X, w_value=w_value, b_value=b_value)
    with torch.no_grad():
        out["expected"] = torch.tensor(w_value) * X + torch.tensor(b_value)
    out["w_value"], out["b_value"] = w_value, b_value
    return out
