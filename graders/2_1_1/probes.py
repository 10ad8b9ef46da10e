"""Probes for lesson 2.1.1: trusted code that runs in the worker, beside (never inside) the student's process.

Every input the student's functions get is drawn here from `secret_seed()` after the student's process was
forked, and every value a check compares against is computed here from those inputs: the student's process
holds the inputs, never the answers. For the seeded `torch.randn`, the seed is the input: the answer is the
student's to compute, and it is computed again here. Timings are judged on honesty, never speed: the student's
code runs on a device whose work finishes after Python gets control back (`lagging_device`), so a clock read
without waiting for the device reads too little; the worker times each call from outside.
"""

from __future__ import annotations

import contextlib
import time

import numpy as np
import torch
from torch.overrides import TorchFunctionMode

from gradekit.harness.simcuda import accelerator
from gradekit.probe import secret_seed, student_step

CPU = torch.device("cpu")
NO_DRIVER = ("Found no NVIDIA driver on your system. Please check that you have an NVIDIA GPU and installed a "
             "driver from http://www.nvidia.com/Download/index.aspx")


# ---- what comes back from the student's process ------------------------------------------------------

def tensor_info(value) -> dict:
    """A returned value as the judge reads it: shape, dtype, device and values of a tensor, else its type."""
    if not isinstance(value, torch.Tensor):
        return {"tensor": False, "type": type(value).__name__, "repr": repr(value)[:120]}
    plain = torch.Tensor.detach(value)
    return {"tensor": True, "shape": list(plain.shape), "dtype": str(plain.dtype).removeprefix("torch."),
            "device": str(plain.device), "contiguous": bool(plain.is_contiguous()), "values": plain}


def plain_info(t: torch.Tensor) -> dict:
    """`tensor_info` of a tensor the grader made (computed here, in the worker)."""
    return tensor_info(t)


def secret_generator() -> torch.Generator:
    """A generator the student's process cannot predict."""
    return torch.Generator().manual_seed(secret_seed())


def error_of(error: dict | None) -> dict | None:
    """The student's error as the check words it (type, message, where), or None."""
    if error is None:
        return None
    frames = error.get("frames") or []
    last = frames[-1] if frames and isinstance(frames[-1], dict) else {}
    where = f"{last.get('file')}, line {last.get('line')}: {last.get('code')}" if last else ""
    return {"type": str(error.get("type", "Error")), "message": str(error.get("message", ""))[:600], "where": where}


# ---- where the code runs ------------------------------------------------------------------------------

def _no_driver(*args, **kwargs):
    raise RuntimeError(NO_DRIVER)


@contextlib.contextmanager
def cpu_only():
    """This process as a machine without a GPU: torch.cuda says none is available, even where one is."""
    patches = [(torch.cuda, "is_available", lambda: False), (torch.cuda, "device_count", lambda: 0),
               (torch.cuda, "synchronize", _no_driver), (torch.accelerator, "is_available", lambda: False),
               (torch.accelerator, "current_accelerator", lambda check_available=False: None),
               (torch.accelerator, "device_count", lambda: 0)]
    saved = [(owner, name, getattr(owner, name)) for owner, name, _ in patches]
    try:
        for owner, name, value in patches:
            setattr(owner, name, value)
        yield CPU
    finally:
        for owner, name, value in reversed(saved):
            setattr(owner, name, value)


MATMULS = {"matmul", "mm", "__matmul__", "__rmatmul__", "bmm", "einsum", "linear", "addmm"}
READBACKS = {"item", "tolist", "numpy", "cpu", "to", "__repr__", "__str__", "__format__", "__bool__", "__float__",
             "__int__", "__index__", "equal", "allclose"}


