"""Lesson 2.1.2's release notebook for real: executed top to bottom by nbclient (no data needed), its check cells
graded for real in the kernel: with the solutions in place every check passes, as shipped each says "not
implemented yet"."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gradekit.testing.notebooks import execute, reference_notebook, stub_stops

ROOT = Path(__file__).resolve().parents[1]
LESSON = "2_1_2"
RELEASE = ROOT / "assignments" / LESSON / "2-1-2-autograd-basics.ipynb"
EXERCISES = [ex["id"] for ex in json.loads((ROOT / "assignments" / LESSON / "manifest.json").read_text())["exercises"]]


@pytest.fixture
def checks_on(monkeypatch):
    monkeypatch.delenv("GRADEKIT_NOTEBOOK_CHECKS", raising=False)


def check_outputs(notebook) -> dict[str, str]:
    """Check cell id (`c07-check-ex2`, `c20-check-all`) -> the plain text it showed."""
    return {cell["id"]: "\n".join(o.get("text", "") + o.get("data", {}).get("text/plain", "")
                                  for o in cell.get("outputs", []))
            for cell in notebook.cells if "-check-" in cell.get("id", "") and cell["id"] != "c00-check-setup"}


def test_reference_notebook_runs_top_to_bottom_and_every_check_passes(checks_on, tmp_path):
    notebook = execute(reference_notebook(ROOT, LESSON), {"SEED": 1}, cwd=tmp_path)
    outputs = "\n".join(o.get("text", "") for c in notebook.cells for o in c.get("outputs", []))
    assert "dy/dx at x = 2: 7.0" in outputs
    assert "x still does not record: False None" in outputs
    assert "is leaf: True gradient cleared: None" in outputs
    assert "(true line: 2.5, -1.0)" in outputs
    growing = next(line for line in outputs.splitlines() if line.startswith("w.grad, never cleared:"))
    grads = [abs(float(v)) for v in growing.split(":", 1)[1].strip(" []").split(",")]
    assert len(grads) == 6 and grads[0] < grads[1] < grads[2], f"the #1 beginner bug's gradient grows: {growing}"
    assert "second backward(): Trying to backward through the graph a second time" in outputs
    assert "without detach: Can't call numpy() on Tensor that requires grad" in outputs
    shown = check_outputs(notebook)
    assert len(shown) == len(EXERCISES) + 1, shown.keys()
    for exercise in EXERCISES:
        plain = next(text for key, text in shown.items() if key.endswith("-check-" + exercise.split(".")[-1]))
        headline = next(line for line in plain.splitlines() if line.startswith(exercise + " · "))
        assert ": all " in headline and "checks passed" in headline and "✗" not in plain, plain


def test_starter_notebook_stops_at_the_first_stub_and_checks_say_not_implemented_yet(checks_on, tmp_path):
    notebook = execute(RELEASE.read_text(), {}, cwd=tmp_path, allow_errors=True)
    problem = stub_stops(notebook)
    assert not problem, problem
    shown = check_outputs(notebook)
    assert len(shown) == len(EXERCISES) + 1, shown.keys()
    for cell_id, plain in shown.items():
        assert "✗" in plain and "not implemented yet" in plain and ": all " not in plain, (cell_id, plain)
    plain_all = next(text for key, text in shown.items() if key.endswith("-check-all"))
    assert f"Lesson {LESSON}: 0 of " in plain_all, plain_all

