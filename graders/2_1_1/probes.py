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
import sys
import time
import traceback

import numpy as np
import torch
from torch.overrides import TorchFunctionMode

from gradekit.course.simcuda import accelerator, cpu_only
from gradekit.probe import drawn_apart, one_per_case, secret_seed, student_step

CPU = torch.device("cpu")


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


# ---- where the code runs ------------------------------------------------------------------------------


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
    from gradekit.course import simcuda

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


TABLE = {  # exercise 1's table, as the notebook states it: values (or a fill) and dtype per key
    "from_list": ([[1, 2, 3], [4, 5, 6]], "float32"),
    "labels": ([3, 0, 7, 1], "int64"),
    "zeros": (("fill", 0, (3, 4)), "float32"),
    "ones": (("fill", 1, (2, 5)), "float32"),
    "from_numpy": ([0.0, 0.25, 0.5, 0.75, 1.0], "float32"),  # np.linspace(0, 1, 5)
}


def expected_tensors(seed: int) -> dict:
    """The table of exercise 1, built here from its statement, and the seeded noise computed from the seed."""
    expected = {}
    for key, (values, dtype) in TABLE.items():
        kind = getattr(torch, dtype)
        if isinstance(values, tuple):
            _, fill, shape = values
            expected[key] = torch.full(shape, fill, dtype=kind)
        else:
            expected[key] = torch.as_tensor(values, dtype=kind)
    torch.manual_seed(seed)
    expected["noise"] = torch.randn((4, 3))
    return expected


@student_step
def call_make_tensors(sub, seed: int) -> dict:
    """make_tensors(seed): what each entry is, as plain data."""
    made, error = attempt(sub.make_tensors, seed, stub=True)
    if error is not None:
        return {"type": None, "entries": None, "error": error}
    if not isinstance(made, dict):
        return {"type": type(made).__name__, "entries": None}
    return {"type": "dict", "entries": {str(k): tensor_info(v) for k, v in list(made.items())[:20]}}


def made_tensors(student) -> dict:
    """make_tensors with a secret seed; the table computed here with the same seed."""
    seed = secret_seed()
    out = student.call(call_make_tensors, seed=seed)
    return {**out, "seed": seed, "expected": {k: plain_info(v) for k, v in expected_tensors(seed).items()}}


@student_step
def call_describe(sub, cases: list) -> list:
    """describe(t) on tensors of the given shapes, dtypes and devices; its answers as plain data."""
    describe = sub.describe
    answers = []
    for case in cases:
        t = torch.zeros(case["shape"], dtype=getattr(torch, case["dtype"]), device=case["device"])
        answers.append(describe_answer(*attempt(describe, t, stub=True)))
    return answers


def describe_answer(answer, error) -> dict:
    """What describe returned, as text the judge compares (a torch.Size, dtype and device by their names)."""
    if error is not None:
        return {"ok": False, "error": error}
    if not isinstance(answer, tuple) or len(answer) != 3:
        return {"ok": False, "type": type(answer).__name__, "repr": repr(answer)[:160]}
    shape, dtype, device = answer
    dims = list(shape) if isinstance(shape, (tuple, torch.Size)) else None
    return {"ok": True,
            "shape": dims if dims is not None and all(type(d) is int for d in dims) else repr(shape)[:80],
            "dtype": str(dtype).removeprefix("torch.") if isinstance(dtype, torch.dtype) else repr(dtype)[:80],
            "device": str(device) if isinstance(device, torch.device) else repr(device)[:80]}


DESCRIBE_DTYPES = ["float32", "int64", "float64", "bool", "float16"]


def describe_cases(generator: torch.Generator, device: str, count: int) -> list:
    """`count` tensors of secret shapes (rank 1 to 3, sizes 1 to 5) and dtypes on `device`, as cases."""
    cases = []
    for _ in range(count):
        rank = int(torch.randint(1, 4, (1,), generator=generator))
        cases.append({"shape": [int(d) for d in torch.randint(1, 6, (rank,), generator=generator)],
                      "dtype": DESCRIBE_DTYPES[int(torch.randint(0, len(DESCRIBE_DTYPES), (1,), generator=generator))],
                      "device": device})
    return cases


def describe_readings(cases: list) -> torch.Tensor:
    """The (shape, dtype) a describe answers for each case, as numbers: the dtype's index, then the sizes (0 past
    the rank)."""
    return torch.tensor([[DESCRIBE_DTYPES.index(c["dtype"]), *c["shape"], *[0] * (3 - len(c["shape"]))]
                         for c in cases], dtype=torch.float32)