class LaggingDevice(TorchFunctionMode):
    """A device whose matrix products take `device_seconds` each and finish after Python gets control back.

    A product on a CUDA tensor is queued: the device is busy until `busy_until`, and only
    `torch.cuda.synchronize()` (or `torch.accelerator.synchronize()`, a stream's or an event's), or reading a
    value back to the CPU (`.item()`, `.cpu()`, printing), waits for it, as on a real GPU. A product on CPU
    tensors takes `cpu_seconds` there and then. On a real GPU the queued work is the GPU's own (`_sleep`).
    """

    def __init__(self, cpu_seconds: float, device_seconds: float) -> None:
        super().__init__()
        self.cpu_seconds, self.device_seconds = cpu_seconds, device_seconds
        self.busy_until = 0.0
        self.products = {"cpu": 0, "cuda": 0}
        self.real_gpu = torch.cuda.is_available() and not _simulated()
        self.cycles = _gpu_cycles(device_seconds) if self.real_gpu else 0

    def drain(self) -> None:
        """Wait until the queued work is done (a synchronize, or a value read back)."""
        wait = self.busy_until - time.perf_counter()
        if wait > 0:
            time.sleep(wait)

    def __torch_function__(self, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        name = getattr(func, "__name__", "")
        if name in MATMULS:
            out = func(*args, **kwargs)
            if _on_cuda(args, kwargs):
                self.products["cuda"] += 1
                if self.real_gpu:
                    torch.cuda._sleep(self.cycles)
                else:
                    self.busy_until = max(time.perf_counter(), self.busy_until) + self.device_seconds
            else:
                self.products["cpu"] += 1
                time.sleep(self.cpu_seconds)
            return out
        if name in READBACKS and not self.real_gpu and _on_cuda(args, kwargs):
            self.drain()
        return func(*args, **kwargs)

    @contextlib.contextmanager
    def synchronizing(self):
        """torch.cuda / torch.accelerator synchronize, streams and events that wait for the queued work."""
        if self.real_gpu:
            yield
            return
        lag = self
        sim_stream = torch.cuda.current_stream

        class LagEvent:
            """torch.cuda.Event on the lagging device: recorded when the device reaches it."""

            def __init__(self, enable_timing: bool = False, **kwargs) -> None:
                self.enable_timing, self.at = enable_timing, None

            def record(self, stream=None) -> None:
                self.at = max(time.perf_counter(), lag.busy_until)

            def synchronize(self) -> None:
                wait = (self.at or 0.0) - time.perf_counter()
                if wait > 0:
                    time.sleep(wait)

            def wait(self, stream=None) -> None:
                pass

            def query(self) -> bool:
                return time.perf_counter() >= (self.at or 0.0)

            def elapsed_time(self, end) -> float:
                if self.at is None or end.at is None:
                    raise RuntimeError("Both events must be recorded before calculating elapsed time.")
                return (end.at - self.at) * 1000.0

        def stream(device=None):
            inner = sim_stream(device)
            inner.synchronize = lambda: lag.drain()
            return inner

        def synchronize(device=None):
            lag.drain()

        patches = [(torch.cuda, "synchronize", synchronize), (torch.accelerator, "synchronize", synchronize),
                   (torch.cuda, "Event", LagEvent), (torch.cuda, "current_stream", stream),
                   (torch.cuda, "default_stream", stream)]
        simulated = type(torch.zeros(1).to("cuda"))  # the simulated GPU's tensor class: its own methods skip the mode
        patches += [(simulated, name, _reading_back(getattr(simulated, name), lag)) for name in SIM_READBACKS
                    if name in simulated.__dict__]
        saved = [(owner, name, getattr(owner, name)) for owner, name, _ in patches]
        try:
            for owner, name, value in patches:
                setattr(owner, name, value)
            yield
        finally:
            for owner, name, value in reversed(saved):
                setattr(owner, name, value)


SIM_READBACKS = ("item", "tolist", "numpy", "cpu", "to", "__repr__", "__format__")


def _reading_back(method, lag: LaggingDevice):
    """A simulated tensor's own method (it bypasses the mode) that waits for the device when it reads a value
    back to the CPU."""

    def waiting(self, *args, **kwargs):
        out = method(self, *args, **kwargs)
        if not isinstance(out, torch.Tensor) or out.device.type != "cuda":
            lag.drain()
        return out

    return waiting


def _simulated() -> bool:
    from gradekit.harness import simcuda

    return bool(simcuda._active)


def _on_cuda(args, kwargs) -> bool:
    """Whether any tensor among the arguments lives on a CUDA device (real or simulated)."""
    for value in (*args, *kwargs.values()):
        if isinstance(value, torch.Tensor) and value.device.type == "cuda":
            return True
        if isinstance(value, (list, tuple)) and any(isinstance(v, torch.Tensor) and v.device.type == "cuda"
                                                    for v in value):
            return True
    return False


def _gpu_cycles(seconds: float) -> int:
    """GPU clock cycles of `torch.cuda._sleep` that keep a real GPU busy for about `seconds`."""
    probe = 10_000_000
    torch.cuda.synchronize()
    start = time.perf_counter()
    torch.cuda._sleep(probe)
    torch.cuda.synchronize()
    return max(int(probe * seconds / max(time.perf_counter() - start, 1e-6)), 1)


@contextlib.contextmanager
def lagging_device(where: str, cpu_seconds: float, device_seconds: float):
    """The place a timing runs ("accelerator": a GPU, real or simulated, that lags; "cpu": a CPU-only machine),
    with every matrix product costing a known time; yields (device, the LaggingDevice that counts them)."""
    place = accelerator() if where == "accelerator" else cpu_only()
    with place as device:
        lag = LaggingDevice(cpu_seconds, device_seconds)
        waits = lag.synchronizing() if where == "accelerator" else contextlib.nullcontext()
        with waits, lag:
            yield device, lag
        lag.drain()


# ---- exercise 1 -------------------------------------------------------------------------------------

EXPECTED_KEYS = ["from_list", "labels", "zeros", "ones", "noise", "from_numpy"]


def expected_tensors(seed: int) -> dict:
    """The table of exercise 1, computed by the grader's own code from the seed."""
    torch.manual_seed(seed)
    noise = torch.randn(4, 3)
    return {"from_list": torch.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]), "labels": torch.tensor([3, 0, 7, 1]),
            "zeros": torch.zeros(3, 4), "ones": torch.ones(2, 5), "noise": noise,
            "from_numpy": torch.tensor(np.linspace(0, 1, 5), dtype=torch.float32)}


