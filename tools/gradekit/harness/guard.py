"""Keep the worker's trusted environment as it was: undo monkeypatching and reset torch's global state.

A submission runs in the same process as the probe that grades it, so it could replace `torch.allclose`,
`torch.randn` or a probe's helper, or leave `torch.set_default_dtype(torch.float64)` behind. The zygote
takes a snapshot of the trusted modules' and classes' attributes once, before any fork (`baseline()`);
after the submission's cells and again after the probe, `Snapshot.restore()` puts back anything replaced,
deleted or shadowed, and names it, so the judge can fail the check. Plain data attributes (numbers,
strings, lists) are not watched: only functions, classes, modules and dtypes, which code calls or compares.
"""

from __future__ import annotations

import sys
import types

TRUSTED_MODULES = (
    "torch", "torch.nn", "torch.nn.functional", "torch.nn.init", "torch.optim", "torch.utils.data",
    "torch.testing", "torch.serialization", "torch.random", "torch.autograd", "torch.linalg", "torch.cuda",
    "builtins", "os", "posixpath", "sys", "json", "struct", "math", "random", "numpy", "numpy.random",
    "numpy.linalg", "gc", "io", "time",
)
TRUSTED_PREFIXES = ("gradekit.", "lesson_probes")  # the harness and the lesson's probes, every module
CLASS_MODULES = ("torch.nn.modules", "torch.optim", "torch.utils.data")  # every class these define
PLAIN_DATA = (int, float, complex, str, bytes, bool, list, dict, set, tuple, type(None), frozenset)
EXPECTED_TO_CHANGE = {  # set by the worker itself (its log), by Python when it prints an exception, by torch
    "sys": {"stdin", "stdout", "stderr", "__stdin__", "__stdout__", "__stderr__", "last_type", "last_value",
            "last_traceback", "last_exc"},
    "torch": {"Storage"},  # set_default_dtype swaps it; reset_torch_state puts float32's back
}
_MISSING = object()
_baseline: list[Snapshot] = []


def _trusted_classes() -> list[type]:
    """torch.Tensor and its C base, nn.Parameter, and every class defined in torch.nn, torch.optim, torch.utils.data."""
    import torch

    classes = {torch.Tensor, torch._C.TensorBase, torch.nn.Parameter, torch.Size, torch.dtype, torch.device}
    for name, module in list(sys.modules.items()):
        if module is None or not name.startswith(CLASS_MODULES):
            continue
        classes.update(value for value in vars(module).values()
                       if isinstance(value, type) and value.__module__ == name)
    return sorted(classes, key=lambda c: f"{c.__module__}.{c.__qualname__}")


def _torch_step_hook(before, now) -> bool:
    """True if `now` is torch's own profiling wrapper around `before` (Optimizer hooks `step` on first use)."""
    optimizer = getattr(sys.modules.get("torch.optim"), "Optimizer", None)
    code = getattr(now, "__code__", None)
    if optimizer is None or code is None or code not in optimizer.profile_hook_step.__code__.co_consts:
        return False
    cells = dict(zip(code.co_freevars, now.__closure__ or ()))
    return "func" in cells and cells["func"].cell_contents is before


def _torch_dynamo_wrapper(before, now) -> bool:
    """True if `now` is torch's own `_disable_dynamo` wrapper around `before`: importing torch._dynamo wraps
    `torch.manual_seed` so (building an optimizer imports it), the same function behind torch's own guard."""
    disable = getattr(sys.modules.get("torch._compile"), "_disable_dynamo", None)
    code = getattr(now, "__code__", None)
    if disable is None or code is None or code not in disable.__code__.co_consts:
        return False
    cells = dict(zip(code.co_freevars, now.__closure__ or ()))
    return "fn" in cells and cells["fn"].cell_contents is before


def _registries(modules: list[types.ModuleType]) -> list[tuple[str, object, object]]:
    """Global hook tables (torch's `_global_*` dicts), import hooks and trace functions: changed without any
    attribute being replaced, yet they reach into trusted code."""
    found = [("sys.meta_path", sys.meta_path, list(sys.meta_path)),
             ("sys.path_hooks", sys.path_hooks, list(sys.path_hooks))]
    for module in modules:
        for name, value in vars(module).items():
            if name.startswith("_global_") and isinstance(value, dict):
                found.append((f"{module.__name__}.{name}", value, dict(value)))
    return found


def _watched(value) -> bool:
    return value is not _MISSING and not isinstance(value, PLAIN_DATA)


