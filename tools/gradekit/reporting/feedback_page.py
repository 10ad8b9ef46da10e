"""The feedback page a student opens after grading: every check with its verdict, message and pictures.

Written as feedback.html and feedback.md beside the check's PNGs (linked by relative path). A hidden check
appears only as "hidden check: passed/failed" with its points: no name, no message, no picture. Whatever a
submission can influence (messages, problems, file names) is escaped for HTML or neutralised for Markdown.
"""

from __future__ import annotations

import html
from collections import defaultdict
from pathlib import Path
from urllib.parse import quote

from .report import markdown_block, markdown_image, markdown_inline, printable

STYLE = """
body { font-family: system-ui, sans-serif; max-width: 60rem; margin: 2rem auto; padding: 0 1rem; color: #222; }
table { border-collapse: collapse; margin: 1rem 0; }
td, th { padding: .25rem .8rem; border-bottom: 1px solid #ddd; text-align: left; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
.check { margin: .8rem 0 1.2rem; }
.pass { color: #2a7a2a; } .fail { color: #b22222; } .note { color: #8a6d00; }
pre { white-space: pre-wrap; background: #f6f6f6; padding: .6rem; border-radius: 4px; margin: .3rem 0; }
img { max-width: 100%; display: block; margin: .4rem 0; }
"""


def _points(value: float) -> str:
    """Points without a needless `.0`."""
    return f"{value:g}"


def _html(text) -> str:
    """Any text as HTML that shows it literally."""
    return html.escape(printable(text))


def _label(row) -> str:
    """How a check is named on the page: by the sentence a learner reads, or only as a hidden check."""
    return "hidden check" if row.hidden else (row.title or row.name)


def _staff_id(row) -> str:
    """The check's own id as a tooltip, for course staff (none for a hidden check)."""
    return "" if row.hidden else f' title="{_html(row.name)}"'



def _mark_text(row) -> str:
    """A check's verdict in words; a failing check worth no points says it is not scored."""
    if row.status == "passed":
        return "✓ passed"
    return "○ failed, not scored" if row.max_points == 0 else "✗ failed"


def _mark_html(row) -> str:
    css = "pass" if row.status == "passed" else ("note" if row.max_points == 0 else "fail")
    return f'<span class="{css}">{_mark_text(row)}</span>'


def _exercise_rows(lesson, rows: list) -> list[tuple[str, str, int, int, float, float]]:
    """(exercise, title, passed, checks, points, max points) per exercise, in order."""
    by_exercise = defaultdict(list)
    for row in rows:
        by_exercise[row.exercise].append(row)
    return [(exercise, lesson.exercise_title(exercise), sum(c.status == "passed" for c in checks), len(checks),
             sum(c.points for c in checks), sum(c.max_points for c in checks))
            for exercise, checks in sorted(by_exercise.items())]


def _in_order(rows: list, exercise: str) -> list:
    """One exercise's checks: the public ones first (they say what to fix), then the hidden ones."""
    return sorted((r for r in rows if r.exercise == exercise), key=lambda r: r.hidden)


def _summary(rows: list) -> tuple[float, float, float]:
    """Points earned, possible, and the percentage."""
    earned, total = sum(r.points for r in rows), sum(r.max_points for r in rows)
    return earned, total, (100.0 * earned / total if total else 0.0)


def html_page(lesson, rows: list) -> str:
    """The HTML feedback page of one lesson."""
    title = lesson.manifest.get("title", lesson.id)
    graded = lesson.submission.describe() if lesson.submission else lesson.problem
    earned, total, percent = _summary(rows)
    out = ["<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
           f"<title>Feedback · {_html(title)}</title><style>{STYLE}</style></head><body>",
           f"<h1>Feedback · {_html(title)}</h1>", f"<p>Graded: <code>{_html(graded)}</code></p>"]
    for problem in (lesson.submission.problems if lesson.submission else []):
        out.append(f'<p class="fail">Problem: {_html(problem)}</p>')
    out.append("<table><tr><th>exercise</th><th></th><th>checks passed</th><th>points</th></tr>")
    for exercise, name, passed, count, got, most in _exercise_rows(lesson, rows):
        out.append(f"<tr><td>{_html(exercise)}</td><td>{_html(name)}</td><td class=num>{passed}/{count}</td>"
                   f"<td class=num>{_points(got)}/{_points(most)}</td></tr>")
    out.append(f"<tr><th>total</th><th></th><th class=num>{sum(r.status == 'passed' for r in rows)}/{len(rows)}</th>"
               f"<th class=num>{_points(earned)}/{_points(total)} ({percent:.0f} %)</th></tr></table>")
    for exercise, name, *_ in _exercise_rows(lesson, rows):
        out.append(f"<h2>{_html(exercise)} · {_html(name)}</h2>")
        for row in _in_order(rows, exercise):
            mark = _mark_html(row)
            out.append(f'<div class="check"><b{_staff_id(row)}>{_html(_label(row))}</b> — {mark} · '
                       f"{_points(row.points)}/{_points(row.max_points)} points")
            if not row.hidden:
                if row.message:
                    out.append(f"<pre>{_html(row.message.strip())}</pre>")
                for path in row.figure_paths:
                    out.append(f'<img src="{_html(quote(Path(path).name))}" alt="{_html(Path(path).stem)}">')
            out.append("</div>")
    out.append("</body></html>")
    return "\n".join(out) + "\n"


def markdown_page(lesson, rows: list) -> str:
    """The same page as Markdown, for editors and repositories that render it."""
    title = lesson.manifest.get("title", lesson.id)
    graded = lesson.submission.describe() if lesson.submission else lesson.problem
    earned, total, percent = _summary(rows)
    out = [f"# Feedback · {title}", "", f"Graded: {markdown_inline(graded)}", ""]
    out += [f"**Problem:** {markdown_inline(problem)}"
            for problem in (lesson.submission.problems if lesson.submission else [])]
    out += ["| exercise | | checks passed | points |", "|---|---|---:|---:|"]
    for exercise, name, passed, count, got, most in _exercise_rows(lesson, rows):
        out.append(f"| {exercise} | {name} | {passed}/{count} | {_points(got)}/{_points(most)} |")
    out.append(f"| **total** | | {sum(r.status == 'passed' for r in rows)}/{len(rows)} | "
               f"{_points(earned)}/{_points(total)} ({percent:.0f} %) |")
    for exercise, name, *_ in _exercise_rows(lesson, rows):
        out += ["", f"## {exercise} · {name}", ""]
        for row in _in_order(rows, exercise):
            mark = _mark_text(row)
            out.append(f"- **{markdown_inline(_label(row))}** — {mark} · "
                       f"{_points(row.points)}/{_points(row.max_points)} points")
            if not row.hidden:
                if row.message:
                    out += ["", markdown_block(row.message.strip(), indent="  ")]
                for path in row.figure_paths:
                    out += ["", "  " + markdown_image(Path(path).stem, Path(path).name)]
    return "\n".join(out) + "\n"


def write_pages(folder: Path, lesson, rows: list) -> Path:
    """Write feedback.html and feedback.md of one lesson into `folder`; return the HTML page's path."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "feedback.md").write_text(markdown_page(lesson, rows), encoding="utf-8")
    page = folder / "feedback.html"
    page.write_text(html_page(lesson, rows), encoding="utf-8")
    return page
