"""Score reports: the terminal table a student reads and the JSON that CI and the tools read."""

from __future__ import annotations

import textwrap
from collections import defaultdict


def _points(value: float) -> str:
    """Points without a needless `.0`."""
    return f"{value:g}"


def score_table(lessons: dict, results: list) -> str:
    """One table per lesson: checks passed and points per exercise, then what to fix, check by check."""
    blocks = []
    for lesson_id in sorted({r.lesson for r in results}):
        lesson = lessons[lesson_id]
        rows = [r for r in results if r.lesson == lesson_id]
        title = lesson.manifest.get("title", lesson_id)
        graded = lesson.submission.describe() if lesson.submission else lesson.problem
        lines = [f"== {title} ==", f"graded: {graded}"]
        for problem in (lesson.submission.problems if lesson.submission else []):
            lines.append(f"problem: {problem}")
        by_exercise = defaultdict(list)
        for row in rows:
            by_exercise[row.exercise].append(row)
        width = max(len(f"{ex}  {lesson.exercise_title(ex)}") for ex in by_exercise) + 2
        lines.append(f"{'exercise'.ljust(width)}{'checks':>8}{'points':>10}")
        for exercise, checks in sorted(by_exercise.items()):
            name = f"{exercise}  {lesson.exercise_title(exercise)}".ljust(width)
            passed = sum(c.status == "passed" for c in checks)
            earned, total = sum(c.points for c in checks), sum(c.max_points for c in checks)
            lines.append(f"{name}{passed:>5}/{len(checks):<2}{_points(earned):>7}/{_points(total)}")
        earned, total = sum(r.points for r in rows), sum(r.max_points for r in rows)
        percent = 100.0 * earned / total if total else 0.0
        hidden = sum(r.hidden for r in rows)
        lines.append(f"{'total'.ljust(width)}{sum(r.status == 'passed' for r in rows):>5}/{len(rows):<2}"
                     f"{_points(earned):>7}/{_points(total)}  ({percent:.0f} %)"
                     + (f"  incl. {hidden} hidden checks" if hidden else ""))
        failing = [r for r in rows if r.status != "passed"]
        if failing:
            lines.append("")
            lines.append("What to fix:")
            for row in failing:
                label = "hidden check" if row.hidden else row.name
                message = row.message if not row.hidden else row.message.split("\n")[0]
                body = textwrap.indent(message.strip() or row.status, "    ")
                lines.append(f"  ✗ {row.exercise} {label}\n{body}")
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)


def json_report(lessons: dict, results: list) -> dict:
    """Every check with its points and message, plus totals per lesson and exercise."""
    out = {"lessons": {}, "checks": []}
    for row in results:
        out["checks"].append({
            "nodeid": row.nodeid, "name": row.name, "lesson": row.lesson, "exercise": row.exercise,
            "status": row.status, "points": row.points, "max_points": row.max_points, "hidden": row.hidden,
            "message": row.message, "seconds": round(row.seconds, 3),
            "worker_seconds": round(row.worker_seconds, 3),
        })
    for lesson_id in sorted({r.lesson for r in results}):
        lesson = lessons[lesson_id]
        rows = [r for r in results if r.lesson == lesson_id]
        exercises = defaultdict(lambda: {"points": 0.0, "max_points": 0.0})
        for row in rows:
            exercises[row.exercise]["points"] += row.points
            exercises[row.exercise]["max_points"] += row.max_points
        out["lessons"][lesson_id] = {
            "submission": str(lesson.submission.path) if lesson.submission else None,
            "problems": (lesson.submission.problems if lesson.submission else []) + ([lesson.problem] if lesson.problem else []),
            "points": sum(r.points for r in rows),
            "max_points": sum(r.max_points for r in rows),
            "exercises": dict(exercises),
        }
    return out
