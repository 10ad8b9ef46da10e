"""Probes for lesson 2.3.2: trusted code that runs in the worker, beside (never inside) the student's process.

The student's code runs on a GPU (a real one where present, else gradekit's simulated one) and on a
CPU-only machine (`cpu_only()`, which hides a real GPU too), always in the student's process, inside a
`@student_step`. Steps record what only that process can see (where each batch and the model were at the
forward pass and the loss, which precision the layers ran in, what the scaler and the optimizer were asked
to do) and return it with the student's results: that is the student's word. Everything a check compares
against is computed here, in the worker: the course's own loops run from a secret initialisation
(`secret_start()`) that the student's process only receives as tensors, and the checkpoints its code writes
are read back with the weights-only loader. Checks that save, crash and resume split the run across two
workers: the checkpoint file, and only it, reaches the second one.
"""

from __future__ import annotations

import contextlib
import io
import math
import sys
import time
import traceback

import torch
import torch.nn as nn
from torch.utils.data import TensorDataset

from gradekit.course.given import MNISTNet  # noqa: F401 - probes and tests use it by this name
from gradekit.course.simcuda import accelerator, cpu_only, save_as_cuda, unwrap
from gradekit.probe import (checkpoint_epochs, drawn_apart, load_weights_only, pickled_globals, saved_bytes,
                            secret_seed, student_step)

CPU = torch.device("cpu")

# ---- where the code runs ----------------------------------------------------------------------------


def place(where: str):
    """The context a check runs in: "accelerator" (a GPU, real or simulated) or "cpu" (a CPU-only machine)."""
    return accelerator() if where == "accelerator" else cpu_only()


@contextlib.contextmanager
def device_in(where: str, device_name: str | None = None):
    """`place(where)`, yielding the device a call is given: the place's own, or the one a check names."""
    with place(where) as device:
        yield device if device_name is None else torch.device(device_name)


# ---- data, models and the course's own loops ----------------------------------------------------------

class PowerCut(BaseException):
    """A crash in the middle of training (a BaseException, so no `except Exception` swallows it)."""


class SeededLoader:
    """Seeded MNIST-shaped CPU batches that act like a DataLoader (len, iteration, .dataset, .batch_size).

    Each epoch reseeds torch's RNG, so dropout masks repeat exactly between the student's run and the
    grader's; `first_epoch` lets a resumed run see the same epochs as an uninterrupted one.
    """

    def __init__(self, seed: int, n: int = 128, batch_size: int = 32, first_epoch: int = 1,
                 crash_at_epoch: int | None = None) -> None:
        generator = torch.Generator().manual_seed(seed)
        inputs = torch.randn(n, 1, 28, 28, generator=generator)
        teacher = torch.randn(784, 10, generator=generator)
        labels = (inputs.flatten(1) @ teacher).argmax(1)
        self.dataset = TensorDataset(inputs, labels)
        self.batch_size = batch_size
        self.batches = [(inputs[i:i + batch_size], labels[i:i + batch_size]) for i in range(0, n, batch_size)]
        self.seed = seed
        self.epoch = first_epoch - 1
        self.crash_at_epoch = crash_at_epoch

    def __iter__(self):
        self.epoch += 1
        if self.epoch == self.crash_at_epoch:
            raise PowerCut(f"the power went out at the start of epoch {self.epoch}")
        torch.manual_seed(self.seed * 1000 + self.epoch)
        return iter(self.batches)

    def __len__(self) -> int:
        return len(self.batches)


def make_optimizer(model: nn.Module, optimizer: str = "adam"):
    """The optimizer an exercise trains with: Adam (exercises 1-2) or SGD with momentum (exercise 4)."""
    if optimizer == "adam":
        return torch.optim.Adam(model.parameters(), lr=1e-3)
    return torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)


def fresh(seed: int, optimizer: str = "adam"):
    """A seeded MNISTNet on the CPU, its optimizer and the loss (a model whose values no check relies on)."""
    torch.manual_seed(seed)
    model = MNISTNet()
    return model, make_optimizer(model, optimizer), nn.CrossEntropyLoss()


def secret_start() -> dict:
    """MNISTNet weights from a secret initialisation: the start the student's process gets only as tensors."""
    torch.manual_seed(secret_seed())
    return model_state(MNISTNet())


def secret_epoch() -> tuple[int, int]:
    """The epoch a checkpoint handed over says it was saved after (10 to 9 999) and the epochs its model was
    actually trained (2 to 6): neither known to the student's process."""
    return checkpoint_epochs(secret_seed(), range(2, 7))