class Snapshot:
    """The attributes of some modules and classes, by identity, as they were when taken."""

    def __init__(self, modules: list[types.ModuleType], classes: list[type]) -> None:
        self.modules = [(module, {k: v for k, v in vars(module).items()
                                  if _watched(v) and k not in EXPECTED_TO_CHANGE.get(module.__name__, ())})
                        for module in modules]
        self.classes = [(cls, dict(vars(cls))) for cls in classes]
        hooks = [m for m in (sys.modules.get("torch.nn.modules.module"), sys.modules.get("torch.optim.optimizer"))
                 if m is not None and m in modules]
        self.registries = _registries(hooks) if any(m.__name__ == "sys" for m in modules) or hooks else []

    @classmethod
    def of_loaded(cls, beside: "Snapshot | None" = None) -> "Snapshot":
        """The trusted modules imported now (every gradekit and probe module too) and their classes.

        With `beside`, only what that snapshot does not hold already (what a worker imported after the fork).
        """
        known = {id(m) for m, _ in beside.modules} | {id(c) for c, _ in beside.classes} if beside else set()
        modules = [sys.modules[name] for name in TRUSTED_MODULES if sys.modules.get(name) is not None]
        modules += [module for name, module in list(sys.modules.items())
                    if module is not None and name.startswith(TRUSTED_PREFIXES) and module not in modules]
        classes = _trusted_classes() if "torch" in sys.modules else []
        return cls([m for m in modules if id(m) not in known], [c for c in classes if id(c) not in known])

    def restore(self) -> list[str]:
        """Put back every watched attribute that was replaced or deleted, remove ones added to a class; name them."""
        changed = []
        for module, saved in self.modules:
            current = vars(module)
            for name, value in saved.items():
                now = current.get(name, _MISSING)
                if now is not value and not _torch_dynamo_wrapper(value, now):
                    changed.append(f"{module.__name__}.{name}")
                    setattr(module, name, value)
        for cls, saved in self.classes:
            current = vars(cls)
            if len(current) == len(saved) and all(current.get(k, _MISSING) is v for k, v in saved.items()):
                continue  # the usual case, checked without copying
            current = dict(current)
            label = f"{cls.__module__}.{cls.__qualname__}"
            for name in set(saved) | set(current):
                before, now = saved.get(name, _MISSING), current.get(name, _MISSING)
                if before is now or not (_watched(before) or _watched(now)) or name in ("__dict__", "__weakref__"):
                    continue
                if name == "step" and _torch_step_hook(before, now):
                    continue
                changed.append(f"{label}.{name}")
                try:
                    if before is _MISSING:
                        delattr(cls, name)
                    else:
                        setattr(cls, name, before)
                except (TypeError, AttributeError):
                    pass  # an immutable C type cannot have been changed in the first place
        for label, table, saved_items in self.registries:
            if (list(table) if isinstance(table, list) else dict(table)) != saved_items:
                changed.append(label)
                table.clear()
                table.extend(saved_items) if isinstance(table, list) else table.update(saved_items)
        if any(label == "sys.meta_path" for label, _, _ in self.registries):
            for name, getter, setter in (("sys.settrace", sys.gettrace, sys.settrace),
                                         ("sys.setprofile", sys.getprofile, sys.setprofile)):
                if getter() is not None:
                    changed.append(name)
                    setter(None)
        return sorted(set(changed))


def baseline() -> Snapshot:
    """The snapshot of the trusted modules taken once, before any fork (taken now if the zygote did not)."""
    if not _baseline:
        _baseline.append(Snapshot.of_loaded())
    return _baseline[0]


def prepare(again: bool = False) -> None:
    """Take the baseline in the zygote, so every forked worker inherits it for free; `again` takes it anew
    (the template imported more trusted modules, which may change torch's own, before any request)."""
    if again:
        _baseline.clear()
    baseline()


def torch_state() -> dict:
    """torch's global switches as they are now (the zygote's), to put back after the submission's cells."""
    import torch

    state = {
        "deterministic": torch.are_deterministic_algorithms_enabled(),
        "deterministic_warn_only": torch.is_deterministic_algorithms_warn_only_enabled(),
        "cudnn": (torch.backends.cudnn.enabled, torch.backends.cudnn.benchmark, torch.backends.cudnn.deterministic,
                  torch.backends.cudnn.allow_tf32),
        "matmul_tf32": torch.backends.cuda.matmul.allow_tf32,
        "matmul_precision": torch.get_float32_matmul_precision(),
        "anomaly": torch.is_anomaly_enabled(),
    }
    if hasattr(torch, "get_default_device"):
        state["device"] = torch.get_default_device()
    return state


def reset_torch_state(state: dict, seed: int, threads: int) -> None:
    """Default dtype float32, gradients on, the zygote's switches, every random generator seeded with `seed`.

    Each switch is set only where it differs: some setters are slow the first time in a fresh fork
    (`use_deterministic_algorithms` takes seconds), and an honest submission changes none of them.
    """
    import random

    import torch

    if torch.get_default_dtype() != torch.float32:
        torch.set_default_dtype(torch.float32)
    if not torch.is_grad_enabled():
        torch.set_grad_enabled(True)
    if torch.is_inference_mode_enabled():
        torch.inference_mode(False).__enter__()
    now = torch_state()
    if (now["deterministic"], now["deterministic_warn_only"]) != (state["deterministic"],
                                                                    state["deterministic_warn_only"]):
        torch.use_deterministic_algorithms(state["deterministic"], warn_only=state["deterministic_warn_only"])
    if now["cudnn"] != state["cudnn"]:
        cudnn = torch.backends.cudnn
        cudnn.enabled, cudnn.benchmark, cudnn.deterministic, cudnn.allow_tf32 = state["cudnn"]
    if now["matmul_tf32"] != state["matmul_tf32"]:
        torch.backends.cuda.matmul.allow_tf32 = state["matmul_tf32"]
    if now["matmul_precision"] != state["matmul_precision"]:
        torch.set_float32_matmul_precision(state["matmul_precision"])
    if now["anomaly"] != state["anomaly"]:
        torch.autograd.set_detect_anomaly(state["anomaly"])
    if now.get("device") != state.get("device"):
        torch.set_default_device(state["device"])
    if torch.get_num_threads() != threads:
        torch.set_num_threads(threads)
    torch.manual_seed(seed)
    random.seed(seed)
    numpy = sys.modules.get("numpy")
    if numpy is not None:
        numpy.random.seed(seed)
