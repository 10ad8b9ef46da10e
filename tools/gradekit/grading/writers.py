"""The files a graded batch leaves behind, one writer each: Gradescope's results.json, JUnit XML, a
Markdown summary (fit for a GitHub Actions job summary), a gradebook CSV and a feedback page per student.

Everything here may reach a student. A hidden check appears only as "hidden check" with its exercise,
points and pass/fail: never its name, code or message (so never an expected value). Every writer escapes
for its format what a submission can influence (messages, problems, names, file names): XML 1.0 characters
only, Markdown that cannot open HTML, headings, tables or links, CSV cells that no spreadsheet runs.
"""

from __future__ import annotations

import csv
import io
import xml.etree.ElementTree as ET

from ..reporting.report import markdown_block, markdown_image, markdown_inline, printable
from .results import CheckGrade, SubmissionGrade, exercise_order

HIDDEN_NOTE = "a hidden check: its details are kept for course staff"
SPREADSHEET_FORMULA_START = ("=", "+", "-", "@", "\t")


def _points(value: float) -> str:
    return f"{value:g}"


def check_label(check: CheckGrade, index: int) -> str:
    """The check's id as staff know it (results.json's `name`, JUnit), or a numbered hidden check."""
    return f"hidden check {index}" if check.hidden else check.name


def check_title(check: CheckGrade, label: str) -> str:
    """What a learner reads for a check: its sentence (the check's docstring), else its name made readable;
    a hidden check keeps its numbered label."""
    if check.hidden:
        return label
    return check.title or readable(check.name)


def readable(name: str) -> str:
    """`test_resume_returns_the_next_epoch[str]` → "resume returns the next epoch [str]"."""
    base, _, case = name.partition("[")
    words = base.removeprefix("test_").replace("_", " ").strip()
    return f"{words} [{case}" if case else words


def labelled(grade: SubmissionGrade) -> list[tuple[str, CheckGrade]]:
    """Every check with its student-facing label, hidden ones numbered within their exercise."""
    counts: dict[str, int] = {}
    out = []
    for check in sorted(grade.checks, key=lambda c: (exercise_order(c.exercise), c.hidden, c.id)):
        if check.hidden:
            counts[check.exercise] = counts.get(check.exercise, 0) + 1
        out.append((check_label(check, counts.get(check.exercise, 0)), check))
    return out


def student_message(check: CheckGrade) -> str:
    if check.passed:
        return ""
    return HIDDEN_NOTE if check.hidden else check.message


def test_output(check: CheckGrade, label: str) -> str:
    """A Gradescope test's text: the check's sentence, then what to fix (a hidden check: only the note on failing)."""
    if check.hidden:
        return student_message(check)
    message = student_message(check)
    return check_title(check, label) + (f"\n\n{message}" if message else "")


def _exercise_number(exercise: str) -> str:
    part = exercise.partition(".")[2]
    digits = "".join(ch for ch in part if ch.isdigit())
    return digits or part


def gradescope_results(grade: SubmissionGrade) -> dict:
    """Gradescope's results.json: score out of the manifest's total, one test per check, stdout for staff only."""
    tests, numbers = [], {}
    for label, check in labelled(grade):
        key = _exercise_number(check.exercise)
        numbers[key] = numbers.get(key, 0) + 1
        tests.append({
            "name": f"{check.exercise} {label}",
            "number": f"{key}.{numbers[key]}",
            "score": check.points,
            "max_score": check.max_points,
            "status": check.status,
            "visibility": "after_published" if check.hidden else "visible",
            "output": test_output(check, label),
            "tags": [check.exercise] + (["hidden"] if check.hidden else []),
        })
    return _printable_strings({
        "score": grade.score,
        "execution_time": round(grade.seconds, 2),
        "output": overview_text(grade),
        "output_format": "text",
        "test_output_format": "text",
        "stdout_visibility": "hidden",
        "visibility": "visible",
        "extra_data": {"sandbox": sorted(grade.sandbox), "problems": grade.problems},
        "tests": tests,
    })


def _printable_strings(data):
    """`data` with every string in it made printable (see `printable`): JSON any platform will parse."""
    if isinstance(data, str):
        return printable(data)
    if isinstance(data, dict):
        return {printable(key): _printable_strings(value) for key, value in data.items()}
    if isinstance(data, (list, tuple)):
        return [_printable_strings(value) for value in data]
    return data


def overview_text(grade: SubmissionGrade) -> str:
    """A few lines on top of a submission's results: what was graded, the total and any problem."""
    percent = 100 * grade.score / grade.max_score if grade.max_score else 0.0
    lines = [f"{grade.title}: {_points(grade.score)}/{_points(grade.max_score)} points ({percent:.0f} %)"]
    if grade.graded_file:
        lines.append(f"graded: {grade.graded_file}")
    lines += [f"problem: {p}" for p in grade.problems]
    return "\n".join(lines)