def fresh_from(weights: dict, optimizer: str = "adam", device=CPU):
    """MNISTNet holding `weights`, moved to `device`, with its optimizer and the loss."""
    model = MNISTNet()
    model.load_state_dict(weights)
    model.to(device)
    return model, make_optimizer(model, optimizer), nn.CrossEntropyLoss()


def trusted_epoch(model, loader, optimizer, criterion, device, scaler=None, batch_losses: list | None = None) -> list:
    """The course's loop (trusted copy): [mean loss per batch, mean loss per sample]; AMP when given a scaler.
    Each batch's loss is appended to `batch_losses` where one is given."""
    model.train()
    total, batches, weighted, samples = 0.0, 0, 0.0, 0
    for inputs, labels in loader:
        inputs, labels = inputs.to(device), labels.to(device)
        if scaler is None:
            optimizer.zero_grad()
            loss = criterion(model(inputs), labels)
            loss.backward()
            optimizer.step()
            value = loss.item()
        else:
            value = trusted_amp_batch(model, inputs, labels, optimizer, criterion, scaler, device)
        total, batches = total + value, batches + 1
        weighted, samples = weighted + value * len(labels), samples + len(labels)
        if batch_losses is not None:
            batch_losses.append(value)
    return [total / batches, weighted / samples]


def trusted_amp_batch(model, inputs, labels, optimizer, criterion, scaler, device, dtype=None) -> float:
    """The lesson's mixed-precision step on one batch (trusted copy), autocasting to `dtype` (None: autocast's
    default for the device); the loss as a float."""
    optimizer.zero_grad()
    with torch.autocast(device.type, dtype=dtype):
        loss = criterion(model(inputs), labels)
    scaler.scale(loss).backward()
    scaler.step(optimizer)
    scaler.update()
    return loss.item()


def trusted_epochs(weights: dict, seed: int, where: str, epochs: int, n: int = 128,
                   device_name: str | None = None) -> dict:
    """The course's loop with Adam for `epochs` epochs from `weights`, on the place a check names: each epoch's
    [per-batch, per-sample] mean loss, its last batch's loss, and the weights it ends with."""
    with device_in(where, device_name) as device:
        model, optimizer, criterion = fresh_from(weights, device=device)
        loader = SeededLoader(seed, n=n)
        losses, last = [], []
        for _ in range(epochs):
            batch_losses: list = []
            losses.append(trusted_epoch(model, loader, optimizer, criterion, device, batch_losses=batch_losses))
            last.append(batch_losses[-1])
        return {"losses": losses, "last_batch": last, "params": model_state(model)}


def last_batch_instead(reference: dict) -> list:
    """The first epoch's means as a loop that returns its last batch's loss would give them: one wrong reading
    per mean a check accepts (over batches, over samples), the last batch's loss in its place."""
    means, last = reference["losses"][0], reference["last_batch"][0]
    return [torch.tensor([last if i == j else mean for j, mean in enumerate(means)]) for i in range(len(means))]


def linear_layers() -> list:
    """MNISTNet's Linear layers by name (fc1, fc2, fc3): a forward pass runs every one of them. Built on the meta
    device: no values, no draw from torch's generator."""
    with torch.device("meta"):
        return [name for name, module in MNISTNet().named_modules() if isinstance(module, nn.Linear)]


def plain(t: torch.Tensor) -> torch.Tensor:
    """A detached CPU copy of a tensor, simulated or real GPU or CPU."""
    return unwrap(t).detach().cpu().clone()


def model_state(model) -> dict:
    """A model's state_dict as plain CPU tensors."""
    return {k: plain(v) for k, v in model.state_dict().items()}


def optimizer_tensors(state: dict) -> dict:
    """An optimizer's per-parameter state as {"<index>.<name>": CPU tensor}."""
    out = {}
    for index, values in state.get("state", {}).items():
        for name, value in values.items():
            out[f"{index}.{name}"] = plain(value) if torch.is_tensor(value) else torch.tensor(float(value))
    return out


def plain_optimizer_state(state: dict) -> dict:
    """An optimizer state_dict with every tensor as a plain CPU copy (it crosses between processes)."""
    return {"state": {i: {k: plain(v) if torch.is_tensor(v) else v for k, v in s.items()}
                      for i, s in state["state"].items()},
            "param_groups": state["param_groups"]}


def optimizer_devices(optimizer) -> list:
    """The device types of the tensors in an optimizer's state (exp_avg, momentum_buffer, ...), 'step' aside."""
    return sorted({value.device.type for state in optimizer.state.values() for name, value in state.items()
                   if torch.is_tensor(value) and name != "step"})