@student_step
def call_make_tensors(sub, seed: int) -> dict:
    """make_tensors(seed): what each entry is, as plain data."""
    made = sub.make_tensors(seed)
    if not isinstance(made, dict):
        return {"type": type(made).__name__, "entries": None}
    return {"type": "dict", "entries": {str(k): tensor_info(v) for k, v in list(made.items())[:20]}}


def made_tensors(student) -> dict:
    """make_tensors with a secret seed; the table computed here with the same seed."""
    seed = secret_seed()
    out = student.call(call_make_tensors, seed=seed)
    return {**out, "seed": seed, "expected": {k: plain_info(v) for k, v in expected_tensors(seed).items()}}


@student_step
def call_describe(sub, shapes: list, dtypes: list, on_gpu: bool) -> list:
    """describe(t) on tensors of the given shapes and dtypes (on the GPU when asked); its answers as text."""
    answers = []
    with accelerator() if on_gpu else contextlib.nullcontext():
        for shape, dtype in zip(shapes, dtypes):
            t = torch.zeros(shape, dtype=getattr(torch, dtype))
            if on_gpu:
                t = t.to("cuda")
            answer = sub.describe(t)
            if not isinstance(answer, tuple) or len(answer) != 3:
                answers.append({"ok": False, "type": type(answer).__name__, "repr": repr(answer)[:160]})
                continue
            shape_out, dtype_out, device_out = answer
            shape_list = list(shape_out) if isinstance(shape_out, (tuple, torch.Size)) else None
            answers.append({
                "ok": True,
                "shape": [int(d) for d in shape_list] if shape_list is not None and all(
                    type(d) is int for d in shape_list) else repr(shape_out)[:80],
                "dtype": str(dtype_out).removeprefix("torch.") if isinstance(dtype_out, torch.dtype)
                else {"repr": repr(dtype_out)[:80], "type": type(dtype_out).__name__},
                "device": str(device_out) if isinstance(device_out, torch.device)
                else {"repr": repr(device_out)[:80], "type": type(device_out).__name__},
                "true": {"shape": list(t.shape), "dtype": dtype, "device": str(t.device)},
            })
    return answers


