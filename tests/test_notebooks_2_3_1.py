"""Lesson 2.3.1's release notebook for real: executed by nbclient on real MNIST test files."""

from __future__ import annotations

from pathlib import Path

import pytest

from gradekit.notebooks import execute, reference_notebook, stub_stops

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.usefixtures("notebook_checks_off")
LESSON = "2_3_1"
RELEASE = ROOT / "assignments" / LESSON / "2-3-1-saving-and-loading.ipynb"


@pytest.fixture(scope="module")
def solved_notebook_text() -> str:
    return reference_notebook(ROOT, LESSON)


def test_reference_notebook_runs_top_to_bottom_on_real_mnist(solved_notebook_text, mnist_parameters, tmp_path):
    notebook = execute(solved_notebook_text, mnist_parameters, cwd=tmp_path)
    outputs = "\n".join(o.get("text", "") for c in notebook.cells for o in c.get("outputs", []))
    assert "same predictions: True" in outputs
    assert (tmp_path / "ckpt" / "mnist_model.pth").exists() and (tmp_path / "ckpt" / "best.pt").exists()
    assert "stopped after" in outputs
    assert outputs.count("Checks are switched off in this run") == 5, "four check cells and check_all, one line each"


def test_starter_notebook_stops_at_the_first_stub(mnist_parameters, tmp_path):
    notebook = execute(RELEASE.read_text(), mnist_parameters, cwd=tmp_path,
                       allow_errors=True)
    problem = stub_stops(notebook)
    assert not problem, problem
