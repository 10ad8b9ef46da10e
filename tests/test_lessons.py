"""Every lesson's graders, proven: each check passes on the reference and fails on the starter, saying
"not implemented yet" (no collection error, no internal traceback)."""

from __future__ import annotations

from pathlib import Path

import pytest

from gradekit.verify import grade, solved_module

pytestmark = pytest.mark.slow  # grades each lesson's reference and starter with every check

ROOT = Path(__file__).resolve().parents[1]
LESSONS = sorted(p.name for p in (ROOT / "graders").iterdir()
                 if p.is_dir() and (ROOT / "assignments" / p.name / "manifest.json").exists())


@pytest.mark.parametrize("lesson", LESSONS)
def test_every_check_passes_on_the_reference_solution(lesson, tmp_path, grading_service):
    report = grade(ROOT, lesson, solved_module(ROOT, lesson, tmp_path), hidden=True, service=grading_service)
    stretch_target = lambda c: c["max_points"] == 0 and c["exercise"].endswith(".stretch")  # noqa: E731 - shown, not scored
    failed = [(c["name"], c["message"][:300]) for c in report["checks"] if c["status"] != "passed"
              and not stretch_target(c)]
    assert report["checks"] and not failed, failed
    assert report["lessons"][lesson]["points"] == report["lessons"][lesson]["max_points"] > 0


@pytest.mark.parametrize("lesson", LESSONS)
def test_every_check_fails_on_the_starter_with_not_implemented_yet(lesson, grading_service):
    manifest_module = next((ROOT / "assignments" / lesson).glob("*.py"))
    report = grade(ROOT, lesson, manifest_module, hidden=True, service=grading_service)
    scored = [c for c in report["checks"] if c["max_points"] > 0]  # 0-point checks guard provided code
    wrong = [(c["name"], c["status"], c["message"][:200]) for c in scored
             if c["status"] != "failed" or "not implemented yet" not in c["message"]]
    assert scored and not wrong, wrong
    assert report["lessons"][lesson]["points"] == 0
    assert "Traceback" not in report["terminal"]