def described(student, count: int, on_gpu: bool = False) -> dict:
    """describe on `count` tensors of secret shapes and dtypes (on the simulated or real GPU when asked)."""
    generator = secret_generator()
    dtypes = ["float32", "int64", "float64", "bool", "float16"]
    shapes, kinds = [], []
    for _ in range(count):
        rank = int(torch.randint(1, 4, (1,), generator=generator))
        shapes.append([int(d) for d in torch.randint(1, 6, (rank,), generator=generator)])
        kinds.append(dtypes[int(torch.randint(0, len(dtypes), (1,), generator=generator))])
    return {"answers": student.call(call_describe, shapes=shapes, dtypes=kinds, on_gpu=on_gpu),
            "shapes": shapes, "dtypes": kinds, "device": "cuda:0" if on_gpu else "cpu"}


# ---- exercise 2 -------------------------------------------------------------------------------------

@student_step
def call_linear_forward(sub, X: torch.Tensor, w: torch.Tensor, b: torch.Tensor) -> dict:
    """linear_forward(X, w, b)."""
    return tensor_info(sub.linear_forward(X, w, b))


def linear_forward_values(student, batch: int, features: int, outputs: int) -> dict:
    """linear_forward on secret inputs of the given shape; X @ w + b computed here."""
    generator = secret_generator()
    X = torch.randn(batch, features, generator=generator)
    w = torch.randn(features, outputs, generator=generator)
    b = torch.randn(outputs, generator=generator)
    returned, error = student.attempt(call_linear_forward, X=X, w=w, b=b)
    return {"returned": returned, "error": error_of(error), "expected": plain_info(X @ w + b),
            "elementwise": plain_info(X * w + b) if batch == features == outputs else None,
            "shapes": {"X": [batch, features], "w": [features, outputs], "b": [outputs]}}


@student_step
def call_flatten_images(sub, x: torch.Tensor, transposed: bool, channels_last: bool) -> dict:
    """flatten_images on the batch as the grader laid it out in memory."""
    if transposed:
        x = x.transpose(2, 3)
    if channels_last:
        x = x.contiguous(memory_format=torch.channels_last)
    return {"contiguous": bool(x.is_contiguous()), **tensor_info(sub.flatten_images(x))}


def flattened(student, batch: int, layout: str = "contiguous") -> dict:
    """flatten_images on a secret batch [B, 1, 28, 28] laid out as asked; its rows computed here."""
    x = torch.randn(batch, 1, 28, 28, generator=secret_generator())
    transposed, channels_last = layout == "transposed", layout == "channels_last"
    seen = x.transpose(2, 3) if transposed else x
    returned, error = student.attempt(call_flatten_images, x=x, transposed=transposed, channels_last=channels_last)
    return {"returned": returned, "error": error_of(error), "expected": plain_info(seen.reshape(batch, 784)),
            "batch": batch, "layout": layout}


# ---- exercise 3 -------------------------------------------------------------------------------------

@student_step
def call_memory(sub, function: str, values: torch.Tensor, changed: torch.Tensor) -> dict:
    """Call shares_memory_with or copy_of on an array, then change the array in place: what the tensor holds."""
    a = values.numpy().copy()
    returned = getattr(sub, function)(a)
    before = tensor_info(returned)
    if before["tensor"]:
        before["values"] = before["values"].clone()
    a[...] = changed.numpy()
    after = tensor_info(returned)
    return {"before": before, "after": after, "array_dtype": str(a.dtype)}


def memory_after_change(student, function: str, dtype: str) -> dict:
    """`function(a)` on a secret array of `dtype`, then `a` changed in place to other secret values."""
    generator = secret_generator()
    if dtype.startswith("int"):
        values = torch.randint(-50, 50, (3, 4), generator=generator, dtype=getattr(torch, dtype))
        changed = values + torch.randint(1, 50, (3, 4), generator=generator, dtype=getattr(torch, dtype))
    else:
        values = torch.randn(3, 4, generator=generator, dtype=getattr(torch, dtype))
        changed = values + 1.0 + torch.rand(3, 4, generator=generator, dtype=getattr(torch, dtype))
    out = student.call(call_memory, function=function, values=values, changed=changed)
    return {**out, "original": plain_info(values), "changed": plain_info(changed)}


