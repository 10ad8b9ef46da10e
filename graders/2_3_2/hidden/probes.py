"""Probes for the hidden checks of lesson 2.3.2 (trusted code in the worker, like the public ones).

The public probes (`lesson_probes`) are found too: hidden checks also call them with other arguments.
The crash-and-resume checks are split across two workers: the first trains from a secret start, has the
student's code write the checkpoint and computes the uninterrupted run; the second gets the file, and only it.
"""

from __future__ import annotations

import torch

import lesson_probes as base
from gradekit.course.simcuda import is_simulated
from gradekit.probe import saved_bytes, secret_seed, student_step

OVERFLOW_MARGIN = 1e-2  # how far (as a fraction of the scale) every step's overflow decision lies from flipping


def secret_crash() -> int:
    """After how many epochs the GPU run crashes: 2 to 4, never known to the student's process."""
    return 2 + secret_seed() % 3


def gpu_run_first_half(student, seed: int) -> dict:
    """Train on the GPU from a secret start for a secret number of epochs, save_checkpoint there (saying a secret
    epoch of its own, so a guess at the next one almost never lands), crash.

    The uninterrupted run (same start, same batches, one device) is computed here: the loss must continue
    without a spike when `gpu_run_second_half` resumes from the file in another worker.
    """
    crash_after, (saved_epoch, _) = secret_crash(), base.secret_epoch()
    total = crash_after + 2
    with base.accelerator() as device:
        model, optimizer, criterion = base.fresh_from(base.secret_start(), device=device)
        loader = base.SeededLoader(seed)
        straight, at_crash = [], None
        for epoch in range(1, total + 1):
            straight.append(base.trusted_epoch(model, loader, optimizer, criterion, device)[0])
            if epoch == crash_after:
                at_crash = {"model_state_dict": base.model_state(model),
                            "optimizer_state_dict": base.plain_optimizer_state(optimizer.state_dict())}
        straight_final = base.model_state(model)
    student.put("start.pt", saved_bytes(at_crash))
    out = student.call(base.call_save_checkpoint, path="gpu.pt", epoch=saved_epoch, loss=straight[crash_after - 1])
    return {"error": out["error"], "file": student.file("gpu.pt"), "crash_after": crash_after, "total": total,
            "saved_epoch": saved_epoch, "before": straight[:crash_after], "straight": straight,
            "straight_final": straight_final}


def gpu_run_second_half(student, seed: int, crash_after: int, total: int, file: bytes | None) -> dict:
    """The GPU run's checkpoint, and only it, loaded by load_checkpoint on a CPU-only machine in a fresh process;
    the course's loop then trains on here from what load_checkpoint restored."""
    if file is None:
        return {"error": None, "saved": False}
    student.put("gpu.pt", file)
    out = student.call(base.call_load_checkpoint, path="gpu.pt", seed=seed, where="cpu")
    if out["error"]:
        return {"error": out["error"], "saved": True}
    model, optimizer, criterion = base.fresh(seed + 1)
    try:
        model.load_state_dict(out["restored_model"])
        optimizer.load_state_dict(out["restored_optimizer_state"])
        loader = base.SeededLoader(seed, first_epoch=crash_after + 1)
        after = [base.trusted_epoch(model, loader, optimizer, criterion, base.CPU)[0]
                 for _ in range(crash_after + 1, total + 1)]
    except (RuntimeError, KeyError, ValueError, TypeError, IndexError) as error:
        return {"error": None, "saved": True, "start": out["returned"], "restore_error": str(error)[:300]}
    return {"error": None, "saved": True, "start": out["returned"], "after": after,
            "resumed_final": base.model_state(model)}


def finished_run_first(student, seed: int, epochs: int) -> dict:
    """train_portable to `epochs` from a secret start on a CPU-only machine; the checkpoint it left, and the
    weights the lesson's loop ends with (computed here)."""
    start = base.secret_start()
    done = base.trusted_portable(seed, "cpu", 1, epochs, {"model": start})
    out = student.call(base.call_train_portable, weights=start, seed=seed, where="cpu", epochs=epochs)
    return {"error": out["error"], "file": student.file("portable.pt"), "done": done["model"]}


def finished_run_again(student, seed: int, epochs: int, file: bytes | None) -> dict:
    """train_portable called again with the same `epochs`, a fresh model, and the finished run's checkpoint."""
    if file is not None:
        student.put("portable.pt", file)
    out = student.call(base.call_train_portable, weights=None, seed=seed, where="cpu", epochs=epochs,
                       first_epoch=epochs + 1)
    return {"error": out["error"], "again": out["losses"], "after": out["final"]}


