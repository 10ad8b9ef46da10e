"""Find and read a submission (a .py module, an .ipynb notebook or a folder) into the cells the grader runs.

Only text is read here, in the judge; the cells run in a worker. A notebook contributes its graded cells
(tag `graded`, or a first line `# [graded] ...`), so a student's experiments and a crashing training cell
are left alone.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

GRADED_TAG = "graded"
GRADED_COMMENT = re.compile(r"^\s*#\s*\[graded\]", re.IGNORECASE)
CELL_MARKER = re.compile(r"^# %%(?P<rest>.*)$")
MAGIC = re.compile(r"^(\s*)([%!].*)$")


@dataclass(frozen=True)
class CodeCell:
    """One unit of student code: a label for messages, its text and where it starts in the file."""

    label: str
    source: str
    first_line: int = 1


@dataclass
class Submission:
    """What the grader runs: the file it came from, its code cells, and problems found while reading it."""

    path: Path
    kind: str  # "module" or "notebook"
    module_name: str
    cells: list[CodeCell] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    note: str = ""
    shown: str = ""  # the file as the student knows it (`assignments/2_3_1/x.py`, `x.py`); never a grader's scratch

    def describe(self) -> str:
        """One line for the report header: which file (as the student knows it), read how."""
        what = "notebook, graded cells" if self.kind == "notebook" else "module"
        return f"{self.shown or self.path.name} ({what}){' — ' + self.note if self.note else ''}"

    def payload(self) -> dict:
        """The plain data a worker needs to rebuild this submission."""
        return {
            "module_name": self.module_name,
            "filename": str(self.path),
            "cells": [[c.label, c.source, c.first_line] for c in self.cells],
        }


class SubmissionError(ValueError):
    """The path given cannot be graded at all (missing, wrong kind, nothing to grade in a folder)."""


def read_submission(path: Path, module_name: str, graded_cell_ids: tuple[str, ...] = ()) -> Submission:
    """Read a .py or .ipynb file into a Submission; a broken file gives problems, not an exception."""
    path = Path(path)
    if not path.is_file():
        raise SubmissionError(f"{path} does not exist or is not a file")
    if path.suffix == ".py":
        return _read_module(path, module_name)
    if path.suffix == ".ipynb":
        return _read_notebook(path, module_name, graded_cell_ids)
    raise SubmissionError(f"{path}: a submission is a .py module, an .ipynb notebook or a folder holding one")


def _read_text(path: Path, submission: Submission) -> str | None:
    """Read a file as UTF-8, recording a problem instead of raising."""
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        submission.problems.append(f"could not read {path.name}: {error}")
        return None


def _read_module(path: Path, module_name: str) -> Submission:
    """Split a module at its `# %%` markers so a broken cell costs only the exercises defined in it."""
    submission = Submission(path=path, kind="module", module_name=module_name)
    text = _read_text(path, submission)
    if text is None:
        return submission
    lines = text.splitlines(keepends=True)
    starts = [i for i, line in enumerate(lines) if CELL_MARKER.match(line)]
    # In a percent-format lesson source (cells tagged graded) the untagged cells are demos: skip them.
    tagged = [i for i in starts if GRADED_TAG in CELL_MARKER.match(lines[i]).group("rest")]
    bounds = ([0] if not starts or starts[0] != 0 else []) + starts + [len(lines)]
    for begin, end in zip(bounds, bounds[1:]):
        if tagged and begin not in tagged:
            continue
        body = "".join(lines[begin:end])
        if body.strip():
            submission.cells.append(CodeCell(f"{path.name}, line {begin + 1}", body, begin + 1))
    return submission


def _cell_source(cell: dict) -> str:
    """A notebook cell's text, whether stored as one string or a list of lines (v4 `source`, v3 `input`)."""
    source = cell.get("source", cell.get("input", ""))
    return "".join(source) if isinstance(source, list) else str(source)