def param_devices(model) -> list:
    return sorted({p.device.type for p in model.parameters()})


def number(value):
    """A returned loss or time as the judge can read it: a float, or a description of what it was."""
    if type(value) in (int, float) or isinstance(value, float):
        return float(value)
    if torch.is_tensor(value):
        return {"tensor": True, "device": value.device.type,
                "value": float(unwrap(value).detach().cpu().float().reshape(-1)[0]) if value.numel() else None}
    return {"repr": repr(value)[:120], "type": type(value).__name__}


def numbers(values):
    if isinstance(values, (list, tuple)):
        return [number(v) for v in values]
    return {"repr": repr(values)[:120], "type": type(values).__name__}


def _grader_file(filename: str) -> bool:
    """Frames of torch, the standard library, gradekit and these probes are not the student's."""
    return ("site-packages" in filename or filename.startswith(sys.prefix) or filename.startswith(sys.base_prefix)
            or "/graders/" in filename or "gradekit" in filename or filename.startswith("<"))


def attempt(function, *args, **kwargs):
    """In the student's process: call the student's function; return (result, None) or (None, what went wrong
    and where), so a step still reports what it saw before the error.

    A stub's NotImplementedError and running out of memory are left to the harness, which words them itself.
    """
    try:
        return function(*args, **kwargs), None
    except (NotImplementedError, MemoryError):
        raise  # the harness words these ("not implemented yet", "ran out of memory")
    except Exception as error:  # noqa: BLE001 - the error is the feedback
        frames = [f for f in traceback.extract_tb(error.__traceback__) if not _grader_file(f.filename)]
        where = f"{frames[-1].filename}, line {frames[-1].lineno}: {(frames[-1].line or '').strip()}" if frames else ""
        return None, {"type": type(error).__name__, "message": str(error)[:600], "where": where}


class Recorder:
    """Where things were at the forward pass and at the loss, and which precision the Linear layers ran in."""

    def __init__(self, model: nn.Module) -> None:
        self.events: list = []
        self.dtypes: dict = {}
        self.handles = [model.register_forward_pre_hook(self._forward)]
        self.model = model
        for name, module in model.named_modules():
            if isinstance(module, nn.Linear):
                self.handles.append(module.register_forward_hook(self._dtype(name)))

    def _forward(self, module, args):
        if len(self.events) < 8 and args and torch.is_tensor(args[0]):
            self.events.append({"at": "forward", "inputs": args[0].device.type,
                                "model": next(module.parameters()).device.type})

    def _dtype(self, name):
        def hook(module, args, output):
            self.dtypes.setdefault(name, str(output.dtype).removeprefix("torch."))
        return hook

    def loss(self) -> nn.Module:
        """A CrossEntropyLoss that notes where the outputs and the labels were."""
        recorder = self

        class RecordingLoss(nn.CrossEntropyLoss):
            def forward(self, outputs, labels):
                if len(recorder.events) < 8:
                    recorder.events.append({"at": "loss", "outputs": outputs.device.type,
                                            "labels": labels.device.type})
                return super().forward(outputs, labels)

        return RecordingLoss()

    def remove(self) -> None:
        for handle in self.handles:
            handle.remove()


def read_checkpoint(data: bytes | None) -> dict | None:
    """A checkpoint file the student's code wrote, read here with the weights-only loader onto the CPU: its keys,
    epoch, loss, model weights and optimizer state (None if there is no file)."""
    if data is None:
        return None
    try:
        loaded = load_weights_only(data)
    except Exception as error:  # noqa: BLE001 - why the safe loader refused it is the feedback
        names = ", ".join(sorted(set(pickled_globals(data)))[:4])
        return {"unreadable": f"{type(error).__name__}: {str(error)[:160]}" + (f" (it names {names})" if names else "")}
    if not isinstance(loaded, dict):
        return {"type": type(loaded).__name__}
    weights, optimizer = loaded.get("model_state_dict"), loaded.get("optimizer_state_dict")
    epoch, loss = loaded.get("epoch"), loaded.get("loss")
    return {"type": type(loaded).__name__, "keys": sorted(str(k) for k in loaded),
            "epoch": epoch if type(epoch) in (int, float) else repr(epoch),
            "loss": float(loss) if type(loss) in (int, float) or torch.is_tensor(loss) and loss.numel() == 1
            else repr(loss),
            "weights": {str(k): plain(v) for k, v in weights.items() if torch.is_tensor(v)}
            if isinstance(weights, dict) else None,
            "optimizer": optimizer_tensors(optimizer) if isinstance(optimizer, dict)
            and isinstance(optimizer.get("state"), dict) else None}


