"""Probes for lesson 2.3.2: trusted code that runs in the worker, calls the student's functions, returns data.

The student's code runs on a GPU (a real one where present, else gradekit's simulated one) and on a
CPU-only machine (`cpu_only()`, which hides a real GPU too). Probes record what happened (where each batch
and the model were at the forward pass and the loss, which precision the layers ran in, what the scaler
and the optimizer were asked to do) and, for comparison, run the course's own loop on the same data with
the same seeds. They return plain data; every verdict is the judge's.
"""

from __future__ import annotations

import contextlib
import math
import sys
import time
import traceback
from pathlib import Path

import torch
import torch.nn as nn
from torch.utils.data import TensorDataset

from gradekit.harness.simcuda import accelerator, unwrap
from gradekit.harness.given import MNISTNet  # noqa: F401 - probes and tests use it by this name


CPU = torch.device("cpu")
NO_DRIVER = ("Found no NVIDIA driver on your system. Please check that you have an NVIDIA GPU and installed a "
             "driver from http://www.nvidia.com/Download/index.aspx")

# ---- where the code runs ----------------------------------------------------------------------------

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


def place(where: str):
    """The context a check runs in: "accelerator" (a GPU, real or simulated) or "cpu" (a CPU-only machine)."""
    return accelerator() if where == "accelerator" else cpu_only()


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


def fresh(seed: int, optimizer: str = "adam"):
    """A seeded MNISTNet on the CPU, its optimizer and the loss."""
    torch.manual_seed(seed)
    model = MNISTNet()
    if optimizer == "adam":
        opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    else:
        opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    return model, opt, nn.CrossEntropyLoss()


def trusted_epoch(model, loader, optimizer, criterion, device, scaler=None) -> list:
    """The course's loop (trusted copy): [mean loss per batch, mean loss per sample]; AMP when given a scaler."""
    model.train()
    total, batches, weighted, samples = 0.0, 0, 0.0, 0
    for inputs, labels in loader:
        inputs, labels = inputs.to(device), labels.to(device)
        optimizer.zero_grad()
        if scaler is None:
            loss = criterion(model(inputs), labels)
            loss.backward()
            optimizer.step()
        else:
            with torch.autocast(device.type):
                loss = criterion(model(inputs), labels)
            scaler.scale(loss).backward()
            scaler.step(optimizer)
            scaler.update()
        value = loss.item()
        total, batches = total + value, batches + 1
        weighted, samples = weighted + value * len(labels), samples + len(labels)
    return [total / batches, weighted / samples]


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
    """Call the student's function; return (result, None) or (None, what went wrong and where).

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


# ---- exercise 1 -------------------------------------------------------------------------------------

def device_choice(sub) -> dict:
    """get_device() with a GPU present and on a CPU-only machine."""
    out = {}
    for where in ("accelerator", "cpu"):
        with place(where):
            device, error = attempt(sub.get_device)
        out[where] = {"error": error, "type": type(device).__name__,
                      "device": str(device) if isinstance(device, (torch.device, str)) else repr(device)[:80],
                      "device_type": torch.device(device).type if isinstance(device, (torch.device, str)) else None}
    return out


def epoch_on(sub, seed: int, where: str, n: int = 120) -> dict:
    """train_one_epoch with the model already on the device; the course's loop on the same data for comparison."""
    with place(where) as device:
        model, _, criterion = fresh(seed)
        model.to(device)
        optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
        ref_model, ref_optimizer, _ = fresh(seed)
        ref_model.to(device)
        reference = trusted_epoch(ref_model, SeededLoader(seed, n=n), ref_optimizer, criterion, device)
        recorder = Recorder(model)
        loss, error = attempt(sub.train_one_epoch, model, SeededLoader(seed, n=n), optimizer, recorder.loss(),
                              device)
        recorder.remove()
        return {"loss": number(loss), "error": error, "events": recorder.events, "devices": param_devices(model),
                "params": model_state(model), "reference": reference, "reference_params": model_state(ref_model),
                "device": str(device)}


def train_on(sub, seed: int, where: str, epochs: int, device_name: str | None = None) -> dict:
    """train(...) given a model on the CPU; the course's loop (model moved once) for comparison."""
    with place(where) as device:
        if device_name is not None:
            device = torch.device(device_name)
        ref_model, ref_optimizer, criterion = fresh(seed)
        ref_model.to(device)
        ref_loader = SeededLoader(seed)
        reference = [trusted_epoch(ref_model, ref_loader, ref_optimizer, criterion, device) for _ in range(epochs)]
        model, optimizer, _ = fresh(seed)
        recorder = Recorder(model)
        losses, error = attempt(sub.train, model, SeededLoader(seed), optimizer, recorder.loss(), device, epochs)
        recorder.remove()
        return {"losses": numbers(losses) if error is None else None, "error": error, "events": recorder.events,
                "devices": param_devices(model), "params": model_state(model), "reference": reference,
                "reference_params": model_state(ref_model), "device": str(device)}


