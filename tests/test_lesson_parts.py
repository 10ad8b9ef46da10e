"""Every lesson with graders has what proves them beyond reference 100 % / starter 0 %: a corpus of mistakes
and of correct variants, attack tests and a notebook test. Without them its tests would pass silently."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from gradekit.lesson_parts import PARTS, describe, lacking, lessons_with_graders
from gradekit.verify import verify

ROOT = Path(__file__).resolve().parents[1]


def test_every_lesson_is_found():
    assert lessons_with_graders(ROOT) == sorted(p.name for p in (ROOT / "graders").iterdir() if p.is_dir())


@pytest.mark.parametrize("lesson", lessons_with_graders(ROOT))
def test_every_lesson_has_its_corpus_attacks_and_notebook_test(lesson):
    missing = lacking(ROOT, lesson, required_only=True)
    assert not missing, describe(lesson, missing)


def bare_lesson(root: Path) -> Path:
    """A project with graders for lesson 9_9_9 and nothing that proves them, save an attack prelude."""
    (root / "graders" / "9_9_9" / "hidden").mkdir(parents=True)
    (root / "tests" / "corpus" / "9_9_9" / "mistakes").mkdir(parents=True)
    (root / "tests" / "corpus" / "9_9_9" / "correct").mkdir(parents=True)
    (root / "tests" / "attacks" / "9_9_9").mkdir(parents=True)
    (root / "tests" / "attacks" / "9_9_9" / "_prelude.py").write_text("# shared by the attacks, not one itself\n")
    return root


def test_a_lesson_with_empty_folders_lacks_every_part(tmp_path):
    root = bare_lesson(tmp_path)
    assert lacking(root, "9_9_9") == list(PARTS)
    assert [p.name for p in lacking(root, "9_9_9", required_only=True)] == [
        "corpus of mistakes", "corpus of correct variants", "attack tests", "notebook test"]
    said = describe("9_9_9", lacking(root, "9_9_9"))
    assert "9_9_9 lacks corpus of mistakes (tests/corpus/9_9_9/mistakes/*.py): each known mistake" in said
    assert "9_9_9 lacks hidden checks (graders/9_9_9/hidden/test_*.py, optional)" in said


def test_each_part_is_found_once_its_file_exists(tmp_path):
    root = bare_lesson(tmp_path)
    for name in ("tests/corpus/9_9_9/mistakes/forgets_zero_grad.py", "tests/corpus/9_9_9/correct/einsum.py",
                 "tests/attacks/9_9_9/forged_reply.py", "tests/test_notebooks_9_9_9.py",
                 "graders/9_9_9/hidden/test_hidden_checks.py"):
        (root / name).write_text("")
    assert lacking(root, "9_9_9") == []


def test_verify_names_what_a_lesson_lacks(tmp_path, capsys, monkeypatch):
    """`gradekit verify` says what each lesson lacks under its table (grading itself is not run here)."""
    import gradekit.verify as verify_module

    root = bare_lesson(tmp_path)
    (root / "assignments" / "9_9_9").mkdir(parents=True)
    (root / "assignments" / "9_9_9" / "manifest.json").write_text('{"module": "doubling.py"}')
    monkeypatch.setattr(verify_module, "build", lambda root, lessons: type("Built", (), {"written": []})())
    monkeypatch.setattr(verify_module, "lesson_sources", lambda root, lessons: [root / "solutions/9_9_9/doubling.py"])
    monkeypatch.setattr(verify_module, "solved_module", lambda root, lesson, folder: folder / "doubling.py")
    monkeypatch.setattr(verify_module, "grade", lambda root, lesson, path, hidden, service=None: {"lessons": {lesson: {
        "points": 0.0 if "assignments" in str(path) else 4.0, "max_points": 4.0}}})
    assert verify(root, ["9_9_9"]) == 0
    out = capsys.readouterr().out
    assert re.search(r"^9_9_9\s+4/4 \(100 %\)\s+0/4 \(0 %\)\s+ok$", out, re.M), out
    for part in PARTS:
        assert f"9_9_9 lacks {part.name} ({part.path('9_9_9')}" in out