# ---- exercise 1 -------------------------------------------------------------------------------------

@student_step
def device_choice(sub) -> dict:
    """get_device() with a GPU present and on a CPU-only machine: what it returns is the student's own answer."""
    out = {}
    for where in ("accelerator", "cpu"):
        with place(where):
            device, error = attempt(sub.get_device)
        out[where] = {"error": error, "type": type(device).__name__,
                      "device": str(device) if isinstance(device, (torch.device, str)) else repr(device)[:80],
                      "device_type": torch.device(device).type if isinstance(device, (torch.device, str)) else None}
    return out


@student_step
def call_train_one_epoch(sub, weights: dict, seed: int, where: str, n: int) -> dict:
    """train_one_epoch with the model (holding `weights`) already on the device; where everything was."""
    with place(where) as device:
        model, optimizer, _ = fresh_from(weights, device=device)
        recorder = Recorder(model)
        loss, error = attempt(sub.train_one_epoch, model, SeededLoader(seed, n=n), optimizer, recorder.loss(),
                              device)
        recorder.remove()
        return {"loss": number(loss), "error": error, "events": recorder.events, "devices": param_devices(model),
                "params": model_state(model), "device": str(device)}


def epoch_on(student, seed: int, where: str, n: int = 120) -> dict:
    """train_one_epoch from a secret start on the device; the course's loop from the same start, run here. The start
    is redrawn until the epoch's last batch loss lies clearly apart from both of its means: a loop that returns
    the last batch's loss instead of the mean cannot pass by luck (about 1 draw in 1 300 before)."""

    def secret_case():
        start = secret_start()
        return start, trusted_epochs(start, seed, where, 1, n=n)

    start, reference = drawn_apart(secret_case, lambda case: torch.tensor(case[1]["losses"][0]),
                                   lambda case: last_batch_instead(case[1]), margin=1e-3)
    out = student.call(call_train_one_epoch, weights=start, seed=seed, where=where, n=n)
    return {**out, "reference": reference["losses"][0], "reference_params": reference["params"]}


@student_step
def call_train(sub, weights: dict, seed: int, where: str, epochs: int, device_name: str | None) -> dict:
    """train(...) given a model (holding `weights`) on the CPU; where everything was, what it returned."""
    with device_in(where, device_name) as device:
        model, optimizer, _ = fresh_from(weights)
        recorder = Recorder(model)
        losses, error = attempt(sub.train, model, SeededLoader(seed), optimizer, recorder.loss(), device, epochs)
        recorder.remove()
        return {"losses": numbers(losses) if error is None else None, "error": error, "events": recorder.events,
                "devices": param_devices(model), "params": model_state(model), "device": str(device)}


def train_on(student, seed: int, where: str, epochs: int, device_name: str | None = None) -> dict:
    """train(...) from a secret start; the course's loop (model moved once) from the same start, run here."""
    start = secret_start()
    reference = trusted_epochs(start, seed, where, epochs, device_name=device_name)
    out = student.call(call_train, weights=start, seed=seed, where=where, epochs=epochs, device_name=device_name)
    return {**out, "reference": reference["losses"], "reference_params": reference["params"]}


class SynchronizeWatch:
    """Note each call of torch.cuda.synchronize / torch.accelerator.synchronize, then put them back."""

    def __init__(self, events: list) -> None:
        self.events = events
        self.patched: list = []

    def __enter__(self) -> "SynchronizeWatch":
        for owner in (torch.cuda, torch.accelerator):
            original = owner.synchronize

            def recording(*args, _original=original, **kwargs):
                self.events.append("synchronize")
                return _original(*args, **kwargs)

            self.patched.append((owner, original))
            owner.synchronize = recording
        return self

    def __exit__(self, *exc) -> None:
        for owner, original in reversed(self.patched):
            owner.synchronize = original


@student_step
def call_time_epoch(sub, weights: dict, seed: int, where: str, device_name: str | None) -> dict:
    """time_epoch: the seconds it returns, the wall time around it, synchronize calls and optimizer steps."""
    with device_in(where, device_name) as device:
        model, optimizer, criterion = fresh_from(weights, device=device)
        events: list = []
        optimizer.register_step_post_hook(lambda *a: events.append("step"))
        loader = SeededLoader(seed)
        watch = SynchronizeWatch(events) if where == "accelerator" else contextlib.nullcontext()
        started = time.perf_counter()
        with watch:
            try:
                seconds, error = attempt(sub.time_epoch, model, loader, optimizer, criterion, device)
            finally:
                wall = time.perf_counter() - started
        return {"seconds": number(seconds), "wall": wall, "error": error, "events": events,
                "batches": len(loader), "devices": param_devices(model), "params": model_state(model)}


