"""One submission's grade, reconciled with the lesson's manifest of checks.

Only the manifest decides what a lesson is worth. A check earns its points only when the judge's report
says it passed; a check the report lacks (the run was cut short, a check vanished) earns 0 with a reason,
and a check the manifest does not know is ignored. Nothing a submission does can add a check or a point, and
a report of any shape is read without raising: what is not where and of the type expected counts as absent.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field


@dataclass
class CheckGrade:
    """One check as graded: its manifest entry and what happened."""

    id: str
    name: str
    exercise: str
    hidden: bool
    max_points: float
    title: str = ""  # the sentence a learner reads (the check's docstring, from the judge's report)
    passed: bool = False
    message: str = ""
    seconds: float = 0.0
    figures: list = field(default_factory=list)

    @property
    def points(self) -> float:
        return self.max_points if self.passed else 0.0

    @property
    def status(self) -> str:
        return "passed" if self.passed else "failed"


@dataclass
class SubmissionGrade:
    """A submission's checks, totals and the problems found reading or running it."""

    name: str
    lesson: str
    title: str
    source: str  # what the staff gave `grade`: a file, folder or zip
    graded_file: str = ""
    checks: list[CheckGrade] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    seconds: float = 0.0
    compute_seconds: float = 0.0  # inside the workers' probes: the student's code and the probes' own calls
    exercise_titles: dict = field(default_factory=dict)
    attachments: dict = field(default_factory=dict)  # the judge's feedback page and its pictures: name -> bytes
    sandbox: set = field(default_factory=set)  # how the workers were confined (see harness/sandbox.py)

    @property
    def score(self) -> float:
        return sum(c.points for c in self.checks)

    @property
    def max_score(self) -> float:
        return sum(c.max_points for c in self.checks)

    def by_exercise(self) -> dict[str, tuple[float, float, int, int]]:
        """Points earned, points possible, checks passed and checks per exercise, in exercise order."""
        totals: dict = defaultdict(lambda: [0.0, 0.0, 0, 0])
        for check in self.checks:
            row = totals[check.exercise]
            row[0] += check.points
            row[1] += check.max_points
            row[2] += check.passed
            row[3] += 1
        return {exercise: tuple(totals[exercise]) for exercise in sorted(totals, key=exercise_order)}


def exercise_order(exercise: str) -> tuple:
    """Sort 2_3_1.ex2 before 2_3_1.ex10, and stretch goals after the numbered exercises."""
    lesson, _, part = exercise.partition(".")
    digits = "".join(ch for ch in part if ch.isdigit())
    return (lesson, 0 if digits else 1, int(digits) if digits else 0, part)


def reconcile(manifest: dict, report: dict | None, *, name: str, source: str, title: str = "",
              stopped: str = "", exercise_titles: dict | None = None) -> SubmissionGrade:
    """Grade a submission against the manifest from the judge's JSON report (None when there is none).

    `stopped` says why the run ended early, if it did; it becomes the reason of every check that did not run.
    """
    lesson = manifest["lesson"]
    grade = SubmissionGrade(name=name, lesson=lesson, title=title or lesson, source=source,
                            exercise_titles=exercise_titles or {})
    report = _mapping(report)
    seen = {c["nodeid"]: c for c in _sequence(report.get("checks")) if isinstance(c, dict)
            and isinstance(c.get("nodeid"), str)}
    lesson_report = _mapping(_mapping(report.get("lessons")).get(lesson))
    grade.graded_file = str(lesson_report.get("submission") or "")
    grade.problems.extend(str(p) for p in _sequence(lesson_report.get("problems")))
    if stopped:
        grade.problems.append(stopped)
    missing_reason = stopped or "this check did not run, so it earns nothing"
    for entry in manifest["checks"]:
        check = CheckGrade(id=entry["id"], name=entry["name"], exercise=entry["exercise"], hidden=entry["hidden"],
                           max_points=float(entry["points"]))
        found = seen.pop(entry["id"], None)
        if found is None:
            check.message = missing_reason
        else:
            check.passed = found.get("status") == "passed"
            check.title = str(found.get("title") or "")
            check.message = "" if check.passed else str(found.get("message") or "failed")
            check.seconds = _seconds(found.get("seconds"))
            grade.compute_seconds += _seconds(found.get("worker_seconds"))
            grade.sandbox.update(layer for layer in _sequence(found.get("sandbox")) if isinstance(layer, str))
            check.figures = [f for f in _sequence(found.get("figures")) if isinstance(f, str)]
        grade.checks.append(check)
    if seen:
        grade.problems.append(f"ignored {len(seen)} check(s) the lesson's manifest does not list")
    return grade


def _mapping(value) -> dict:
    """`value` if it is a JSON object, else an empty one."""
    return value if isinstance(value, dict) else {}


def _sequence(value) -> list:
    """`value` if it is a JSON array, else an empty one."""
    return value if isinstance(value, list) else []


def _seconds(value) -> float:
    """A duration from the report: a finite number of seconds, else 0."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        return 0.0
    return float(value)
