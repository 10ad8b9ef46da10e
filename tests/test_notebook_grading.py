"""Grading a lesson as a notebook: only graded cells run, so crashes and experiments elsewhere cost nothing;
lost tags fall back to the `# [graded]` comment; broken JSON gets one clear message on every check."""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest

from gradekit.testing.notebooks import reference_notebook
from gradekit.verify import grade, solved_module

pytestmark = pytest.mark.slow  # grades notebooks

ROOT = Path(__file__).resolve().parents[1]
LESSONS = sorted(p.name for p in (ROOT / "graders").iterdir()
                 if p.is_dir() and (ROOT / "assignments" / p.name / "manifest.json").exists())


def release(lesson: str) -> Path:
    manifest = json.loads((ROOT / "assignments" / lesson / "manifest.json").read_text())
    return ROOT / "assignments" / lesson / manifest["notebook"]


def graded_as_notebook(lesson: str, notebook, folder: Path, service) -> dict:
    """Grade `notebook` saved in `folder`, beside the artifacts the reference makes (a trained checkpoint)."""
    solved_module(ROOT, lesson, folder).unlink()
    path = folder / release(lesson).name
    nbformat.write(notebook, path)
    return grade(ROOT, lesson, path, hidden=False, service=service)


def full_marks(report: dict, lesson: str) -> bool:
    return report["lessons"][lesson]["points"] == report["lessons"][lesson]["max_points"] > 0


def solved_notebook(lesson: str):
    return nbformat.reads(reference_notebook(ROOT, lesson), as_version=4)


@pytest.mark.parametrize("lesson", LESSONS)
def test_a_notebook_whose_training_cell_crashes_still_gets_full_marks(lesson, tmp_path, grading_service):
    notebook = solved_notebook(lesson)
    notebook.cells.insert(8, nbformat.v4.new_code_cell("raise RuntimeError('my training run crashed')"))
    notebook.cells.append(nbformat.v4.new_code_cell("while True:\n    pass  # an experiment left running"))
    assert full_marks(graded_as_notebook(lesson, notebook, tmp_path, grading_service), lesson)


@pytest.mark.parametrize("lesson", LESSONS)
def test_graded_cells_are_found_by_their_comment_when_tags_are_lost(lesson, tmp_path, grading_service):
    notebook = solved_notebook(lesson)
    for cell in notebook.cells:
        cell.metadata.pop("tags", None)
    notebook.cells.append(nbformat.v4.new_code_cell("raise SystemExit('an experiment')"))
    assert full_marks(graded_as_notebook(lesson, notebook, tmp_path, grading_service), lesson)


@pytest.mark.parametrize("lesson", LESSONS)
def test_a_broken_notebook_gets_a_clear_message_for_every_check(lesson, tmp_path, grading_service):
    path = tmp_path / release(lesson).name
    path.write_text(release(lesson).read_text()[:-200])
    report = grade(ROOT, lesson, path, hidden=False, service=grading_service)
    assert report["lessons"][lesson]["points"] == 0
    assert all("not valid notebook JSON" in check["message"] for check in report["checks"])
    assert "Traceback" not in json.dumps(report)