def timed_epoch(student, seed: int, where: str, device_name: str | None = None) -> dict:
    """time_epoch from a secret start; the weights one epoch of the course's loop gives, computed here."""
    start = secret_start()
    reference = trusted_epochs(start, seed, where, 1, device_name=device_name)
    out = student.call(call_time_epoch, weights=start, seed=seed, where=where, device_name=device_name)
    return {**out, "batches": len(SeededLoader(seed)), "reference_params": reference["params"]}


# ---- exercise 2 -------------------------------------------------------------------------------------

def _trusted_checkpoint(seed: int, epochs: int, saved_epoch: int | None = None) -> tuple[dict, dict, dict]:
    """A secret model and Adam trained `epochs` epochs by the course's loop; the lesson 2.3.1 checkpoint dict (its
    epoch `saved_epoch`, else `epochs`), with the weights and the optimizer's state as the grader keeps them."""
    model, optimizer, criterion = fresh_from(secret_start())
    loader = SeededLoader(seed)
    for _ in range(epochs):
        loss = trusted_epoch(model, loader, optimizer, criterion, CPU)[0]
    checkpoint = {"model_state_dict": model.state_dict(), "optimizer_state_dict": optimizer.state_dict(),
                  "epoch": epochs if saved_epoch is None else saved_epoch, "loss": loss}
    return checkpoint, model_state(model), optimizer_tensors(optimizer.state_dict())


def _cuda_file(obj) -> bytes:
    """`obj` saved as on a GPU (storages tagged cuda:0), as bytes."""
    buffer = io.BytesIO()
    save_as_cuda(obj, buffer)
    return buffer.getvalue()


@student_step
def call_save_checkpoint(sub, path: str, epoch: int, loss: float, where: str = "accelerator") -> dict:
    """Rebuild the model and Adam the worker sent (start.pt) on the device; call save_checkpoint on them."""
    state = torch.load("start.pt", weights_only=True)
    with place(where) as device:
        model, optimizer, _ = fresh_from(state["model_state_dict"], device=device)
        optimizer.load_state_dict(state["optimizer_state_dict"])
        _, error = attempt(sub.save_checkpoint, path, model, optimizer, epoch, loss)
        return {"error": error, "devices": param_devices(model)}


def save_during_gpu_training(student, seed: int, epoch: int, loss: float) -> dict:
    """save_checkpoint on a model and Adam (trained from a secret start) that live on the GPU; what the file
    holds, read here on the CPU with the weights-only loader."""
    checkpoint, weights, optimizer = _trusted_checkpoint(seed, 1)
    student.put("start.pt", saved_bytes(checkpoint))
    out = student.call(call_save_checkpoint, path="checkpoint.pt", epoch=epoch, loss=loss)
    found = read_checkpoint(student.file("checkpoint.pt"))
    out.update(model=weights, optimizer=optimizer, exists=found is not None)
    if found is not None:
        out.update(unreadable=found.get("unreadable"), type=found.get("type"), keys=found.get("keys", []),
                   epoch=found.get("epoch"), loss=found.get("loss"), saved_model=found.get("weights"),
                   saved_optimizer=found.get("optimizer"))
    return out


@student_step
def call_load_checkpoint(sub, path: str, seed: int, where: str, train_on: bool = False) -> dict:
    """load_checkpoint(path, model, optimizer, device) into a fresh model (moved to the device first) and Adam;
    what they hold afterwards and where, and whether training on with them still works."""
    with place(where) as device:
        model, optimizer, criterion = fresh(seed + 1)
        model.to(device)
        optimizer = make_optimizer(model)
        returned, error = attempt(sub.load_checkpoint, path, model, optimizer, device)
        out = {"returned": returned if type(returned) is int else repr(returned)[:80], "error": error,
               "restored_model": model_state(model), "restored_optimizer": optimizer_tensors(optimizer.state_dict()),
               "restored_optimizer_state": plain_optimizer_state(optimizer.state_dict()),
               "devices": param_devices(model), "optimizer_devices": optimizer_devices(optimizer)}
        if train_on and error is None:
            _, out["train_error"] = attempt(trusted_epoch, model, SeededLoader(seed, first_epoch=2), optimizer,
                                            criterion, device)
        return out


