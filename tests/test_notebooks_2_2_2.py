"""Lesson 2.2.2's release notebook for real: executed top to bottom by nbclient on MNIST's real test files (the
offline split: 8 000 / 2 000 cut from the 10 000 test images, as the notebook says), solved and as shipped."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from gradekit.testing.notebooks import errors, execute, reference_notebook, stub_stops

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.usefixtures("notebook_checks_off")
LESSON = "2_2_2"
RELEASE = ROOT / "assignments" / LESSON / "2-2-2-mnist-project.ipynb"


@pytest.fixture
def quick(mnist_root, tmp_path, monkeypatch) -> dict:
    """Offline, one epoch on 1 000 images, one thread (a small MLP on a shared 2-core machine)."""
    monkeypatch.setenv("OMP_NUM_THREADS", "1")
    return {"DATA_ROOT": str(mnist_root), "OFFLINE_SPLIT": True, "EPOCHS": 1, "TRAIN_SUBSET": 1000,
            "SAVE_PATH": str(tmp_path / "mnist_model.pt")}


def test_reference_notebook_runs_top_to_bottom_on_real_mnist(quick, tmp_path):
    notebook = execute(reference_notebook(ROOT, LESSON), quick, cwd=tmp_path)
    assert not errors(notebook)
    text = "\n".join(o.get("text", "") for c in notebook.cells for o in c.get("outputs", []))
    assert "images: (128, 1, 28, 28) torch.float32 labels: (128,) torch.int64" in text
    assert re.search(r"epoch 1: train loss \d\.\d+, validation accuracy \d+\.\d+%", text)
    raw, squashed = map(float, re.search(r"raw logits: ([\d.]+)\s+softmax first: ([\d.]+)", text).groups())
    assert raw < squashed - 0.3 and squashed >= 1.46, (raw, squashed)  # the stall: never below log(1 + 9/e)
    images = [o for c in notebook.cells for o in c.get("outputs", []) if "image/png" in o.get("data", {})]
    assert len(images) >= 2, "the sample digits and the training curves are plotted"
    assert (tmp_path / "mnist_model.pt").exists()


def test_starter_notebook_stops_at_a_stub_and_its_graded_cells_run(quick, tmp_path):
    notebook = execute(RELEASE.read_text(), quick, cwd=tmp_path, allow_errors=True)
    problem = stub_stops(notebook)
    assert not problem, problem
