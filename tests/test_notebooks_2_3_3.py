"""Lesson 2.3.3's release notebook for real: executed by nbclient on the real Fashion-MNIST files, reduced epochs."""

from __future__ import annotations

from pathlib import Path

import pytest

from gradekit.notebooks import errors, execute, reference_notebook, stub_stops

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.usefixtures("notebook_checks_off")
LESSON = "2_3_3"
RELEASE = ROOT / "assignments" / LESSON / "2-3-3-fashion-mnist-project.ipynb"
QUICK = {"EPOCHS": 2, "PATIENCE": 1, "TRAIN_SUBSET": 3000, "TEST_SUBSET": 1000, "VAL_SIZE": 1000}


def test_reference_notebook_runs_top_to_bottom_on_real_data(tmp_path):
    text = reference_notebook(ROOT, LESSON)
    notebook = execute(text, {**QUICK, "CHECKPOINT_PATH": str(tmp_path / "best_model.pt")}, cwd=tmp_path)
    assert not errors(notebook)
    images = [o for c in notebook.cells for o in c.get("outputs", []) if "image/png" in o.get("data", {})]
    assert len(images) >= 4, "sample grid, training curves, per-class bars and the confusion matrix are plotted"
    assert (tmp_path / "best_model.pt").exists()


def test_starter_notebook_stops_at_a_stub_and_its_graded_cells_run(tmp_path):
    notebook = execute(RELEASE.read_text(), {**QUICK, "CHECKPOINT_PATH": str(tmp_path / "best_model.pt")},
                       cwd=tmp_path, allow_errors=True)
    problem = stub_stops(notebook)
    assert not problem, problem
