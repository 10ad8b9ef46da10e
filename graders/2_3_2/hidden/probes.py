"""Probes for the hidden checks of lesson 2.3.2 (run in the worker, like the public ones).

The public probes (`lesson_probes`) are found too: hidden checks also call them with other arguments.
"""

from __future__ import annotations

import lesson_probes as base
import torch

from gradekit.harness.simcuda import accelerator


def gpu_run_resumes_on_cpu(sub, seed: int, crash_after: int, total: int) -> dict:
    """Train on the GPU, save_checkpoint there, crash; load_checkpoint on a CPU-only machine and train on.

    The uninterrupted run (same seeds, one device) is the comparison: the loss must continue without a spike.
    """
    with accelerator() as device:
        model, optimizer, criterion = base.fresh(seed)
        model.to(device)
        loader = base.SeededLoader(seed)
        before = [base.trusted_epoch(model, loader, optimizer, criterion, device)[0] for _ in range(crash_after)]
        _, error = base.attempt(sub.save_checkpoint, "gpu.pt", model, optimizer, crash_after, before[-1])
        if error:
            return {"error": error}
        del model, optimizer  # the crash
    with base.cpu_only() as cpu:
        model, optimizer, criterion = base.fresh(seed + 1)
        start, error = base.attempt(sub.load_checkpoint, "gpu.pt", model, optimizer, cpu)
        if error:
            return {"error": error}
        loader = base.SeededLoader(seed, first_epoch=crash_after + 1)
        after = [base.trusted_epoch(model, loader, optimizer, criterion, cpu)[0]
                 for _ in range(crash_after + 1, total + 1)]
        resumed_final = base.model_state(model)
    with accelerator() as device:
        model, optimizer, criterion = base.fresh(seed)
        model.to(device)
        loader = base.SeededLoader(seed)
        straight = [base.trusted_epoch(model, loader, optimizer, criterion, device)[0] for _ in range(total)]
        straight_final = base.model_state(model)
    return {"error": None, "start": start if type(start) is int else repr(start)[:80], "resumed": before + after,
            "straight": straight, "resumed_final": resumed_final, "straight_final": straight_final}


def finished_run(sub, seed: int, epochs: int) -> dict:
    """train_portable to `epochs`, then called again with the same `epochs`: nothing is left to train."""
    with base.cpu_only():
        model, optimizer, criterion = base.fresh(seed, "sgd")
        _, error = base.attempt(sub.train_portable, model, optimizer, criterion, base.SeededLoader(seed), epochs,
                                "portable.pt")
        if error:
            return {"error": error}
        done = base.model_state(model)
        model, optimizer, criterion = base.fresh(seed + 1, "sgd")
        again, error = base.attempt(sub.train_portable, model, optimizer, criterion,
                                    base.SeededLoader(seed, first_epoch=epochs + 1), epochs, "portable.pt")
        return {"error": error, "again": base.numbers(again) if error is None else None,
                "done": done, "after": base.model_state(model)}


def amp_steps(sub, seed: int, where: str, steps: int, init_scale: float) -> dict:
    """Several amp_train_step calls with Adam from a scale so large the first steps overflow; the trusted run too.

    The trusted run autocasts to the precision the student's forward pass used (float16 unless they chose
    bfloat16, which cannot overflow), so both face the same overflows.
    """
    with base.place(where) as device:
        runs, dtype = {}, None
        for who in ("student", "reference"):
            torch.manual_seed(seed)
            model = base.MNISTNet().to(device)
            recorder = base.Recorder(model)
            optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
            criterion = torch.nn.CrossEntropyLoss()
            scaler = torch.amp.GradScaler(device.type, init_scale=init_scale)
            loader = base.SeededLoader(seed, n=32 * steps)
            losses, scales = [], []
            for inputs, labels in loader:
                inputs, labels = inputs.to(device), labels.to(device)
                if who == "reference":
                    optimizer.zero_grad()
                    with torch.autocast(device.type, dtype=dtype):
                        loss = criterion(model(inputs), labels)
                    scaler.scale(loss).backward()
                    scaler.step(optimizer)
                    scaler.update()
                    value = loss.item()
                else:
                    value, error = base.attempt(sub.amp_train_step, model, inputs, labels, optimizer, criterion,
                                                scaler, device)
                    if error:
                        return {"error": error}
                losses.append(base.number(value))
                scales.append(scaler.get_scale())
            recorder.remove()
            if who == "student":
                dtype = getattr(torch, recorder.dtypes.get("fc1", ""), None)
                dtype = dtype if dtype in (torch.float16, torch.bfloat16) else None
            runs[who] = {"losses": losses, "scales": scales, "params": base.model_state(model)}
        return {"error": None, **runs}