# ---- exercise 4 -------------------------------------------------------------------------------------

@student_step
def call_to_device(sub, t: torch.Tensor, where: str, as_string: bool) -> dict:
    """to_device(t, device) on the GPU (simulated where none) or a CPU-only machine; what came back, and t."""
    place = accelerator() if where == "accelerator" else cpu_only()
    with place as device:
        returned = sub.to_device(t, str(device) if as_string else device)
        return {"returned": tensor_info(returned), "original_device": str(t.device), "asked": str(device),
                "same_object": returned is t}


def moved(student, where: str, as_string: bool = False) -> dict:
    """to_device on a secret tensor; the tensor itself, kept here, to compare with."""
    t = torch.randn(3, 5, generator=secret_generator())
    returned, error = student.attempt(call_to_device, t=t, where=where, as_string=as_string)
    return {"out": returned, "error": error_of(error), "original": plain_info(t)}


def number(value):
    """A returned time as the judge reads it: a float, or what it was instead."""
    if type(value) in (int, float) or isinstance(value, float):
        return float(value)
    if isinstance(value, torch.Tensor) and value.numel() == 1:
        return {"tensor": True, "value": float(torch.Tensor.detach(value).cpu().reshape(-1)[0])}
    return {"repr": repr(value)[:120], "type": type(value).__name__}


@student_step
def call_time_matmul(sub, a: torch.Tensor, b: torch.Tensor, where: str, repeats: int, cpu_seconds: float,
                     device_seconds: float) -> dict:
    """time_matmul on a lagging device: what it returned, and how many products ran where."""
    with lagging_device(where, cpu_seconds, device_seconds) as (device, lag):
        seconds = sub.time_matmul(a, b, device, repeats)
    return {"seconds": number(seconds), "products": lag.products, "device": str(device)}


def timed_matmul(student, where: str, repeats: int, cpu_ms: float, device_ms: float) -> dict:
    """time_matmul with products costing `cpu_ms` on the CPU and `device_ms` on the device; timed from here."""
    generator = secret_generator()
    a, b = torch.randn(8, 8, generator=generator), torch.randn(8, 8, generator=generator)
    started = time.perf_counter()
    out, error = student.attempt(call_time_matmul, a=a, b=b, where=where, repeats=repeats,
                                 cpu_seconds=cpu_ms / 1000, device_seconds=device_ms / 1000)
    wall = time.perf_counter() - started
    return {"out": out, "error": error_of(error), "wall": wall, "repeats": repeats, "cpu_ms": cpu_ms,
            "device_ms": device_ms, "where": where}


@student_step
def call_cpu_vs_device(sub, n: int, where: str, repeats: int, cpu_seconds: float, device_seconds: float) -> dict:
    """cpu_vs_device on a lagging device: what it returned, and how many products ran where."""
    with lagging_device(where, cpu_seconds, device_seconds) as (device, lag):
        result = sub.cpu_vs_device(n, device, repeats)
    if not isinstance(result, dict):
        return {"type": type(result).__name__, "result": None, "products": lag.products}
    return {"type": "dict", "result": {str(k): number(v) for k, v in list(result.items())[:10]},
            "products": lag.products, "device": str(device)}


def compared(student, where: str, n: int, repeats: int, cpu_ms: float, device_ms: float) -> dict:
    """cpu_vs_device with known costs per product; timed from here."""
    started = time.perf_counter()
    out, error = student.attempt(call_cpu_vs_device, n=n, where=where, repeats=repeats,
                                 cpu_seconds=cpu_ms / 1000, device_seconds=device_ms / 1000)
    wall = time.perf_counter() - started
    return {"out": out, "error": error_of(error), "wall": wall, "repeats": repeats, "cpu_ms": cpu_ms,
            "device_ms": device_ms, "where": where}