def timed_epoch(sub, seed: int, where: str, device_name: str | None = None) -> dict:
    """time_epoch: the seconds it returns, the wall time around it, synchronize calls and optimizer steps."""
    with place(where) as device:
        if device_name is not None:
            device = torch.device(device_name)
        model, _, criterion = fresh(seed)
        model.to(device)
        optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
        events: list = []
        optimizer.register_step_post_hook(lambda *a: events.append("step"))
        patched = []
        if where == "accelerator":
            for owner in (torch.cuda, torch.accelerator):
                original = owner.synchronize

                def recording(*args, _original=original, **kwargs):
                    events.append("synchronize")
                    return _original(*args, **kwargs)

                patched.append((owner, original))
                owner.synchronize = recording
        loader = SeededLoader(seed)
        started = time.perf_counter()
        try:
            seconds, error = attempt(sub.time_epoch, model, loader, optimizer, criterion, device)
        finally:
            wall = time.perf_counter() - started
            for owner, original in patched:
                owner.synchronize = original
        return {"seconds": number(seconds), "wall": wall, "error": error, "events": events,
                "batches": len(loader), "devices": param_devices(model)}


# ---- exercise 2 -------------------------------------------------------------------------------------

def _trusted_checkpoint(seed: int, epochs: int, device=CPU):
    """A model and Adam trained `epochs` epochs by the course's loop; the lesson 2.3.1 checkpoint dict."""
    model, optimizer, criterion = fresh(seed)
    model.to(device)
    loader = SeededLoader(seed)
    for _ in range(epochs):
        loss = trusted_epoch(model, loader, optimizer, criterion, device)[0]
    return model, optimizer, {"model_state_dict": model.state_dict(), "optimizer_state_dict": optimizer.state_dict(),
                              "epoch": epochs, "loss": loss}


def save_during_gpu_training(sub, seed: int, epoch: int, loss: float) -> dict:
    """save_checkpoint on a model and Adam that live on the GPU; what the file holds, read on the CPU."""
    with accelerator() as device:
        model, optimizer, _ = _trusted_checkpoint(seed, 1, device)
        _, error = attempt(sub.save_checkpoint, "checkpoint.pt", model, optimizer, epoch, loss)
        expected_model, expected_optimizer = model_state(model), optimizer_tensors(optimizer.state_dict())
        devices = param_devices(model)
    out = {"error": error, "model": expected_model, "optimizer": expected_optimizer, "devices": devices,
           "exists": Path("checkpoint.pt").exists()}
    if error or not out["exists"]:
        return out
    data = torch.load("checkpoint.pt", map_location="cpu", weights_only=False)
    out["type"] = type(data).__name__
    if isinstance(data, dict):
        out["keys"] = sorted(str(k) for k in data)
        out["epoch"] = data.get("epoch") if type(data.get("epoch")) in (int, float) else repr(data.get("epoch"))
        value = data.get("loss")
        out["loss"] = float(value) if isinstance(value, (int, float)) or torch.is_tensor(value) else repr(value)
        saved_model = data.get("model_state_dict")
        out["saved_model"] = {str(k): plain(v) for k, v in saved_model.items()} \
            if isinstance(saved_model, dict) else None
        saved_optimizer = data.get("optimizer_state_dict")
        out["saved_optimizer"] = optimizer_tensors(saved_optimizer) if isinstance(saved_optimizer, dict) else None
    return out


def load_gpu_checkpoint_on_cpu(sub, seed: int, epoch: int) -> dict:
    """A checkpoint saved on a GPU (storages tagged cuda:0), loaded by load_checkpoint on a CPU-only machine."""
    from gradekit.harness.simcuda import save_as_cuda

    model, optimizer, checkpoint = _trusted_checkpoint(seed, epoch)
    save_as_cuda(checkpoint, "gpu_checkpoint.pt")
    with cpu_only() as device:
        new_model, new_optimizer, _ = fresh(seed + 1)
        returned, error = attempt(sub.load_checkpoint, "gpu_checkpoint.pt", new_model, new_optimizer, device)
    return {"returned": returned if type(returned) is int else repr(returned)[:80], "error": error,
            "saved_model": model_state(model), "restored_model": model_state(new_model),
            "saved_optimizer": optimizer_tensors(optimizer.state_dict()),
            "restored_optimizer": optimizer_tensors(new_optimizer.state_dict()),
            "devices": param_devices(new_model), "optimizer_devices": optimizer_devices(new_optimizer)}


