"""Lesson 2.2.3's release notebook for real: executed top to bottom by nbclient with its checks on, with the
solutions in place (every check passes, the demo's TensorBoard log lands on disk) and as shipped (every check says
"not implemented yet")."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gradekit.testing.notebooks import check_outputs, execute, reference_notebook, stub_stops

ROOT = Path(__file__).resolve().parents[1]
LESSON = "2_2_3"
RELEASE = ROOT / "assignments" / LESSON / "2-2-3-debugging-and-monitoring.ipynb"
EXERCISES = [ex["id"] for ex in json.loads((ROOT / "assignments" / LESSON / "manifest.json").read_text())["exercises"]]
QUICK = {"EPOCHS": 12}


@pytest.fixture
def checks_on(monkeypatch):
    monkeypatch.delenv("GRADEKIT_NOTEBOOK_CHECKS", raising=False)


def test_reference_notebook_runs_and_every_check_passes(checks_on, tmp_path):
    notebook = execute(reference_notebook(ROOT, LESSON), QUICK, cwd=tmp_path)
    outputs = "\n".join(o.get("text", "") for c in notebook.cells for o in c.get("outputs", []))
    assert "Total params: 50,890" in outputs and "X-ray failed:" in outputs
    assert "the vanishing network reads as 'vanishing'" in outputs
    assert "silent failure: True" in outputs and "accuracy 70.0%" in outputs
    assert list((tmp_path / "runs" / "2-2-3").glob("events.out.tfevents.*")), "the demo's flight recording is missing"
    shown = check_outputs(notebook)
    assert len(shown) == len(EXERCISES) + 1
    for exercise in EXERCISES:
        plain = next(text for cell, text in shown.items() if cell.endswith("-check-" + exercise.split(".")[-1]))
        assert ": all " in plain and "checks passed" in plain and "✗" not in plain, plain
    plain_all = next(text for cell, text in shown.items() if cell.endswith("-check-all"))
    assert f"Lesson {LESSON}: all " in plain_all and "✗" not in plain_all, plain_all


def test_starter_notebook_stops_at_the_first_stub_and_every_check_says_not_implemented(checks_on, tmp_path):
    notebook = execute(RELEASE.read_text(), QUICK, cwd=tmp_path, allow_errors=True)
    problem = stub_stops(notebook)
    assert not problem, problem
    shown = check_outputs(notebook)
    assert len(shown) == len(EXERCISES) + 1
    for cell, plain in shown.items():
        assert "✗" in plain and "not implemented yet" in plain and ": all " not in plain, (cell, plain)
