"""Probes for the hidden checks of lesson 2.3.1 (run in the worker, like the public ones)."""

from __future__ import annotations

from pathlib import Path

import torch

import lesson_probes as base
from gradekit.harness.simcuda import save_as_cuda

CODE_RAN = Path("code_ran.flag")


class _Payload:
    """An object whose unpickling leaves a mark: only a loader that runs pickled code touches it."""

    def __reduce__(self):
        return (Path.touch, (CODE_RAN.resolve(),))


def load_cuda_saved_model(sub, seed: int) -> dict:
    """A state_dict saved with its storages tagged cuda:0 (as on a GPU), loaded by load_model on the CPU."""
    model, _, _ = base.fresh(seed)
    save_as_cuda(model.state_dict(), "gpu_model.pth")
    loaded = sub.load_model(base.MNISTNet(), "gpu_model.pth", device="cpu")
    return {"original": base.model_state(model), "loaded": {k: v for k, v in loaded.state_dict().items()}}


def load_file_with_code(sub, seed: int) -> dict:
    """A state_dict file that also carries a pickled callable; report whether load_model executed it."""
    model, _, _ = base.fresh(seed)
    state = dict(model.state_dict())
    state["_payload"] = _Payload()
    torch.save(state, "untrusted.pth")
    error = None
    try:
        sub.load_model(base.MNISTNet(), "untrusted.pth")
    except NotImplementedError:
        raise
    except Exception as refused:  # noqa: BLE001 - the weights-only loader refusing the file is the right outcome
        error = f"{type(refused).__name__}: {str(refused)[:200]}"
    return {"code_ran": CODE_RAN.exists(), "error": error}


def own_loop_resume(sub, seed: int, total: int, crash_after: int) -> dict:
    """The exercise as the lesson states it: the student's train_with_checkpoints, a crash, resume, continue."""
    model, optimizer, criterion = base.fresh(seed)
    train, val = base.loaders(seed)
    rows = sub.train_with_checkpoints(model, optimizer, criterion, train, val, total, "straight", every=crash_after)
    straight, straight_final = [r["val_loss"] for r in rows], base.model_state(model)

    model, optimizer, criterion = base.fresh(seed)
    train, val = base.loaders(seed)
    before = sub.train_with_checkpoints(model, optimizer, criterion, train, val, crash_after, "crash", every=crash_after)
    model, optimizer, _ = base.fresh(seed + 1)
    start = sub.resume(f"crash/epoch_{crash_after}.pt", model, optimizer)
    train, val = base.loaders(seed, first_epoch=crash_after + 1)
    after = sub.train_with_checkpoints(model, optimizer, criterion, train, val, total, "crash", every=crash_after,
                                       start_epoch=start)
    return {"straight": straight, "resumed": [r["val_loss"] for r in before + after],
            "straight_final": straight_final, "resumed_final": base.model_state(model)}


def resume_cuda_checkpoint(sub, seed: int) -> dict:
    """A checkpoint saved on a (simulated) GPU, resumed on the CPU."""
    model, optimizer, criterion = base.fresh(seed)
    train, _ = base.loaders(seed)
    for _ in range(3):
        loss = base.train_epoch(model, train, optimizer, criterion)
    save_as_cuda({"model_state_dict": model.state_dict(), "optimizer_state_dict": optimizer.state_dict(),
                  "epoch": 3, "loss": loss}, "gpu_checkpoint.pt")
    new_model, new_optimizer, _ = base.fresh(seed + 1)
    returned = sub.resume("gpu_checkpoint.pt", new_model, new_optimizer, device="cpu")
    return {"returned": returned if type(returned) is int else repr(returned)[:80],
            "saved_model": base.model_state(model), "restored_model": base.model_state(new_model)}