def load_checkpoint_onto_gpu(sub, seed: int, epoch: int) -> dict:
    """A CPU checkpoint loaded onto the GPU into a model already moved there; then one more epoch of training."""
    model, optimizer, checkpoint = _trusted_checkpoint(seed, epoch)
    torch.save(checkpoint, "cpu_checkpoint.pt")
    with accelerator() as device:
        new_model, _, criterion = fresh(seed + 1)
        new_model.to(device)
        new_optimizer = torch.optim.Adam(new_model.parameters(), lr=1e-3)
        returned, error = attempt(sub.load_checkpoint, "cpu_checkpoint.pt", new_model, new_optimizer, device)
        out = {"returned": returned if type(returned) is int else repr(returned)[:80], "error": error,
               "saved_model": model_state(model), "restored_model": model_state(new_model),
               "saved_optimizer": optimizer_tensors(optimizer.state_dict()),
               "restored_optimizer": optimizer_tensors(new_optimizer.state_dict()),
               "devices": param_devices(new_model), "optimizer_devices": optimizer_devices(new_optimizer)}
        if error is None:
            _, out["train_error"] = attempt(trusted_epoch, new_model, SeededLoader(seed, first_epoch=epoch + 1),
                                            new_optimizer, criterion, device)
    return out


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


def trusted_amp_step(seed: int, device, init_scale: float) -> dict:
    """The lesson's mixed-precision step (trusted copy): unscaled gradients, loss and weights after it."""
    torch.manual_seed(seed)
    model = MNISTNet().to(device)
    optimizer = _sgd(model)
    criterion = nn.CrossEntropyLoss()
    inputs, labels = _batch(seed, device)
    scaler = torch.amp.GradScaler(device.type, init_scale=init_scale)
    torch.manual_seed(seed + 1)
    optimizer.zero_grad()
    with torch.autocast(device.type):
        loss = criterion(model(inputs), labels)
    scaler.scale(loss).backward()
    scaler.unscale_(optimizer)
    grads = _grads(model)
    scaler.step(optimizer)
    scaler.update()
    return {"loss": loss.item(), "grads": grads, "params": model_state(model)}


def amp_step(sub, seed: int, where: str, init_scale: float = 1024.0, stale: bool = False,
             inject_inf: bool = False) -> dict:
    """One amp_train_step with a recording scaler; optionally stale gradients left over, or an inf gradient."""
    with place(where) as device:
        reference = trusted_amp_step(seed, device, init_scale)
        torch.manual_seed(seed)
        model = MNISTNet().to(device)
        optimizer = _sgd(model)
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
        before = model_state(model)
        torch.manual_seed(seed + 1)
        loss, error = attempt(sub.amp_train_step, model, inputs, labels, optimizer, nn.CrossEntropyLoss(), scaler,
                              device)
        recorder.remove()
        return {
            "loss": number(loss), "error": error, "events": events, "dtypes": recorder.dtypes,
            "param_dtypes": sorted({str(p.dtype).removeprefix("torch.") for p in model.parameters()}),
            "grads_at_unscale": scaler.grads_at_unscale, "scale_at_unscale": scaler.scale_at_unscale,
            "scale_after": scaler.get_scale(), "init_scale": init_scale,
            "before": before, "after": model_state(model), "reference": reference, "device": str(device),
        }


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


def _unscaled_logit_grad(seed: int, device, use_amp: bool) -> float:
    """The first batch's logit-gradient norm without any scaler: what the student's would be, unscaled."""
    model, _, criterion = fresh(seed, "sgd")
    model.to(device)
    norms = _logit_grads(model)
    inputs, labels = SeededLoader(seed).batches[0]
    torch.manual_seed(seed * 1000 + 1)
    with torch.autocast(device.type, enabled=use_amp):
        loss = criterion(model(inputs.to(device)), labels.to(device))
    loss.backward()
    return norms[0]


