"""Lesson 2.3.2's grading rests on a few facts about the simulated GPU and its own probes; check them directly.

- `cpu_only()` makes this process look like a machine without a GPU, and restores everything after;
- on the simulated GPU the course's loop gives exactly the CPU's losses (so "same as the CPU run" is exact);
- the recording GradScaler sees scale / step / update, a step with an inf gradient is skipped and the scale
  backs off;
- the reference scores 100 % with the hidden checks and the starter 0 % (on a real GPU too, where present).
"""

from __future__ import annotations

import importlib.util
import json
import sys
import types
from pathlib import Path

import pytest
import torch

from gradekit.course.simcuda import accelerator
from gradekit.verify import grade, solved_module

pytestmark = pytest.mark.slow  # trains on the simulated GPU and grades lesson 2.3.2

ROOT = Path(__file__).resolve().parents[1]
LESSON = "2_3_2"


@pytest.fixture(scope="module")
def probes() -> types.ModuleType:
    spec = importlib.util.spec_from_file_location("lesson_probes_2_3_2", ROOT / "graders" / LESSON / "probes.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_cpu_only_hides_the_gpu_and_restores_torch(probes):
    before = (torch.cuda.is_available, torch.cuda.synchronize, torch.accelerator.is_available)
    with probes.cpu_only() as device:
        assert device == torch.device("cpu") and not torch.cuda.is_available()
        assert torch.accelerator.current_accelerator() is None and not torch.accelerator.is_available()
        with pytest.raises(RuntimeError, match="NVIDIA driver"):
            torch.cuda.synchronize()
    assert (torch.cuda.is_available, torch.cuda.synchronize, torch.accelerator.is_available) == before


@pytest.mark.skipif(torch.cuda.is_available(), reason="a real GPU computes differently from the CPU")
def test_simulated_gpu_training_equals_cpu_training(probes):
    runs = []
    for context in (probes.cpu_only, accelerator):
        with context() as device:
            model, optimizer, criterion = probes.fresh(3)
            model.to(device)
            loader = probes.SeededLoader(3, n=96)
            runs.append(([probes.trusted_epoch(model, loader, optimizer, criterion, device) for _ in range(2)],
                         probes.model_state(model)))
    (cpu_losses, cpu_state), (gpu_losses, gpu_state) = runs
    assert cpu_losses == gpu_losses
    assert all(torch.equal(cpu_state[k], gpu_state[k]) for k in cpu_state)


class ReferenceStep:
    """A stand-in submission with the lesson's mixed-precision step."""

    @staticmethod
    def amp_train_step(model, inputs, labels, optimizer, criterion, scaler, device):
        optimizer.zero_grad()
        with torch.autocast(device.type):
            loss = criterion(model(inputs), labels)
        scaler.scale(loss).backward()
        scaler.step(optimizer)
        scaler.update()
        return loss.item()


class InProcess:
    """A stand-in for the harness's handle on the student's process: runs each step here, on `sub`."""

    def __init__(self, sub) -> None:
        self.sub = sub

    def call(self, step, /, **args):
        return step(self.sub, **args)


@pytest.mark.parametrize("where", ["accelerator", "cpu"])
def test_recording_scaler_sees_the_step_and_skips_an_overflow(probes, where):
    out = probes.amp_step(InProcess(ReferenceStep), seed=1, where=where)
    assert out["error"] is None
    assert out["events"] == ["scale", "scaler.step", "unscale_", "optimizer.step", "scaler.step done", "update"]
    assert set(out["dtypes"].values()) == ({"float16"} if where == "accelerator" else {"bfloat16"})
    assert out["param_dtypes"] == ["float32"]
    assert out["loss"] == pytest.approx(out["reference"]["loss"])
    overflow = probes.amp_step(InProcess(ReferenceStep), seed=1, where=where, inject_inf=True)
    assert "optimizer.step" not in overflow["events"] and overflow["scale_after"] == overflow["init_scale"] / 2
    assert all(torch.equal(overflow["before"][k], v) for k, v in overflow["after"].items())


def test_reference_scores_everything_and_the_starter_nothing(tmp_path, grading_service):
    reference = grade(ROOT, LESSON, solved_module(ROOT, LESSON, tmp_path), hidden=True, service=grading_service)
    assert reference["lessons"][LESSON]["points"] == reference["lessons"][LESSON]["max_points"] > 0, \
        [(c["name"], c["message"]) for c in reference["checks"] if c["status"] != "passed"]
    manifest = json.loads((ROOT / "assignments" / LESSON / "manifest.json").read_text())
    starter = grade(ROOT, LESSON, ROOT / "assignments" / LESSON / manifest["module"], hidden=True,
                    service=grading_service)
    assert starter["lessons"][LESSON]["points"] == 0
    assert all("not implemented yet" in c["message"] for c in starter["checks"]), \
        [c["message"] for c in starter["checks"] if "not implemented yet" not in c["message"]]
