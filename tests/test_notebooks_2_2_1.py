"""Lesson 2.2.1's release notebook for real: executed top to bottom by nbclient, solved and as shipped."""

from __future__ import annotations

from pathlib import Path

import pytest

from gradekit.testing.notebooks import execute, reference_notebook, stub_stops

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.usefixtures("notebook_checks_off")
LESSON = "2_2_1"


def test_reference_notebook_runs_top_to_bottom(tmp_path):
    notebook = execute(reference_notebook(ROOT, LESSON), {}, cwd=tmp_path)
    outputs = "\n".join(o.get("text", "") for c in notebook.cells for o in c.get("outputs", []))
    assert "outputs: torch.Size([4, 2])" in outputs


def test_starter_notebook_stops_at_the_first_stub(tmp_path):
    release = next((ROOT / "assignments" / LESSON).glob("*.ipynb"))
    notebook = execute(release.read_text(), {}, cwd=tmp_path, allow_errors=True)
    problem = stub_stops(notebook)
    assert not problem, problem
