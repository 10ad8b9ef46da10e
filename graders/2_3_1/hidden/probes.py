"""Probes for the hidden checks of lesson 2.3.1 (trusted code in the worker, like the public ones)."""

from __future__ import annotations

from pathlib import Path

import torch

import lesson_probes as base
from gradekit.course.simcuda import cpu_only, save_as_cuda
from gradekit.probe import saved_bytes, secret_seed, student_step

CODE_RAN = "code_ran.flag"


class _Payload:
    """An object whose unpickling leaves a mark: only a loader that runs pickled code touches it."""

    def __init__(self, mark: str) -> None:
        self.mark = mark

    def __reduce__(self):
        return (Path.touch, (Path(self.mark),))


def _cuda_file(obj) -> bytes:
    """`obj` saved as on a GPU (storages tagged cuda:0), as bytes."""
    import os
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "gpu.pt")
        save_as_cuda(obj, path)
        with open(path, "rb") as handle:
            return handle.read()


@student_step
def call_load_model_on_cpu(sub, name: str) -> dict:
    """load_model(MNISTNet(), path, device="cpu") on the file the worker wrote, on a machine without a GPU
    (`cpu_only()` hides a real one: where torch.load finds a GPU, a file saved on cuda:0 loads without
    map_location, and a load that forgets it would pass)."""
    with cpu_only():
        loaded = sub.load_model(base.MNISTNet(), name, device="cpu")
        return {"loaded": {k: v for k, v in loaded.state_dict().items()}}


def load_cuda_saved_model(student) -> dict:
    """A state_dict of secret weights saved with its storages tagged cuda:0 (as on a GPU), loaded on the CPU."""
    model, _, _, _ = base.secret_model()
    student.put("gpu_model.pth", _cuda_file(model.state_dict()))
    return {**student.call(call_load_model_on_cpu, name="gpu_model.pth"), "original": base.model_state(model)}


@student_step
def call_load_untrusted(sub, mark: str) -> dict:
    """load_model on a clean state_dict file (its weights), then on one that carries a pickled callable (the error
    it raised, if any)."""
    clean = sub.load_model(base.MNISTNet(), "clean.pth")
    out = {"clean": base.model_state(clean) if isinstance(clean, torch.nn.Module) else {}, "error": None}
    try:
        sub.load_model(base.MNISTNet(), "untrusted.pth")
    except NotImplementedError:
        raise
    except Exception as refused:  # noqa: BLE001 - the weights-only loader refusing the file is the right outcome
        out["error"] = f"{type(refused).__name__}: {str(refused)[:200]}"
    return out


def load_file_with_code(student) -> dict:
    """A clean state_dict of secret weights, then one that also carries a pickled callable: what load_model
    restored from the first, and whether it executed the second's code (seen here, by the mark it leaves)."""
    model, _, _, _ = base.secret_model()
    mark = str(student.workdir / f"{CODE_RAN}-{secret_seed()}")
    state = dict(model.state_dict())
    student.put("clean.pth", saved_bytes(state))
    state["_payload"] = _Payload(mark)
    student.put("untrusted.pth", saved_bytes(state))
    out = student.call(call_load_untrusted, mark=mark)
    return {"code_ran": Path(mark).exists(), "error": out["error"], "clean": out["clean"],
            "original": base.model_state(model)}


@student_step
def call_first_half(sub, seed: int, crash_after: int) -> dict:
    """train_with_checkpoints to `crash_after` from the start the worker sent (start.pt): the crash's history."""
    model, optimizer, criterion = base.fresh(seed, torch.load("start.pt", weights_only=True))
    train, val = base.loaders(seed)
    rows = sub.train_with_checkpoints(model, optimizer, criterion, train, val, crash_after, "crash", every=crash_after)
    return {"rows": base.plain_rows(rows)}


def own_loop_first_half(student, seed: int, total: int, crash_after: int) -> dict:
    """The student's train_with_checkpoints from a secret start, up to the crash; the checkpoint it left, and the
    course's uninterrupted run from the same start. The second half runs in another worker."""
    start = base.model_state(base.fresh(secret_seed())[0])
    student.put("start.pt", saved_bytes(start))
    out = student.call(call_first_half, seed=seed, crash_after=crash_after)
    straight = base.trusted_run(seed, total, weights=start)
    return {"rows": out["rows"], "file": student.file(f"crash/epoch_{crash_after}.pt"),
            "straight": straight["val"], "straight_final": straight["states"][total]}


@student_step
def call_second_half(sub, seed: int, total: int, crash_after: int) -> dict:
    """resume from the crash's checkpoint into a fresh model, then train_with_checkpoints to `total`."""
    model, optimizer, criterion = base.fresh(seed + 1)
    start = sub.resume(f"crash/epoch_{crash_after}.pt", model, optimizer)
    train, val = base.loaders(seed, first_epoch=crash_after + 1)
    rows = sub.train_with_checkpoints(model, optimizer, criterion, train, val, total, "crash", every=crash_after,
                                      start_epoch=start)
    return {"rows": base.plain_rows(rows), "final": base.model_state(model)}


def own_loop_second_half(student, seed: int, total: int, crash_after: int, file: bytes | None) -> dict:
    """The crash's checkpoint, and only it, resumed and trained on by the student's code in a fresh process."""
    if file is None:
        return {"rows": [], "final": None}
    (student.workdir / "crash").mkdir()
    student.put(f"crash/epoch_{crash_after}.pt", file)
    return student.call(call_second_half, seed=seed, total=total, crash_after=crash_after)


@student_step
def call_resume_on_cpu(sub, name: str) -> dict:
    """resume(path, model, optimizer, device="cpu") on a machine without a GPU (`cpu_only()` hides a real one)."""
    with cpu_only():
        return base.call_resume(sub, name=name, device="cpu")


def resume_cuda_checkpoint(student) -> dict:
    """A checkpoint of secret weights, saved after a secret epoch on a (simulated) GPU, resumed on a CPU-only
    machine."""
    epoch, trained = base.secret_epoch()
    model, optimizer, _, loss = base.secret_model(epochs=trained)
    student.put("gpu_checkpoint.pt", _cuda_file(base.checkpoint_dict(model, optimizer, epoch, loss)))
    out = student.call(call_resume_on_cpu, name="gpu_checkpoint.pt")
    return {"returned": out["returned"], "saved_epoch": epoch, "saved_model": base.model_state(model),
            "restored_model": out["restored_model"]}
