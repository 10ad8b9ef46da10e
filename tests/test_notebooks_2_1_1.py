"""Lesson 2.1.1's release notebook for real: executed top to bottom by nbclient with its check cells on, with the
solutions in place (every check passes) and as shipped (every check says "not implemented yet")."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gradekit.testing.notebooks import execute, reference_notebook, stub_stops

ROOT = Path(__file__).resolve().parents[1]
LESSON = "2_1_1"
RELEASE = ROOT / "assignments" / LESSON / "2-1-1-tensors.ipynb"
EXERCISES = [ex["id"] for ex in json.loads((ROOT / "assignments" / LESSON / "manifest.json").read_text())["exercises"]]
PARAMETERS = {"SEED": 3, "TIMING_REPEATS": 3}


@pytest.fixture
def checks_on(monkeypatch):
    monkeypatch.delenv("GRADEKIT_NOTEBOOK_CHECKS", raising=False)


def check_outputs(notebook) -> dict[str, str]:
    """Cell id -> plain text of every check cell's final outputs."""
    found = {}
    for cell in notebook.cells:
        if "-check-" in cell.get("id", "") and cell["id"] != "c00-check-setup":
            outputs = cell.get("outputs", [])
            found[cell["id"]] = "\n".join(o.get("text", "") + o.get("data", {}).get("text/plain", "") for o in outputs)
    return found


def test_reference_notebook_runs_and_every_check_passes(checks_on, tmp_path):
    notebook = execute(reference_notebook(ROOT, LESSON), PARAMETERS, cwd=tmp_path)
    outputs = "\n".join(o.get("text", "") for c in notebook.cells for o in c.get("outputs", []))
    assert "from_numpy (torch.Size([5]), torch.float32" in outputs
    assert "same shape, different numbers" in outputs and "contiguous: False" in outputs
    assert "n =  512: cpu" in outputs
    shown = check_outputs(notebook)
    assert len(shown) == len(EXERCISES) + 1
    for cell_id, plain in shown.items():
        assert "✗" not in plain and ": all " in plain, (cell_id, plain)


def test_starter_notebook_stops_at_a_stub_and_every_check_says_not_implemented_yet(checks_on, tmp_path):
    notebook = execute(RELEASE.read_text(), PARAMETERS, cwd=tmp_path, allow_errors=True)
    assert not stub_stops(notebook), stub_stops(notebook)
    shown = check_outputs(notebook)
    assert len(shown) == len(EXERCISES) + 1
    for cell_id, plain in shown.items():
        assert "✗" in plain and "not implemented yet" in plain and ": all " not in plain, (cell_id, plain)