def junit_xml(grades: list[SubmissionGrade]) -> str:
    """JUnit XML: one testsuite per submission, one testcase per check, points as properties."""
    suites = ET.Element("testsuites")
    for grade in grades:
        failures = sum(not c.passed for c in grade.checks)
        suite = ET.SubElement(suites, "testsuite", name=f"{grade.lesson} {grade.name}", tests=str(len(grade.checks)),
                              failures=str(failures), errors="0", skipped="0", time=f"{grade.seconds:.3f}")
        properties = ET.SubElement(suite, "properties")
        for key, value in (("score", grade.score), ("max_score", grade.max_score), ("source", grade.source),
                           ("sandbox", ",".join(sorted(grade.sandbox)))):
            ET.SubElement(properties, "property", name=key, value=str(value))
        for label, check in labelled(grade):
            case = ET.SubElement(suite, "testcase", classname=check.exercise, name=label, time=f"{check.seconds:.3f}")
            props = ET.SubElement(case, "properties")
            for key, value in (("exercise", check.exercise), ("points", check.points),
                               ("max_points", check.max_points), ("hidden", check.hidden),
                               ("title", check_title(check, label))):
                ET.SubElement(props, "property", name=key, value=str(value))
            if not check.passed:
                message = student_message(check)
                failure = ET.SubElement(case, "failure", message=message.split("\n")[0][:300])
                failure.text = message
    _printable_xml(suites)
    ET.indent(suites)
    return ET.tostring(suites, encoding="unicode", xml_declaration=True) + "\n"


def _printable_xml(root: ET.Element) -> None:
    """Make every attribute and text of the tree printable: XML 1.0 has no place for control characters."""
    for element in root.iter():
        element.attrib = {key: printable(value) for key, value in element.attrib.items()}
        if element.text is not None:
            element.text = printable(element.text)
        if element.tail is not None:
            element.tail = printable(element.tail)


def feedback_markdown(grade: SubmissionGrade) -> str:
    """A student's feedback: the score per exercise, then what to fix, check by check, in the course's words."""
    lines = [f"# {grade.title}: feedback for {markdown_inline(grade.name)}", "", markdown_block(overview_text(grade)),
             "", "| exercise | checks passed | points |", "|---|---:|---:|"]
    for exercise, (earned, total, passed, count) in grade.by_exercise().items():
        title = grade.exercise_titles.get(exercise, "")
        lines.append(f"| {exercise} {markdown_inline(title)} | {passed}/{count} | "
                     f"{_points(earned)}/{_points(total)} |")
    lines.append(f"| **total** | {sum(c.passed for c in grade.checks)}/{len(grade.checks)} | "
                 f"**{_points(grade.score)}/{_points(grade.max_score)}** |")
    failing = [(label, c) for label, c in labelled(grade) if not c.passed]
    if failing:
        lines += ["", "## What to fix", ""]
        for label, check in failing:
            worth = f"{_points(check.max_points)} point{'' if check.max_points == 1 else 's'}"
            lines.append(f"- ✗ **{check.exercise}** {markdown_inline(check_title(check, label))} ({worth})")
            lines.append(markdown_block(student_message(check).strip() or "failed", indent="  "))
    pictures = [(label, check, figure) for label, check in labelled(grade) if not check.hidden
                for figure in check.figures]
    if pictures:
        lines += ["", "## Pictures", ""]
        lines += [markdown_image(f"{check.exercise} {check_title(check, label)}", figure)
                  for label, check, figure in pictures]
    return "\n".join(lines).rstrip() + "\n"


def markdown_summary(grades: list[SubmissionGrade]) -> str:
    """The batch at a glance (GitHub's job summary): one row per submission, points per exercise."""
    if not grades:
        return "No submissions graded.\n"
    exercises = sorted({c.exercise for g in grades for c in g.checks}, key=exercise_order)
    lessons = ", ".join(sorted({g.title for g in grades}))
    lines = [f"## Grades: {lessons}", "", "| submission | " + " | ".join(exercises) + " | total | problems |",
             "|---|" + "---:|" * (len(exercises) + 1) + "---|"]
    for grade in grades:
        per = grade.by_exercise()
        cells = [f"{_points(per[e][0])}/{_points(per[e][1])}" if e in per else "" for e in exercises]
        percent = 100 * grade.score / grade.max_score if grade.max_score else 0.0
        lines.append(f"| {markdown_inline(grade.name)} | " + " | ".join(cells)
                     + f" | **{_points(grade.score)}/{_points(grade.max_score)}** ({percent:.0f} %) | "
                     + markdown_inline("; ".join(grade.problems)[:300]) + " |")
    layers = sorted({layer for grade in grades for layer in grade.sandbox})
    lines += ["", f"Student code ran in workers confined by: {', '.join(layers) or 'no worker ran'} "
                  "(namespaces: no network, no view of graders or other submissions; see the README)."]
    if len(grades) == 1:
        lines += ["", feedback_markdown(grades[0]).split("\n", 1)[1]]
    return "\n".join(lines) + "\n"


def gradebook_csv(grades: list[SubmissionGrade]) -> str:
    """One row per submission, one column per exercise, then total, max and percent."""
    exercises = sorted({c.exercise for g in grades for c in g.checks}, key=exercise_order)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["submission", "lesson", *exercises, "total", "max", "percent", "problems"])
    for grade in grades:
        per = grade.by_exercise()
        percent = 100 * grade.score / grade.max_score if grade.max_score else 0.0
        writer.writerow([_spreadsheet_text(grade.name), grade.lesson,
                         *(_points(per[e][0]) if e in per else "" for e in exercises),
                         _points(grade.score), _points(grade.max_score), f"{percent:.1f}",
                         _spreadsheet_text("; ".join(grade.problems))])
    return out.getvalue()


def _spreadsheet_text(text: str) -> str:
    """A CSV cell a spreadsheet shows as text: printable, and never read as a formula (a leading `'`)."""
    text = printable(text)
    return "'" + text if text.startswith(SPREADSHEET_FORMULA_START) else text