def load_gpu_checkpoint_on_cpu(student, seed: int) -> dict:
    """A checkpoint of a secret model, trained a secret number of epochs and saying a secret epoch, saved on a GPU
    (storages tagged cuda:0), loaded by load_checkpoint on a CPU-only machine; what came back, and what the
    checkpoint holds."""
    epoch, trained = secret_epoch()
    checkpoint, weights, optimizer = _trusted_checkpoint(seed, trained, epoch)
    student.put("gpu_checkpoint.pt", _cuda_file(checkpoint))
    out = student.call(call_load_checkpoint, path="gpu_checkpoint.pt", seed=seed, where="cpu")
    return {**out, "saved_epoch": epoch, "saved_model": weights, "saved_optimizer": optimizer}


def load_checkpoint_onto_gpu(student, seed: int) -> dict:
    """A CPU checkpoint of a secret model, trained a secret number of epochs and saying a secret epoch, loaded onto
    the GPU into a model already moved there; then one more epoch of training there."""
    epoch, trained = secret_epoch()
    checkpoint, weights, optimizer = _trusted_checkpoint(seed, trained, epoch)
    student.put("cpu_checkpoint.pt", saved_bytes(checkpoint))
    out = student.call(call_load_checkpoint, path="cpu_checkpoint.pt", seed=seed, where="accelerator",
                       train_on=True)
    return {**out, "saved_epoch": epoch, "saved_model": weights, "saved_optimizer": optimizer}


# ---- exercise 3 -------------------------------------------------------------------------------------

class RecordingScaler(torch.amp.GradScaler):
    """A real GradScaler that notes each call, and the gradients it found when it first unscaled them."""

    def __init__(self, device: str, events: list, **kwargs) -> None:
        super().__init__(device, **kwargs)
        self.events = events
        self.grads_at_unscale = None
        self.scale_at_unscale = None

    def scale(self, outputs):
        self.events.append("scale")
        return super().scale(outputs)

    def unscale_(self, optimizer):
        if self.grads_at_unscale is None:
            self.scale_at_unscale = self.get_scale()
            self.grads_at_unscale = {i: plain(p.grad) if p.grad is not None else None
                                     for i, p in enumerate(p for g in optimizer.param_groups for p in g["params"])}
        self.events.append("unscale_")
        return super().unscale_(optimizer)

    def step(self, optimizer, *args, **kwargs):
        self.events.append("scaler.step")
        try:
            return super().step(optimizer, *args, **kwargs)
        finally:
            self.events.append("scaler.step done")

    def update(self, new_scale=None):
        self.events.append("update")
        return super().update(new_scale)


def _sgd(model):
    return torch.optim.SGD(model.parameters(), lr=0.1)


def _batch(seed: int, device, n: int = 32):
    loader = SeededLoader(seed, n=n, batch_size=n)
    inputs, labels = loader.batches[0]
    return inputs.to(device), labels.to(device)


def _grads(model) -> dict:
    return {i: plain(p.grad) if p.grad is not None else None for i, p in enumerate(model.parameters())}


def _overflow(module, args, output) -> None:
    """A forward hook making the gradient that reaches this layer's output inf, as an overflow would."""
    if output.requires_grad:
        output.register_hook(lambda g: torch.full_like(g, math.inf))


def _amp_model(weights: dict, device):
    """MNISTNet holding `weights` on `device`, with the plain SGD the mixed-precision step is graded with."""
    model = MNISTNet()
    model.load_state_dict(weights)
    model.to(device)
    return model, _sgd(model)


def reduced_dtype(dtypes: dict):
    """The reduced precision the student's forward pass ran in (float16 or bfloat16), or None for autocast's
    default: the trusted step then rounds the same way, so a correct step in either precision matches it."""
    dtype = getattr(torch, str(dtypes.get("fc1", "")), None) if isinstance(dtypes, dict) else None
    return dtype if dtype in (torch.float16, torch.bfloat16) else None


def trusted_amp_step(weights: dict, seed: int, where: str, init_scale: float, dtype=None) -> dict:
    """The lesson's mixed-precision step (trusted copy) from `weights`, autocasting to `dtype` (None: autocast's
    default for the device): unscaled gradients, loss, weights after."""
    with place(where) as device:
        model, optimizer = _amp_model(weights, device)
        criterion = nn.CrossEntropyLoss()
        inputs, labels = _batch(seed, device)
        scaler = torch.amp.GradScaler(device.type, init_scale=init_scale)
        torch.manual_seed(seed + 1)
        optimizer.zero_grad()
        with torch.autocast(device.type, dtype=dtype):
            loss = criterion(model(inputs), labels)
        scaler.scale(loss).backward()
        scaler.unscale_(optimizer)
        grads = _grads(model)
        scaler.step(optimizer)
        scaler.update()
        return {"loss": loss.item(), "grads": grads, "params": model_state(model)}