@student_step
def call_amp_steps(sub, weights: dict, seed: int, where: str, steps: int, init_scale: float) -> dict:
    """Several amp_train_step calls with Adam, from `weights` and a scale so large the first steps overflow."""
    with base.place(where) as device:
        model = base.MNISTNet()
        model.load_state_dict(weights)
        model.to(device)
        recorder = base.Recorder(model)
        optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
        criterion = torch.nn.CrossEntropyLoss()
        scaler = torch.amp.GradScaler(device.type, init_scale=init_scale)
        losses, scales = [], []
        for inputs, labels in base.SeededLoader(seed, n=32 * steps):
            value, error = base.attempt(sub.amp_train_step, model, inputs.to(device), labels.to(device), optimizer,
                                        criterion, scaler, device)
            if error:
                return {"error": error}
            losses.append(base.number(value))
            scales.append(scaler.get_scale())
        recorder.remove()
        return {"error": None, "losses": losses, "scales": scales, "params": base.model_state(model),
                "dtypes": recorder.dtypes}


def lessons_setup(weights: dict, device, init_scale: float) -> tuple:
    """The lesson's MNISTNet from `weights` on `device`, its Adam, its loss and a GradScaler from `init_scale`."""
    model = base.MNISTNet()
    model.load_state_dict(weights)
    model.to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    return model, optimizer, torch.nn.CrossEntropyLoss(), torch.amp.GradScaler(device.type, init_scale=init_scale)


def trusted_amp_steps(weights: dict, seed: int, where: str, steps: int, init_scale: float, dtype) -> dict:
    """The lesson's mixed-precision steps (trusted copy) with Adam from `weights`, autocasting to `dtype`."""
    with base.place(where) as device:
        model, optimizer, criterion, scaler = lessons_setup(weights, device, init_scale)
        losses, scales = [], []
        for inputs, labels in base.SeededLoader(seed, n=32 * steps):
            losses.append(base.trusted_amp_batch(model, inputs.to(device), labels.to(device), optimizer, criterion,
                                                 scaler, device, dtype))
            scales.append(scaler.get_scale())
        return {"losses": losses, "scales": scales, "params": base.model_state(model)}


def _overflows_at(model, inputs, labels, criterion, scale: float, device) -> bool:
    """Whether the lesson's float16 forward, scaled by `scale`, overflows some gradient (the dropout masks the real
    step draws next are drawn again afterwards: torch's generators are restored)."""
    real_cuda = device.type == "cuda" and not is_simulated(next(model.parameters()))
    with torch.random.fork_rng(devices=[device.index or 0] if real_cuda else []):
        for p in model.parameters():
            p.grad = None
        with torch.autocast(device.type, dtype=torch.float16):
            loss = criterion(model(inputs), labels)
        (loss * scale).backward()
        found = not all(bool(torch.isfinite(p.grad).all()) for p in model.parameters() if p.grad is not None)
        for p in model.parameters():
            p.grad = None
    return found


def overflow_decisions(weights: dict, seed: int, where: str, steps: int, init_scale: float,
                       margin: float = OVERFLOW_MARGIN) -> list:
    """The lesson's float16 steps from `weights`: for each, whether it overflowed, and whether it would have with a
    scale `margin` smaller and `margin` larger (as gradients summed in another order, a hair apart, could)."""
    with base.place(where) as device:
        model, optimizer, criterion, scaler = lessons_setup(weights, device, init_scale)
        decisions = []
        for inputs, labels in base.SeededLoader(seed, n=32 * steps):
            inputs, labels = inputs.to(device), labels.to(device)
            scale = scaler.get_scale()
            nearby = [_overflows_at(model, inputs, labels, criterion, scale * factor, device)
                      for factor in (1 - margin, 1 + margin)]
            base.trusted_amp_batch(model, inputs, labels, optimizer, criterion, scaler, device, torch.float16)
            decisions.append((scaler.get_scale() < scale, *nearby))
        return decisions


def clear_overflow_start(seed: int, where: str, steps: int, init_scale: float, tries: int = 200) -> dict:
    """A secret start on which no step's overflow is borderline (a step summed in another order overflows, or not,
    as the lesson's does) and the run stops overflowing within its steps (a step that never clears stale inf
    gradients, overflowing every time, shows)."""
    for _ in range(tries):
        start = base.secret_start()
        decisions = overflow_decisions(start, seed, where, steps, init_scale)
        if all(len(set(d)) == 1 for d in decisions) and not all(d[0] for d in decisions):
            return start
    raise AssertionError(f"no start in {tries} draws keeps every step's overflow {OVERFLOW_MARGIN} from the boundary")


def amp_steps(student, seed: int, where: str, steps: int, init_scale: float) -> dict:
    """Several amp_train_step calls from a secret start and a scale so large the first steps overflow; the
    lesson's steps from the same start, run here.

    The trusted run autocasts to the precision the student's forward pass used (float16 unless they chose
    bfloat16, which cannot overflow), so both face the same overflows. The start is redrawn until every float16
    step overflows, or not, with a scale 1 % smaller and 1 % larger alike, and the overflows stop within the run.
    """
    start = clear_overflow_start(seed, where, steps, init_scale)
    out = student.call(call_amp_steps, weights=start, seed=seed, where=where, steps=steps, init_scale=init_scale)
    if out["error"]:
        return {"error": out["error"]}
    reference = trusted_amp_steps(start, seed, where, steps, init_scale, base.reduced_dtype(out["dtypes"]))
    student_run = {"losses": out["losses"], "scales": out["scales"], "params": out["params"]}
    return {"error": None, "student": student_run, "reference": reference}