def _trusted_run(seed: int, device, first_epoch: int, last_epoch: int, state=None) -> list:
    """The lesson's portable loop (trusted copy): AMP on CUDA only; per-epoch [per-batch, per-sample] losses."""
    model, optimizer, criterion = fresh(seed, "sgd")
    if state is not None:
        model.load_state_dict(state["model"])
    model.to(device)
    if state is not None:
        optimizer.load_state_dict(state["optimizer"])
    use_amp = device.type == "cuda"
    scaler = torch.amp.GradScaler(device.type) if use_amp else None
    loader = SeededLoader(seed, first_epoch=first_epoch)
    return [trusted_epoch(model, loader, optimizer, criterion, device, scaler)
            for _ in range(first_epoch, last_epoch + 1)]


def _checkpoint_summary(path: str) -> dict | None:
    """What a checkpoint file holds, read on the CPU: its keys, epoch and model weights."""
    if not Path(path).exists():
        return None
    try:
        data = torch.load(path, map_location="cpu", weights_only=False)
    except Exception as error:  # noqa: BLE001
        return {"unreadable": f"{type(error).__name__}: {str(error)[:200]}"}
    if not isinstance(data, dict):
        return {"type": type(data).__name__}
    weights = data.get("model_state_dict")
    return {"type": "dict", "keys": sorted(str(k) for k in data),
            "epoch": data.get("epoch") if type(data.get("epoch")) in (int, float) else repr(data.get("epoch")),
            "weights": {str(k): plain(v) for k, v in weights.items()} if isinstance(weights, dict) else None}


def portable_run(sub, seed: int, where: str, epochs: int, device_name: str | None = None) -> dict:
    """train_portable from scratch (device=None unless a device is named); what precision, scale and losses."""
    with place(where) as context_device:
        device = context_device if device_name is None else torch.device(device_name)
        use_amp = device.type == "cuda"
        reference = _trusted_run(seed, device, 1, epochs)
        unscaled = _unscaled_logit_grad(seed, device, use_amp)
        model, optimizer, criterion = fresh(seed, "sgd")
        recorder = Recorder(model)
        grad_norms = _logit_grads(model)
        args = (model, optimizer, criterion, SeededLoader(seed), epochs, "portable.pt")
        losses, error = attempt(sub.train_portable, *args, **({} if device_name is None else {"device": device}))
        recorder.remove()
        return {"losses": numbers(losses) if error is None else None, "error": error, "dtypes": recorder.dtypes,
                "events": recorder.events, "devices": param_devices(model), "logit_grad":
                grad_norms[0] if grad_norms else None, "unscaled_logit_grad": unscaled, "reference": reference,
                "final": model_state(model), "checkpoint": _checkpoint_summary("portable.pt"),
                "device": str(device)}


def portable_crash(sub, seed: int, where: str, epochs: int, crash_at_epoch: int) -> dict:
    """train_portable whose loader fails at the start of an epoch: what the checkpoint holds after the crash."""
    with place(where):
        model, optimizer, criterion = fresh(seed, "sgd")
        loader = SeededLoader(seed, crash_at_epoch=crash_at_epoch)
        crashed = False
        try:
            _, error = attempt(sub.train_portable, model, optimizer, criterion, loader, epochs, "portable.pt")
        except PowerCut:
            crashed, error = True, None
        return {"crashed": crashed, "error": error, "at_crash": model_state(model),
                "checkpoint": _checkpoint_summary("portable.pt")}


def portable_resume(sub, seed: int, first: str, second: str, crash_after: int, epochs: int) -> dict:
    """Train to `crash_after` on one machine, then call again with a fresh model on another up to `epochs`."""
    with place(first):
        model, optimizer, criterion = fresh(seed, "sgd")
        losses1, error = attempt(sub.train_portable, model, optimizer, criterion, SeededLoader(seed), crash_after,
                                 "portable.pt")
        if error:
            return {"error": error, "stage": "first"}
        state = {"model": model_state(model), "optimizer": _plain_optimizer_state(optimizer.state_dict())}
    with place(second) as device:
        reference = _trusted_run(seed, device, crash_after + 1, epochs, state)
        model, optimizer, criterion = fresh(seed + 1, "sgd")
        losses2, error = attempt(sub.train_portable, model, optimizer, criterion,
                                 SeededLoader(seed, first_epoch=crash_after + 1), epochs, "portable.pt")
        return {"error": error, "stage": "second", "first": numbers(losses1),
                "second": numbers(losses2) if error is None else None, "reference": reference,
                "devices": param_devices(model), "device": str(device)}


def _plain_optimizer_state(state: dict) -> dict:
    """An optimizer state_dict with every tensor as a plain CPU copy."""
    return {"state": {i: {k: plain(v) if torch.is_tensor(v) else v for k, v in s.items()}
                      for i, s in state["state"].items()},
            "param_groups": state["param_groups"]}