def _read_notebook(path: Path, module_name: str, graded_cell_ids: tuple[str, ...]) -> Submission:
    """Take the graded code cells of a notebook (v4, or v3's worksheets), magics commented out."""
    submission = Submission(path=path, kind="notebook", module_name=module_name)
    text = _read_text(path, submission)
    if text is None:
        return submission
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        submission.problems.append(
            f"{path.name} is not valid notebook JSON (line {error.lineno}: {error.msg}); "
            "restore it from a checkpoint (File → Revert) or re-download the release notebook"
        )
        return submission
    cells = data.get("cells") if isinstance(data, dict) else None
    if cells is None and isinstance(data, dict) and data.get("worksheets"):
        cells = [c for sheet in data["worksheets"] for c in sheet.get("cells", [])]
    if not isinstance(cells, list):
        submission.problems.append(f"{path.name} has no cells: is it a Jupyter notebook?")
        return submission
    labels = cell_labels(path.name, cells)
    code = [(n, c) for n, c in enumerate(cells, start=1) if isinstance(c, dict) and c.get("cell_type") == "code"]

    def is_graded(cell: dict) -> bool:
        tags = (cell.get("metadata") or {}).get("tags") or []
        first = _cell_source(cell).lstrip("\n").split("\n", 1)[0]
        return GRADED_TAG in tags or bool(GRADED_COMMENT.match(first))

    chosen = [(n, c) for n, c in code if is_graded(c)]
    if not chosen and graded_cell_ids:
        chosen = [(n, c) for n, c in code if c.get("id") in graded_cell_ids]
    if not chosen:
        chosen = code
        submission.note = "no cell is marked graded, so every code cell runs"
    for number, cell in chosen:
        source = "\n".join(MAGIC.sub(r"\1# \2", line) for line in _cell_source(cell).split("\n"))
        submission.cells.append(CodeCell(labels[number], source, 1))
    return submission


HEADING = re.compile(r"^\s{0,3}#{1,6}\s+(?P<text>.+?)\s*#*\s*$")
MAX_HEADING = 70  # characters of a heading quoted in a cell's label


def cell_labels(file_name: str, cells: list) -> dict[int, str]:
    """How messages name each code cell of a notebook (by its 1-based position among all cells): as a learner
    finds it, by its place among the code cells (Jupyter numbers no markdown cell) and the heading above it,
    e.g. `2-3-1-saving-and-loading.ipynb, code cell 7 under "Exercise 3 · Resume after a crash (2_3_1.ex3)"`."""
    labels, code, heading = {}, 0, ""
    for number, cell in enumerate(cells, start=1):
        if not isinstance(cell, dict):
            continue
        if cell.get("cell_type") == "markdown":
            found = [m["text"] for line in _cell_source(cell).splitlines() if (m := HEADING.match(line))]
            heading = found[-1] if found else heading
        elif cell.get("cell_type") == "code":
            code += 1
            under = heading if len(heading) <= MAX_HEADING else heading[:MAX_HEADING - 1] + "…"
            labels[number] = f"{file_name}, code cell {code}" + (f' under "{under}"' if under else "")
    return labels


def sha256(path: Path) -> str:
    """Hash a file, to tell a pristine starter from edited work."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def choose_in_folder(folder: Path, module_file: str, notebook_file: str, pristine: dict[str, str]) -> tuple[Path, str]:
    """Pick the file to grade in a lesson folder: the one the student edited (the newer if both were)."""
    candidates = [folder / name for name in (module_file, notebook_file) if (folder / name).is_file()]
    if not candidates:
        others = sorted(p.name for p in folder.glob("*.py")) + sorted(p.name for p in folder.glob("*.ipynb"))
        if len(others) == 1:
            return folder / others[0], "the only .py/.ipynb file in the folder"
        raise SubmissionError(
            f"{folder} holds neither {module_file} nor {notebook_file}; name the file with --submission PATH"
        )
    edited = [p for p in candidates if pristine.get(p.name) != sha256(p)]
    if len(edited) == 1:
        return edited[0], "the file you edited"
    if len(edited) > 1:
        newest = max(edited, key=lambda p: p.stat().st_mtime)
        return newest, "both files were edited; grading the newer one"
    return candidates[0], "unchanged starter"
