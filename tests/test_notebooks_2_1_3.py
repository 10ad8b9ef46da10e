"""Lesson 2.1.3's release notebook for real: executed top to bottom by nbclient (no data needed), its check cells
graded for real in the kernel: with the solutions in place every check passes, as shipped each says "not
implemented yet"."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gradekit.notebooks import execute, reference_notebook, stub_stops

ROOT = Path(__file__).resolve().parents[1]
LESSON = "2_1_3"
RELEASE = ROOT / "assignments" / LESSON / "2-1-3-nn-module.ipynb"
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
    assert "linear_by_hand(layer, x) equals layer(x): True" in outputs
    assert "TwoLayerNet(4, 8, 3): 67 parameters" in outputs
    assert "same numbers: True" in outputs, "three representations of the same network"
    assert "parameters: 235146" in outputs, "make_mlp([784, 256, 128, 10])"
    assert "zeroed branch gives back the input: True" in outputs
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