def one_reading_for_all(cases: list) -> list:
    """What a describe answers that reads the dtype or the shape from anything but t (one dtype for every tensor,
    the default float32 say, or one shape): it is right only where all the cases share it."""
    if len(cases) < 2:
        return []
    return ([describe_readings([{**c, "dtype": dtype} for c in cases]) for dtype in DESCRIBE_DTYPES]
            + [describe_readings([{**c, "shape": cases[0]["shape"]} for c in cases])])


def described(student, count: int) -> dict:
    """describe on `count` tensors of secret shapes and dtypes on the CPU, and `count` more that live elsewhere (on
    PyTorch's `meta` device, which holds no data: a device that is not the CPU on every machine, at no cost). Each
    device's cases are redrawn until no one dtype and no one shape fits them all (about 1 draw in 100 would)."""
    generator = secret_generator()
    cases = []
    for device in ("cpu", "meta"):
        cases += drawn_apart(lambda device=device: describe_cases(generator, device, count), describe_readings,
                             one_reading_for_all, margin=0.5)
    answers = one_per_case(student.call(call_describe, cases=cases), cases, "describe(t)")
    return {device: [(a, c) for a, c in zip(answers, cases) if c["device"] == device] for device in ("cpu", "meta")}


def exercise_one(student, count: int) -> dict:
    """Exercise 1 in one worker: make_tensors, then describe."""
    return {"made": made_tensors(student), "described": described(student, count)}


# ---- exercise 2 -------------------------------------------------------------------------------------

LINEAR_CASES = {"square": (4, 4, 4), "rectangular": (5, 3, 2)}
FLATTEN_CASES = {"batch of 3": (3, "contiguous"), "batch of 1": (1, "contiguous"), "transposed": (4, "transposed"),
                 "channels_last": (2, "channels_last")}
# One channel of a colour batch stored channels-last, its 28 x 28 centre cut out of 32 x 32: with a single channel,
# x.contiguous(memory_format=torch.channels_last) has the strides of a contiguous batch (view accepts it), so the
# channels-last case takes its channel from three, as a greyscale batch cut from colour images is laid out.
CHANNELS_LAST_CUT = (slice(None), slice(0, 1), slice(2, 30), slice(2, 30))


@student_step
def call_linear_forward(sub, cases: dict) -> dict:
    """linear_forward(X, w, b) on each case's inputs."""
    linear_forward = sub.linear_forward
    out = {}
    for name, (X, w, b) in cases.items():
        returned, error = attempt(linear_forward, X, w, b, stub=True)
        out[name] = {"returned": tensor_info(returned) if error is None else None, "error": error}
    return out


def linear_forward_values(student) -> dict:
    """linear_forward on secret inputs of each case's shape; X @ w + b (and X * w + b) computed here."""
    generator = secret_generator()
    inputs = {}
    for name, (batch, features, outputs) in LINEAR_CASES.items():
        inputs[name] = (torch.randn(batch, features, generator=generator),
                        torch.randn(features, outputs, generator=generator), torch.randn(outputs, generator=generator))
    out = student.call(call_linear_forward, cases=inputs)
    for name, (X, w, b) in inputs.items():
        out[name]["expected"] = plain_info(X @ w + b)
        out[name]["elementwise"] = plain_info(X * w + b) if X.shape[0] == X.shape[1] == w.shape[1] else None
    return out


@student_step
def call_flatten_images(sub, cases: dict) -> dict:
    """flatten_images on each batch, laid out in memory as the case says."""
    flatten_images = sub.flatten_images
    out = {}
    for name, (x, layout) in cases.items():
        if layout == "transposed":
            x = x.transpose(2, 3)
        elif layout == "channels_last":
            x = x.contiguous(memory_format=torch.channels_last)[CHANNELS_LAST_CUT]
        returned, error = attempt(flatten_images, x, stub=True)
        out[name] = {"returned": tensor_info(returned) if error is None else None, "error": error}
    return out


