"""Lesson 2.3.1's release notebook for real: executed by nbclient on real MNIST test files."""

from __future__ import annotations

from pathlib import Path

import pytest

from gradekit.build.outputs import release_notebook
from gradekit.build.pipeline import lesson_sources
from gradekit.build.source import read_source
from gradekit.notebooks import errors, execute

ROOT = Path(__file__).resolve().parents[1]
LESSON = "2_3_1"
RELEASE = ROOT / "assignments" / LESSON / "2-3-1-saving-and-loading.ipynb"


@pytest.fixture(autouse=True)
def notebook_checks_off(monkeypatch):
    """The check cells only say they are off here: tests/test_notebook_check.py runs them for real."""
    monkeypatch.setenv("GRADEKIT_NOTEBOOK_CHECKS", "off")


@pytest.fixture(scope="module")
def solved_notebook_text() -> str:
    return release_notebook(read_source(next(p for p in lesson_sources(ROOT, [LESSON]))), solved=True)


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
    found = errors(notebook)
    assert found and found[0][0] == "NotImplementedError"
    graded = {c["id"] for c in notebook.cells if "graded" in c.metadata.get("tags", [])}
    assert not [cell for _, cell in found if cell in graded], "the graded cells only define names; they must run"