@student_step
def call_amp_step(sub, weights: dict, seed: int, where: str, init_scale: float, stale: bool,
                  inject_inf: bool) -> dict:
    """One amp_train_step with a recording scaler; optionally stale gradients left over, or an inf gradient."""
    with place(where) as device:
        model, optimizer = _amp_model(weights, device)
        inputs, labels = _batch(seed, device)
        events: list = []
        optimizer.register_step_pre_hook(lambda *a: events.append("optimizer.step"))
        scaler = RecordingScaler(device.type, events, init_scale=init_scale)
        recorder = Recorder(model)
        if stale:  # what a previous step's backward left behind
            for p in model.parameters():
                p.grad = torch.full_like(p, init_scale)
        if inject_inf:  # an overflow: the gradient reaching the logits is inf
            model.fc3.register_forward_hook(_overflow)
        torch.manual_seed(seed + 1)
        loss, error = attempt(sub.amp_train_step, model, inputs, labels, optimizer, nn.CrossEntropyLoss(), scaler,
                              device)
        recorder.remove()
        return {
            "loss": number(loss), "error": error, "events": events, "dtypes": recorder.dtypes,
            "param_dtypes": sorted({str(p.dtype).removeprefix("torch.") for p in model.parameters()}),
            "grads_at_unscale": scaler.grads_at_unscale, "scale_at_unscale": scaler.scale_at_unscale,
            "scale_after": scaler.get_scale(), "after": model_state(model), "device": str(device),
        }


def amp_step(student, seed: int, where: str, init_scale: float = 1024.0, stale: bool = False,
             inject_inf: bool = False) -> dict:
    """One amp_train_step from a secret start; the lesson's step from the same start, in the precision the
    student's forward pass ran in, run here."""
    start = secret_start()
    out = student.call(call_amp_step, weights=start, seed=seed, where=where, init_scale=init_scale, stale=stale,
                       inject_inf=inject_inf)
    reference = trusted_amp_step(start, seed, where, init_scale, reduced_dtype(out["dtypes"]))
    return {**out, "before": start, "reference": reference, "init_scale": init_scale,
            "linear_layers": linear_layers()}


# ---- exercise 4 -------------------------------------------------------------------------------------

def _logit_grads(model: nn.Module) -> list:
    """Note the norm of the gradient reaching the logits (fc3's output) on the first backward pass.

    A module hook survives the student's model.to(device); the logits' gradient grows by the scaler's factor.
    """
    norms: list = []

    def on_output(module, args, output):
        if not norms and output.requires_grad:
            output.register_hook(lambda g: norms.append(float(plain(g).float().norm())) if not norms else None)

    model.fc3.register_forward_hook(on_output)
    return norms


def _unscaled_logit_grad(weights: dict, seed: int, device, use_amp: bool) -> float:
    """The first batch's logit-gradient norm without any scaler: what the student's would be, unscaled."""
    model, _, criterion = fresh_from(weights, "sgd", device)
    norms = _logit_grads(model)
    inputs, labels = SeededLoader(seed).batches[0]
    torch.manual_seed(seed * 1000 + 1)
    with torch.autocast(device.type, enabled=use_amp):
        loss = criterion(model(inputs.to(device)), labels.to(device))
    loss.backward()
    return norms[0]


def _trusted_run(seed: int, device, first_epoch: int, last_epoch: int, state: dict) -> dict:
    """The lesson's portable loop (trusted copy) from `state` (weights, and optimizer state unless it starts
    fresh): AMP on CUDA only; per-epoch [per-batch, per-sample] losses and the state it ends with."""
    model, optimizer, criterion = fresh_from(state["model"], "sgd", device)
    if state.get("optimizer") is not None:
        optimizer.load_state_dict(state["optimizer"])
    use_amp = device.type == "cuda"
    scaler = torch.amp.GradScaler(device.type) if use_amp else None
    loader = SeededLoader(seed, first_epoch=first_epoch)
    losses = [trusted_epoch(model, loader, optimizer, criterion, device, scaler)
              for _ in range(first_epoch, last_epoch + 1)]
    return {"losses": losses, "model": model_state(model), "optimizer": plain_optimizer_state(optimizer.state_dict())}