def flattened(student) -> dict:
    """flatten_images on secret batches [B, 1, 28, 28] in each layout (the channels-last one cut from a colour
    batch [B, 3, 32, 32]); their rows computed here."""
    generator = secret_generator()
    inputs = {name: (torch.randn(batch, 3, 32, 32, generator=generator) if layout == "channels_last"
                     else torch.randn(batch, 1, 28, 28, generator=generator), layout)
              for name, (batch, layout) in FLATTEN_CASES.items()}
    out = student.call(call_flatten_images, cases=inputs)
    for name, (x, layout) in inputs.items():
        seen = x.transpose(2, 3) if layout == "transposed" else x[CHANNELS_LAST_CUT] if layout == "channels_last" else x
        out[name]["expected"] = plain_info(seen.reshape(x.shape[0], 784))
    return out


def exercise_two(student) -> dict:
    """Exercise 2 in one worker: linear_forward, then flatten_images."""
    return {"linear": linear_forward_values(student), "flatten": flattened(student)}


# ---- exercise 3 -------------------------------------------------------------------------------------

_HELD: dict = {}  # in the student's process, between the two steps: each array and the tensor made from it


@student_step
def call_memory(sub, function: str, cases: dict) -> dict:
    """shares_memory_with or copy_of on arrays built here from plain numbers (no tensor holding them exists in
    this process); the arrays and the returned tensors are kept for `change_arrays`."""
    student_function = getattr(sub, function)
    out = {}
    for name, (values, dtype) in cases.items():
        a = np.array(values, dtype=dtype)
        returned, error = attempt(student_function, a, stub=True)
        if error is not None:
            out[name] = {"error": error}
            continue
        _HELD[f"{function}:{name}"] = (a, returned)
        before = tensor_info(returned)
        if before["tensor"]:
            before["values"] = before["values"].clone()
        out[name] = {"before": before, "array_dtype": str(a.dtype), "error": None}
    return out


@student_step
def change_arrays(sub, changed: dict) -> dict:
    """Change each kept array in place to values this process learns only now; what each tensor holds after."""
    out = {}
    for key, (a, returned) in _HELD.items():
        a[...] = np.array(changed[key.split(":")[1]], dtype=a.dtype)
        out[key] = tensor_info(returned)
    return out


def memory_after_change(student) -> dict:
    """shares_memory_with(a) and copy_of(a) on secret float64 and int64 arrays; then, in a second step, each array
    changed in place to other secret values, sent only after the functions returned."""
    generator = secret_generator()
    cases, changes = {}, {}
    for dtype in ("float64", "int64"):
        kind = getattr(torch, dtype)
        if dtype == "int64":
            values = torch.randint(-50, 50, (3, 4), generator=generator, dtype=kind)
            changed = values + torch.randint(1, 50, (3, 4), generator=generator, dtype=kind)
        else:
            values = torch.randn(3, 4, generator=generator, dtype=kind)
            changed = values + 1.0 + torch.rand(3, 4, generator=generator, dtype=kind)
        cases[dtype], changes[dtype] = (values.tolist(), dtype), changed
    out = {function: student.call(call_memory, function=function, cases=cases)
           for function in ("shares_memory_with", "copy_of")}
    after = student.call(change_arrays, changed={k: v.tolist() for k, v in changes.items()})
    for function, results in out.items():
        for dtype, (values, _) in cases.items():
            results[dtype].update(after=after.get(f"{function}:{dtype}"), changed=plain_info(changes[dtype]),
                                  original=plain_info(torch.tensor(values, dtype=getattr(torch, dtype))))
    return out


# ---- exercise 4 -------------------------------------------------------------------------------------

def number(value):
    """A returned time as the judge reads it: a float, or what it was instead."""
    if type(value) in (int, float) or isinstance(value, float):
        return float(value)
    if isinstance(value, torch.Tensor) and value.numel() == 1:
        return {"tensor": True, "value": float(torch.Tensor.detach(value).cpu().reshape(-1)[0])}
    return {"repr": repr(value)[:120], "type": type(value).__name__}


def each_function(sub, names: list) -> dict:
    """The student's functions by name; a missing one is left to the harness, which words it."""
    return {name: getattr(sub, name) for name in names}


def moved_to_the_gpu(to_device, t: torch.Tensor) -> dict:
    """to_device(t, device) on the GPU (simulated where none), the device given as a torch.device and a string."""
    out = {}
    with accelerator() as device:
        for form, argument in (("device", device), ("string", str(device))):
            returned, error = attempt(to_device, t, argument, stub=True)
            out[form] = {"returned": tensor_info(returned) if error is None else None, "error": error,
                         "asked": str(device), "same_object": returned is t}
    return out


