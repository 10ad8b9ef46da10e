"""Run a release notebook for real with nbclient, with its `parameters` cell overridden (papermill-style): the
project's tests use it; the student's in-notebook `check()` is gradekit/notebook.py, a different thing."""

from __future__ import annotations

from pathlib import Path


def reference_notebook(root: Path, lesson: str) -> str:
    """The lesson's release notebook with the solutions in place (JSON text): what a reference run executes."""
    from ..assign.outputs import release_notebook
    from ..assign.pipeline import lesson_sources
    from ..assign.source import read_source

    return release_notebook(read_source(next(iter(lesson_sources(root, [lesson])))), solved=True)


def stub_stops(notebook) -> str:
    """Why an executed starter notebook did not stop as it should ("" if it did): its first error must be a
    stub's NotImplementedError, and no graded cell may fail (graded cells only define names)."""
    found = errors(notebook)
    if not found or found[0][0] != "NotImplementedError":
        return f"the first error is not a stub's NotImplementedError: {found[:3]}"
    graded = {c["id"] for c in notebook.cells if "graded" in c.metadata.get("tags", [])}
    failing = [cell for _, cell in found if cell in graded]
    return f"graded cells failed: {failing}" if failing else ""


def with_parameters(notebook, parameters: dict):
    """Insert a cell after the one tagged `parameters` that sets the given names (fewer epochs, a data root)."""
    import nbformat

    lines = ["# Injected by the test run: overrides the parameters cell above."]
    lines += [f"{name} = {value!r}" for name, value in parameters.items()]
    cell = nbformat.v4.new_code_cell("\n".join(lines), metadata={"tags": ["injected-parameters"]})
    cell["id"] = "injected-parameters"
    index = next((i for i, c in enumerate(notebook.cells) if "parameters" in c.metadata.get("tags", [])), -1)
    notebook.cells.insert(index + 1, cell)
    return notebook


def execute(text: str, parameters: dict, cwd: Path, timeout: int = 600, allow_errors: bool = False):
    """Execute a notebook (given as its JSON text) top to bottom in a fresh python3 kernel; return it executed."""
    import nbformat
    from nbclient import NotebookClient

    notebook = with_parameters(nbformat.reads(text, as_version=4), parameters)
    client = NotebookClient(notebook, timeout=timeout, kernel_name="python3", allow_errors=allow_errors,
                            resources={"metadata": {"path": str(cwd)}})
    client.execute()  # ipykernel draws figures inline (PNG outputs), headless
    return notebook


def errors(notebook) -> list[tuple[str, str]]:
    """(exception name, cell id) for every cell whose output holds an error."""
    found = []
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                found.append((output.get("ename", ""), cell.get("id", "")))
    return found


def check_outputs(notebook) -> dict[str, str]:
    """Cell id -> plain text of every check cell's outputs: each exercise's `check()` cell and `check_all()` (the
    setup cell that turns checks on left out). Lessons' notebook tests read their check tables from it."""
    return {cell["id"]: "\n".join(o.get("text", "") + o.get("data", {}).get("text/plain", "")
                                  for o in cell.get("outputs", []))
            for cell in notebook.cells if "-check-" in cell.get("id", "") and cell["id"] != "c00-check-setup"}