def trusted_portable(seed: int, where: str, first_epoch: int, last_epoch: int, state: dict,
                     device_name: str | None = None) -> dict:
    """`_trusted_run` on the place a check names (a GPU, real or simulated, or a CPU-only machine)."""
    with device_in(where, device_name) as device:
        return _trusted_run(seed, device, first_epoch, last_epoch, state)


@student_step
def call_train_portable(sub, weights: dict | None, seed: int, where: str, epochs: int, first_epoch: int = 1,
                        device_name: str | None = None, crash_at_epoch: int | None = None) -> dict:
    """train_portable on a model holding `weights` (a fresh one if None) and SGD, from `first_epoch` of the
    loader; what precision, where, the first logits' gradient, and what it returned (or that it crashed)."""
    with device_in(where, device_name) as device:
        model, optimizer, criterion = fresh(seed + 1, "sgd") if weights is None else fresh_from(weights, "sgd")
        recorder = Recorder(model)
        grad_norms = _logit_grads(model)
        loader = SeededLoader(seed, first_epoch=first_epoch, crash_at_epoch=crash_at_epoch)
        crashed = False
        try:
            losses, error = attempt(sub.train_portable, model, optimizer, criterion, loader, epochs, "portable.pt",
                                    **({} if device_name is None else {"device": device}))
        except PowerCut:
            losses, error, crashed = None, None, True
        recorder.remove()
        return {"losses": numbers(losses) if error is None and not crashed else None, "error": error,
                "crashed": crashed, "dtypes": recorder.dtypes, "events": recorder.events,
                "devices": param_devices(model), "optimizer_devices": optimizer_devices(optimizer),
                "logit_grad": grad_norms[0] if grad_norms else None, "final": model_state(model),
                "device": str(device)}


def portable_run(student, seed: int, where: str, epochs: int, device_name: str | None = None) -> dict:
    """train_portable from a secret start (device=None unless a device is named); the lesson's portable loop
    from the same start, its unscaled logit gradient, and the checkpoint the run left, read here."""
    start = secret_start()
    reference = trusted_portable(seed, where, 1, epochs, {"model": start}, device_name)
    with device_in(where, device_name) as device:
        unscaled = _unscaled_logit_grad(start, seed, device, device.type == "cuda")
    out = student.call(call_train_portable, weights=start, seed=seed, where=where, epochs=epochs,
                       device_name=device_name)
    return {**out, "reference": reference["losses"], "reference_final": reference["model"],
            "unscaled_logit_grad": unscaled, "checkpoint": read_checkpoint(student.file("portable.pt")),
            "linear_layers": linear_layers()}


def portable_crash(student, seed: int, where: str, epochs: int, crash_at_epoch: int) -> dict:
    """train_portable from a secret start whose loader fails at the start of an epoch: what the checkpoint
    holds after the crash, and the weights the lesson's loop has when the power goes out."""
    start = secret_start()
    reference = trusted_portable(seed, where, 1, crash_at_epoch - 1, {"model": start})
    out = student.call(call_train_portable, weights=start, seed=seed, where=where, epochs=epochs,
                       crash_at_epoch=crash_at_epoch)
    return {"crashed": out["crashed"], "error": out["error"], "at_crash": out["final"],
            "trusted_at_crash": reference["model"], "checkpoint": read_checkpoint(student.file("portable.pt"))}


def portable_first_half(student, seed: int, first: str, second: str, crash_after: int, epochs: int) -> dict:
    """Train to `crash_after` on one machine from a secret start; the checkpoint file it left (the second half,
    `portable_second_half`, resumes from it in another worker), and the lesson's loop over both halves."""
    start = secret_start()
    trusted_first = trusted_portable(seed, first, 1, crash_after, {"model": start})
    trusted_second = trusted_portable(seed, second, crash_after + 1, epochs, trusted_first)
    out = student.call(call_train_portable, weights=start, seed=seed, where=first, epochs=crash_after)
    return {"error": out["error"], "stage": "first", "first": out["losses"],
            "file": student.file("portable.pt"), "reference_first": trusted_first["losses"],
            "reference": trusted_second["losses"]}


def portable_second_half(student, seed: int, second: str, crash_after: int, epochs: int,
                         file: bytes | None) -> dict:
    """The first half's checkpoint, and only it, resumed by train_portable with a fresh model in a new process."""
    if file is not None:
        student.put("portable.pt", file)
    out = student.call(call_train_portable, weights=None, seed=seed, where=second, epochs=epochs,
                       first_epoch=crash_after + 1)
    return {"error": out["error"], "stage": "second", "second": out["losses"], "devices": out["devices"],
            "optimizer_devices": out["optimizer_devices"], "device": out["device"]}