def timed_in_each_place(function: str, timed, inputs: dict, places: dict) -> dict:
    """time_matmul or cpu_vs_device in each place, on a lagging device: what it returned, how many products ran
    where, and the time the call took."""
    out = {}
    for where, (cpu_seconds, device_seconds, repeats) in places.items():
        with lagging_device(where, cpu_seconds, device_seconds) as (device, lag):
            started = time.perf_counter()
            if function == "time_matmul":
                result, error = attempt(timed, inputs["a"], inputs["b"], device, repeats, stub=True)
            else:
                result, error = attempt(timed, inputs["n"], device, repeats, stub=True)
            took = time.perf_counter() - started
        if function == "time_matmul":
            value = number(result)
        elif isinstance(result, dict):
            value = {"keys": [str(k) for k in list(result)[:10]],
                     "values": {str(k): number(v) for k, v in list(result.items())[:10]}}
        else:
            value = {"repr": repr(result)[:120], "type": type(result).__name__}
        out[where] = {"result": value if error is None else None, "error": error, "products": dict(lag.products),
                      "took": took, "device": str(device), "repeats": repeats, "cpu_ms": cpu_seconds * 1000,
                      "device_ms": device_seconds * 1000}
    return out


@student_step
def call_device_work(sub, t: torch.Tensor, a: torch.Tensor, b: torch.Tensor, n: int, time_matmul_places: dict,
                     cpu_vs_device_places: dict) -> dict:
    """Exercise 4 in one visit to the (simulated) GPU: to_device, then time_matmul and cpu_vs_device on a GPU that
    lags and on a CPU-only machine. A function still a stub costs only its own checks."""
    functions = each_function(sub, ["to_device", "time_matmul", "cpu_vs_device"])
    return {"to_device": moved_to_the_gpu(functions["to_device"], t),
            "time_matmul": timed_in_each_place("time_matmul", functions["time_matmul"], {"a": a, "b": b},
                                               time_matmul_places),
            "cpu_vs_device": timed_in_each_place("cpu_vs_device", functions["cpu_vs_device"], {"n": n},
                                                 cpu_vs_device_places)}


TIME_MATMUL_PLACES = {"accelerator": (0.0, 0.006, 8), "cpu": (0.003, 0.0, 8)}
CPU_VS_DEVICE_PLACES = {"accelerator": (0.002, 0.007, 6), "cpu": (0.002, 0.0, 5)}


def device_work(student) -> dict:
    """to_device on a secret tensor (kept here to compare with); time_matmul and cpu_vs_device with every product
    costing a known time. The worker times the whole call from outside, where the student's process cannot touch
    the clock."""
    generator = secret_generator()
    t = torch.randn(3, 5, generator=generator)
    a, b = torch.randn(8, 8, generator=generator), torch.randn(8, 8, generator=generator)
    started = time.perf_counter()
    out = student.call(call_device_work, t=t, a=a, b=b, n=16, time_matmul_places=TIME_MATMUL_PLACES,
                       cpu_vs_device_places=CPU_VS_DEVICE_PLACES)
    return {**out, "original": plain_info(t), "worker_wall": time.perf_counter() - started}


def _grader_file(filename: str) -> bool:
    """Frames of torch, the standard library, gradekit and these probes are not the student's."""
    return ("site-packages" in filename or filename.startswith(sys.prefix) or filename.startswith(sys.base_prefix)
            or "/graders/" in filename or "gradekit" in filename or filename.startswith("<"))


def attempt(function, *args, stub: bool = False, **kwargs):
    """In the student's process: call the student's function; return (result, None) or (None, what went wrong
    and where), so one case's error costs only that case. Running out of memory is left to the harness, which
    words it, and so is a stub's NotImplementedError unless `stub` (a call of several functions: the stub's own
    message, "not implemented yet", then fails only its function's checks)."""
    try:
        return function(*args, **kwargs), None
    except NotImplementedError as error:
        if not stub:
            raise
        return None, {"type": "NotImplementedError", "message": str(error)[:600], "where": "", "stub": True}
    except MemoryError:
        raise
    except Exception as error:  # noqa: BLE001 - the error is the feedback
        frames = [f for f in traceback.extract_tb(error.__traceback__) if not _grader_file(f.filename)]
        where = f"{frames[-1].filename}, line {frames[-1].lineno}: {(frames[-1].line or '').strip()}" if frames else ""
        return None, {"type": type(error).__name__, "message": str(error)[:600], "where": where}
