"""Lesson 2.1.3's release notebook for real: executed top to bottom by nbclient (no data needed), with its
check_all() cell graded for real in the kernel: with the solutions in place every public check passes, as shipped
each says "not implemented yet". (Only check_all() runs: it grades every public check at once; the per-exercise
check() cells, each its own grading run, are exercised for lesson 2.3.1 by tests/test_notebook_check.py.)"""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest

from gradekit.testing.notebooks import execute, reference_notebook, stub_stops

ROOT = Path(__file__).resolve().parents[1]
LESSON = "2_1_3"
RELEASE = ROOT / "assignments" / LESSON / "2-1-3-nn-module.ipynb"
CHECKS = [c for c in json.loads((ROOT / "graders" / LESSON / "hidden" / "checks.json").read_text())["checks"]
          if not c["hidden"]]


@pytest.fixture
def checks_on(monkeypatch):
    monkeypatch.delenv("GRADEKIT_NOTEBOOK_CHECKS", raising=False)


def only_check_all(text: str) -> str:
    """The notebook without its per-exercise check cells (check_all() and the setup cell stay)."""
    notebook = nbformat.reads(text, as_version=4)
    exercise_checks = [c for c in notebook.cells if "-check-ex" in c.get("id", "")]
    assert len(exercise_checks) == 6, "one check cell per exercise"
    notebook.cells = [c for c in notebook.cells if c not in exercise_checks]
    return nbformat.writes(notebook)


def check_all_output(notebook) -> str:
    cell = next(c for c in notebook.cells if c.get("id", "").endswith("-check-all"))
    return "\n".join(o.get("text", "") + o.get("data", {}).get("text/plain", "") for o in cell.get("outputs", []))


def test_reference_notebook_runs_top_to_bottom_and_every_check_passes(checks_on, tmp_path):
    notebook = execute(only_check_all(reference_notebook(ROOT, LESSON)), {"SEED": 1}, cwd=tmp_path)
    outputs = "\n".join(o.get("text", "") for c in notebook.cells for o in c.get("outputs", []))
    assert "linear_by_hand(layer, x) equals layer(x): True" in outputs
    assert "TwoLayerNet(4, 8, 3): 67 parameters" in outputs
    assert "same numbers: True" in outputs, "three representations of the same network"
    assert "parameters: 235146" in outputs, "make_mlp([784, 256, 128, 10])"
    assert "zeroed branch gives back the input: True" in outputs
    shown = check_all_output(notebook)
    assert f"Lesson {LESSON}: all {len(CHECKS)} checks passed" in shown and "✗" not in shown, shown


def test_starter_notebook_stops_at_the_first_stub_and_checks_say_not_implemented_yet(checks_on, tmp_path):
    notebook = execute(only_check_all(RELEASE.read_text()), {}, cwd=tmp_path, allow_errors=True)
    problem = stub_stops(notebook)
    assert not problem, problem
    shown = check_all_output(notebook)
    assert f"Lesson {LESSON}: 0 of {len(CHECKS)} checks passed" in shown, shown
    lines = shown.splitlines()
    failed = [i for i, line in enumerate(lines) if line.lstrip().startswith("✗ ")]
    assert len(failed) == len(CHECKS), shown
    assert all("not implemented yet" in lines[i + 1] for i in failed), shown
