"""Lesson 2.3.2's release notebook for real: executed by nbclient on real MNIST test files.

On a CPU-only machine the notebook takes its CPU paths (the device-mismatch demo uses the meta device, the
timing table has one column, train_portable trains without mixed precision); the graders still run the
graded cells on a (simulated) GPU.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from gradekit.testing.notebooks import execute, reference_notebook, stub_stops

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.usefixtures("notebook_checks_off")
LESSON = "2_3_2"
RELEASE = ROOT / "assignments" / LESSON / "2-3-2-gpu-training.ipynb"


@pytest.fixture(scope="module")
def solved_notebook_text() -> str:
    return reference_notebook(ROOT, LESSON)


def test_reference_notebook_runs_top_to_bottom_on_real_mnist(solved_notebook_text, mnist_parameters, tmp_path):
    notebook = execute(solved_notebook_text, mnist_parameters, cwd=tmp_path)
    outputs = "\n".join(o.get("text", "") for c in notebook.cells for o in c.get("outputs", []))
    assert "RuntimeError:" in outputs, "the device-mismatch error is shown first"
    assert "same predictions on the CPU: True" in outputs
    assert "became 0: the gradient vanished" in outputs
    assert "mixed precision" in outputs and "resumed at epoch 2" in outputs
    assert (tmp_path / "ckpt" / "gpu_training.pt").exists() and (tmp_path / "ckpt" / "portable.pt").exists()


def test_starter_notebook_stops_at_the_first_stub(mnist_parameters, tmp_path):
    notebook = execute(RELEASE.read_text(), mnist_parameters, cwd=tmp_path,
                       allow_errors=True)
    problem = stub_stops(notebook)
    assert not problem, problem
