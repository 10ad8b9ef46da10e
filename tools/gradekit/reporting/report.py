"""Score reports: the terminal table a student reads and the JSON that CI and the tools read."""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import textwrap
import threading
import time
from collections import defaultdict
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

# Terminal escape sequences (colours, cursor moves, titles): torch's coloured errors reach messages this way.
ANSI_ESCAPE = re.compile(r"\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)?|[@-Z\\-_])")
# Everything but tab, newline and the characters XML 1.0 allows that are not control characters.
NOT_PRINTABLE = re.compile("[^\t\n\x20-\x7e\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
MARKDOWN_SIGNIFICANT = re.compile(r"([\\`*_\[\]|~#!])")
LINK_TEXT_SIGNIFICANT = re.compile(r"([\\`\[\]])")
BACKTICK_RUN = re.compile("`+")


def _points(value: float) -> str:
    """Points without a needless `.0`."""
    return f"{value:g}"


def printable(text: str) -> str:
    """Text fit for any report: terminal escapes removed, line breaks as `\\n`, and control characters, lone
    surrogates and whatever else XML 1.0 forbids shown as U+FFFD."""
    text = ANSI_ESCAPE.sub("", str(text)).replace("\r\n", "\n").replace("\r", "\n")
    return NOT_PRINTABLE.sub("\ufffd", text)


def markdown_inline(text: str) -> str:
    """Student text as one line of plain Markdown: no HTML, no emphasis, link, table cell or heading of its own."""
    flat = " ".join(printable(text).split("\n"))
    return MARKDOWN_SIGNIFICANT.sub(r"\\\1", html.escape(flat, quote=False))


def markdown_block(text: str, indent: str = "") -> str:
    """Student text verbatim in a fenced block that no line of it can close (the fence outlasts every backtick run)."""
    body = printable(text)
    longest = max((len(run) for run in BACKTICK_RUN.findall(body)), default=0)
    fence = "`" * max(3, longest + 1)
    lines = [f"{fence}text", *body.split("\n"), fence]
    return "\n".join(indent + line if line else line for line in lines)


def markdown_image(alt: str, target: str) -> str:
    """A Markdown picture whose alt text and (relative) address cannot end early or become markup."""
    words = LINK_TEXT_SIGNIFICANT.sub(r"\\\1", html.escape(" ".join(printable(alt).split("\n")), quote=False))
    return f"![{words}]({quote(printable(target))})"


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
            lines.append(f"problem: {printable(problem)}")
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
        failing = [r for r in rows if r.status != "passed" and r.max_points > 0]
        unscored = [r for r in rows if r.status != "passed" and r.max_points == 0]
        if total and earned == total:
            lines.append("Every scored check passed.")
        for heading, chosen, mark in (("What to fix:", failing, "✗"),
                                      ("Not scored (0 points), but worth a look:", unscored, "○")):
            if chosen:
                lines += ["", heading] + [_failure_lines(row, mark) for row in chosen]
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)


def _failure_lines(row, mark: str) -> str:
    """A check that did not pass, as the score table lists it: its sentence (or "hidden check"), then its message."""
    label = "hidden check" if row.hidden else (row.title or row.name)
    message = printable(row.message if not row.hidden else row.message.split("\n")[0])
    body = textwrap.indent(message.strip() or row.status, "    ")
    return f"  {mark} {row.exercise} {label}\n{body}"


def json_report(lessons: dict, results: list, pages: dict | None = None) -> dict:
    """Every check with its points, message and pictures, plus totals and the feedback page per lesson."""
    out = {"lessons": {}, "checks": []}
    for row in results:
        out["checks"].append({
            "nodeid": row.nodeid, "name": row.name, "title": "" if row.hidden else row.title,
            "lesson": row.lesson, "exercise": row.exercise,
            "status": row.status, "points": row.points, "max_points": row.max_points, "hidden": row.hidden,
            "message": row.message, "seconds": round(row.seconds, 3),
            "worker_seconds": round(row.worker_seconds, 3), "sandbox": sorted(row.sandbox), "figures": [str(p) for p in row.figure_paths],
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
            "feedback_page": str((pages or {})[lesson_id]) if lesson_id in (pages or {}) else None,
        }
    return out


def write_progress(path: Path, results: list, current: str = "") -> None:
    """Record how many checks are done (for a notebook's progress display); replaced whole, never half-written."""
    done = sum(r.status != "not run" for r in results)
    data = {"done": done, "total": len(results), "current": current}
    partial = Path(f"{path}.partial")
    partial.write_text(json.dumps(data), encoding="utf-8")
    os.replace(partial, path)


class WaitLine:
    """A one-line progress bar on a terminal while the judge waits more than `delay` s for a worker call.

    Drawn only on a TTY, through its own handle on the terminal (pytest captures output during a check), and
    wiped when the call returns, putting back the line pytest had started.
    """

    def __init__(self, stream, current_line=lambda: "", delay: float = 2.0, interval: float = 0.5) -> None:
        self.stream, self.current_line, self.delay, self.interval = stream, current_line, delay, interval

    @classmethod
    def for_terminal(cls, stdout, current_line) -> WaitLine | None:
        """A WaitLine on a duplicate of `stdout`'s descriptor when it is a terminal, else None (logs, CI)."""
        try:
            if not stdout.isatty():
                return None
            return cls(os.fdopen(os.dup(stdout.fileno()), "w", encoding="utf-8", errors="replace"), current_line)
        except (AttributeError, OSError, ValueError):
            return None

    def line(self, what: str, elapsed: float, limit: float, done: int, total: int) -> str:
        """The bar's text: elapsed against the time limit, what runs, checks done so far; fitted to the width."""
        width = 20
        filled = min(width, int(width * elapsed / limit)) if limit > 0 else 0
        text = f"[{'#' * filled}{'.' * (width - filled)}] {elapsed:3.0f}/{limit:.0f} s · {done}/{total} checks done · {what}"
        columns = shutil.get_terminal_size((100, 20)).columns
        return text if len(text) < columns else text[:columns - 2] + "…"

    @contextmanager
    def waiting(self, what: str, limit: float, done: int, total: int):
        """Show the bar while the body waits, after `delay` seconds; remove it afterwards."""
        stop, start = threading.Event(), time.monotonic()

        def tick() -> None:
            drawn = False
            while not stop.wait(self.interval if drawn else self.delay):
                self._write("\r\x1b[K" + self.line(what, time.monotonic() - start, limit, done, total))
                drawn = True
            if drawn:
                self._write("\r\x1b[K" + self.current_line())

        thread = threading.Thread(target=tick, name="gradekit-wait-line", daemon=True)
        thread.start()
        try:
            yield
        finally:
            stop.set()
            thread.join()

    def _write(self, text: str) -> None:
        try:
            self.stream.write(text)
            self.stream.flush()
        except (OSError, ValueError):
            pass

    def close(self) -> None:
        try:
            self.stream.close()
        except OSError:
            pass
