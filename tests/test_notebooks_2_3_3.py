"""Lesson 2.3.3's release notebook for real: executed by nbclient on the real Fashion-MNIST files, reduced epochs."""

from __future__ import annotations

from pathlib import Path

import pytest

from gradekit.build.outputs import release_notebook
from gradekit.build.pipeline import lesson_sources
from gradekit.build.source import read_source
from gradekit.notebooks import errors, execute

ROOT = Path(__file__).resolve().parents[1]
LESSON = "2_3_3"
RELEASE = ROOT / "assignments" / LESSON / "2-3-3-fashion-mnist-project.ipynb"
QUICK = {"EPOCHS": 2, "PATIENCE": 1, "TRAIN_SUBSET": 3000, "TEST_SUBSET": 1000, "VAL_SIZE": 1000}


@pytest.fixture(autouse=True)
def notebook_checks_off(monkeypatch):
    """The check cells only say they are off here: tests/test_notebook_check.py runs them for real."""
    monkeypatch.setenv("GRADEKIT_NOTEBOOK_CHECKS", "off")


def test_reference_notebook_runs_top_to_bottom_on_real_data(tmp_path):
    text = release_notebook(read_source(next(p for p in lesson_sources(ROOT, [LESSON]))), solved=True)
    notebook = execute(text, {**QUICK, "CHECKPOINT_PATH": str(tmp_path / "best_model.pt")}, cwd=tmp_path)
    assert not errors(notebook)
    images = [o for c in notebook.cells for o in c.get("outputs", []) if "image/png" in o.get("data", {})]
    assert len(images) >= 4, "sample grid, training curves, per-class bars and the confusion matrix are plotted"
    assert (tmp_path / "best_model.pt").exists()


def test_starter_notebook_stops_at_a_stub_and_its_graded_cells_run(tmp_path):
    notebook = execute(RELEASE.read_text(), {**QUICK, "CHECKPOINT_PATH": str(tmp_path / "best_model.pt")},
                       cwd=tmp_path, allow_errors=True)
    found = errors(notebook)
    assert found and found[0][0] == "NotImplementedError"
    graded = {c["id"] for c in notebook.cells if "graded" in c.metadata.get("tags", [])}
    assert not [cell for _, cell in found if cell in graded]
