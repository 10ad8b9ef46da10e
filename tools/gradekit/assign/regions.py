"""Solution regions: find `# BEGIN SOLUTION` / `# END SOLUTION` and write the starter's replacement."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

BEGIN = re.compile(r"^(?P<indent>[ \t]*)#+[ \t]*BEGIN SOLUTION\b[ \t:]*(?:hint:[ \t]*)?(?P<hint>.*)$")
END = re.compile(r"^[ \t]*#+[ \t]*END SOLUTION\b")
MD_BEGIN = re.compile(r"^[ \t]*(?:#+[ \t]*)?BEGIN SOLUTION\b")
MD_END = re.compile(r"^[ \t]*(?:#+[ \t]*)?END SOLUTION\b")
STARTER = re.compile(r"^(?P<indent>[ \t]*)#[ \t]*STARTER:[ \t]?(?P<line>.*)$")
MARKDOWN_PLACEHOLDER = "_Your answer here._"


class RegionError(ValueError):
    """A solution region is malformed (unclosed, nested, or top-level without STARTER lines)."""


@dataclass(frozen=True)
class Exercise:
    """One exercise of a lesson: its id (`2_3_1.ex3`), number and title, as the notebook heading gives them."""

    id: str
    number: str
    title: str

    @property
    def label(self) -> str:
        """The words a student sees in stubs and feedback: `Exercise 3 (resume after a crash), 2_3_1.ex3`."""
        return f"Exercise {self.number} ({self.title[:1].lower()}{self.title[1:]}), {self.id}"


def has_regions(text: str) -> bool:
    """Tell whether a cell's text (code or markdown) holds any solution region."""
    return any(MD_BEGIN.match(line) for line in text.splitlines())


def _stub(indent: str, hint: str, exercise: Exercise | None, where: str) -> list[str]:
    """Return the starter lines that replace one region inside a function body."""
    if exercise is None:
        raise RegionError(f"{where}: a solution region before any exercise heading '## Exercise N · Title (id)'")
    lines = [f"{indent}# TODO {exercise.id}: {hint}"] if hint else []
    message = f"{exercise.label}: not implemented yet"
    return lines + [f"{indent}raise NotImplementedError({json.dumps(message, ensure_ascii=False)})"]


def starter_code(text: str, exercise: Exercise | None, where: str) -> str:
    """Replace each solution region of a code cell by its stub (or by the `# STARTER:` lines after it)."""
    out: list[str] = []
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        begin = BEGIN.match(lines[i])
        if not begin:
            starter = STARTER.match(lines[i])
            out.append(starter.group("indent") + starter.group("line") if starter else lines[i])
            i += 1
            continue
        end = next((j for j in range(i + 1, len(lines)) if END.match(lines[j]) or BEGIN.match(lines[j])), None)
        if end is None or BEGIN.match(lines[end]):
            raise RegionError(f"{where}: '# BEGIN SOLUTION' at line {i + 1} has no matching '# END SOLUTION'")
        follow = end + 1
        starter_lines = []
        while follow < len(lines) and STARTER.match(lines[follow]):
            match = STARTER.match(lines[follow])
            starter_lines.append(match.group("indent") + match.group("line"))
            follow += 1
        indent = begin.group("indent")
        if starter_lines:
            out.extend(starter_lines)
        elif indent == "":
            raise RegionError(f"{where}: a top-level solution region at line {i + 1} needs '# STARTER:' lines after it")
        else:
            out.extend(_stub(indent, begin.group("hint").strip(), exercise, where))
        i = follow
    return "\n".join(out)


def starter_markdown(text: str, where: str) -> str:
    """Replace each solution region of a markdown cell by a placeholder for the student's answer."""
    out: list[str] = []
    inside = False
    for number, line in enumerate(text.splitlines(), start=1):
        if MD_BEGIN.match(line):
            if inside:
                raise RegionError(f"{where}: nested 'BEGIN SOLUTION' at line {number}")
            inside = True
            out.append(MARKDOWN_PLACEHOLDER)
        elif MD_END.match(line):
            inside = False
        elif not inside:
            out.append(line)
    if inside:
        raise RegionError(f"{where}: 'BEGIN SOLUTION' has no matching 'END SOLUTION'")
    return "\n".join(out)


def solution_text(text: str) -> str:
    """Return a cell's text as the reference runs it: markers and STARTER lines dropped."""
    return "\n".join(
        line
        for line in text.splitlines()
        if not (MD_BEGIN.match(line) or MD_END.match(line) or STARTER.match(line))
    )
