"""Lesson 2.3.3's release notebook for real: executed by nbclient on the real Fashion-MNIST files, reduced epochs."""

from __future__ import annotations

from pathlib import Path

import pytest

from gradekit.testing.notebooks import errors, execute, reference_notebook, stub_stops

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


def test_exercise_4_is_checked_after_exercise_5_has_saved_the_model_it_grades():
    """HARDEST_CLASSES is graded against best_model.pt, which exercise 5's pipeline writes: run top to bottom,
    the notebook must ask for it, and check it, only after that cell, and say so in its text."""
    import nbformat

    cells = nbformat.reads(RELEASE.read_text(), as_version=4).cells
    saves = next(i for i, c in enumerate(cells) if "result = run_pipeline(" in c.source and "CHECKPOINT_PATH" in c.source)
    hardest = next(i for i, c in enumerate(cells) if c.cell_type == "code" and "HARDEST_CLASSES =" in c.source)
    checked = next(i for i, c in enumerate(cells) if c.source.strip() == 'check("2_3_3.ex4")')
    assert saves < hardest < checked, (saves, hardest, checked)
    asked = "\n".join(c.source for c in cells[saves:hardest] if c.cell_type == "markdown")
    assert "best_model.pt" in asked and "HARDEST_CLASSES" in asked
