"""Turn a lesson source into its release files: starter module, release notebook and manifest."""

from __future__ import annotations

import hashlib
import json

from .regions import has_regions, solution_text, starter_code, starter_markdown
from .source import GRADED, PARAMETERS, LessonSource

NOTEBOOK_METADATA = {
    "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
    "language_info": {"name": "python"},
}
KEPT_TAGS = (GRADED, PARAMETERS)
CHECK_SETUP = """\
# Checks: `check("{example}")` after an exercise runs its public checks on your code, `check_all()` gives your
# score. They need the course bundle (its graders); without it they say so in one line and your work still runs.
try:
    from gradekit.notebook import check, check_all
except ImportError:
    def check(*args, **kwargs):
        print("Checks are off here: install the course bundle (pip install -e .) and open the notebook from it "
              "to check your work")

    check_all = check"""


def _starter_text(source: LessonSource, cell, solved: bool = False) -> str:
    """Return one cell's text as the student receives it (or, `solved`, as the reference runs it)."""
    if solved:
        return solution_text(cell.text)
    where = f"{source.path}, cell {cell.index}"
    if cell.kind == "markdown":
        return starter_markdown(cell.text, where)
    return starter_code(cell.text, cell.exercise, where) if has_regions(cell.text) else cell.text


def starter_module(source: LessonSource, solved: bool = False) -> str:
    """Write the starter module: the graded cells only, stubs in place of solutions, `# %%` cell markers kept.

    With `solved`, the same module with the reference code in place: what tests and benchmarks grade.
    """
    docstring = (
        f'"""{source.title}: starter module for lesson {source.lesson} ({source.slug}).\n\n'
        f"Fill in the stubs (each raises NotImplementedError), then check your work with\n"
        f"`pytest graders/{source.lesson}`. The release notebook {source.notebook_name} holds the same\n"
        f"exercises with the lesson's instructions; work in either file.\n"
        f"Generated from solutions/{source.lesson}/{source.path.name} by `gradekit build`; do not edit by hand.\n"
        '"""'
    )
    parts = [docstring]
    for cell in source.cells:
        if cell.kind == "code" and cell.graded:
            parts.append("# %%\n" + _starter_text(source, cell, solved).strip("\n"))
    return "\n\n\n".join(parts) + "\n"


def release_notebook(source: LessonSource, solved: bool = False) -> str:
    """Write the release notebook (nbformat 4.5, stable cell ids, no outputs) with the solutions stripped.

    With `solved`, the reference notebook: the same cells with the solutions in place.
    """
    import nbformat

    notebook = nbformat.v4.new_notebook()
    notebook.nbformat_minor = 5
    notebook.metadata = dict(NOTEBOOK_METADATA)
    checks = source.check_after()
    for cell in source.cells:
        text = _starter_text(source, cell, solved)
        tags = [tag for tag in cell.tags if tag in KEPT_TAGS]
        metadata = {"tags": tags} if tags else {}
        if cell.kind == "markdown":
            nb_cell = nbformat.v4.new_markdown_cell(text, metadata=metadata)
        else:
            nb_cell = nbformat.v4.new_code_cell(text, metadata=metadata)
        nb_cell["id"] = cell.cell_id
        notebook.cells.append(nb_cell)
        if cell.index == 0:
            notebook.cells.append(_code_cell(CHECK_SETUP.format(example=source.exercises[0].id), "c00-check-setup"))
        if cell.index in checks:
            exercise = checks[cell.index]
            notebook.cells.append(_code_cell(f'check("{exercise.id}")',
                                             f"c{cell.index:02d}-check-{exercise.id.split('.')[-1]}"))
    last = source.cells[-1].index
    notebook.cells.append(nbformat.v4.new_markdown_cell(
        "## Your score\n\nEvery exercise's public checks at once (the course's graders add hidden checks)."))
    notebook.cells[-1]["id"] = f"c{last:02d}-markdown-score"
    notebook.cells.append(_code_cell("check_all()", f"c{last:02d}-check-all"))
    nbformat.validate(notebook)
    return nbformat.writes(notebook) + "\n"


def _code_cell(text: str, cell_id: str):
    """A code cell the build adds (the check cells), with its stable id."""
    import nbformat

    cell = nbformat.v4.new_code_cell(text)
    cell["id"] = cell_id
    return cell


def manifest(source: LessonSource, files: dict[str, str]) -> str:
    """Describe the lesson for the graders: names, exercises, graded cells and the pristine files' hashes."""
    data = {
        "lesson": source.lesson,
        "title": source.title,
        "slug": source.slug,
        "module": f"{source.module}.py",
        "notebook": source.notebook_name,
        "exercises": [{"id": ex.id, "number": ex.number, "title": ex.title} for ex in source.exercises],
        "graded_cells": [cell.cell_id for cell in source.cells if cell.graded],
        "starter_sha256": {name: hashlib.sha256(text.encode()).hexdigest() for name, text in sorted(files.items())},
    }
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def lesson_outputs(source: LessonSource) -> dict[str, str]:
    """Return every file `gradekit build` writes for one lesson, keyed by name inside assignments/<lesson>/."""
    files = {f"{source.module}.py": starter_module(source), source.notebook_name: release_notebook(source)}
    files["manifest.json"] = manifest(source, files)
    return files
