"""Read a lesson's percent-format source (solutions/<lesson>/<module>.py) into cells tagged with exercises."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from .regions import Exercise

HEADING = re.compile(r"^#+\s*(?:Exercise\s+(?P<number>\w+)|(?P<word>Stretch))\s*[·:\-—]+\s*(?P<title>.+?)\s*"
                     r"\((?P<id>\d+_\d+_\d+\.\w+)\)\s*$", re.MULTILINE)
LESSON_DIR = re.compile(r"^\d+_\d+_\d+$")
GRADED = "graded"
PARAMETERS = "parameters"


@dataclass
class Cell:
    """One cell of the source: its kind, text, tags and the exercise it belongs to."""

    kind: str  # "code" or "markdown"
    text: str
    tags: tuple[str, ...]
    exercise: Exercise | None
    index: int

    @property
    def graded(self) -> bool:
        """True for cells whose code the grader runs (tagged `graded`)."""
        return GRADED in self.tags

    @property
    def cell_id(self) -> str:
        """A stable, readable notebook cell id: position, role and exercise."""
        role = "graded" if self.graded else PARAMETERS if PARAMETERS in self.tags else self.kind
        suffix = f"-{self.exercise.id.split('.')[-1]}" if self.exercise else ""
        return f"c{self.index:02d}-{role}{suffix}"


@dataclass
class LessonSource:
    """A lesson's single source: where it lives, its names and its cells."""

    path: Path
    lesson: str  # "2_3_1"
    module: str  # "saving_and_loading"
    title: str
    cells: list[Cell] = field(default_factory=list)

    @property
    def slug(self) -> str:
        """The lesson slug used in file names: `saving-and-loading`."""
        return self.module.replace("_", "-")

    @property
    def notebook_name(self) -> str:
        """The release notebook's file name: `2-3-1-saving-and-loading.ipynb`."""
        return f"{self.lesson.replace('_', '-')}-{self.slug}.ipynb"

    @property
    def exercises(self) -> list[Exercise]:
        """The lesson's exercises in order of appearance."""
        seen: dict[str, Exercise] = {}
        for cell in self.cells:
            if cell.exercise and cell.exercise.id not in seen:
                seen[cell.exercise.id] = cell.exercise
        return list(seen.values())

    def check_after(self) -> dict[int, Exercise]:
        """Where the release notebook checks each exercise: after its last code cell (demos that make files too)."""
        last: dict[str, Cell] = {}
        for cell in self.cells:
            if cell.kind == "code" and cell.exercise:
                last[cell.exercise.id] = cell
        return {cell.index: cell.exercise for cell in last.values()}


def read_source(path: Path) -> LessonSource:
    """Parse a percent-format lesson source with jupytext and attach each cell to its exercise."""
    import jupytext

    path = Path(path)
    lesson = path.parent.name
    if not LESSON_DIR.match(lesson):
        raise ValueError(f"{path}: a lesson source lives in solutions/<lesson id like 2_3_1>/, not in {lesson!r}")
    notebook = jupytext.read(path, fmt="py:percent")
    source = LessonSource(path=path, lesson=lesson, module=path.stem, title=lesson)
    exercise: Exercise | None = None
    for index, nb_cell in enumerate(notebook.cells):
        text = nb_cell.source
        if nb_cell.cell_type == "markdown":
            for match in HEADING.finditer(text):
                number = match.group("number") or match.group("word").lower()
                exercise = Exercise(id=match.group("id"), number=number, title=match.group("title").strip())
                if not exercise.id.startswith(lesson + "."):
                    raise ValueError(f"{path}: exercise id {exercise.id} does not belong to lesson {lesson}")
            if index == 0 and text.startswith("# "):
                source.title = text.splitlines()[0][2:].strip()
        tags = tuple(nb_cell.metadata.get("tags", ()))
        source.cells.append(Cell(nb_cell.cell_type, text, tags, exercise, index))
    if not any(cell.graded for cell in source.cells):
        raise ValueError(f"{path}: no cell is tagged graded (# %% tags=[\"graded\"])")
    return source
