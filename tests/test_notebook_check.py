"""Checks inside the release notebook: check("2_3_1.exN") cells graded for real in a Jupyter kernel, the polite
line where gradekit is missing, and which run of a graded cell counts."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from gradekit.notebook import GradedCell, check, check_all, latest_versions
from gradekit.testing.notebooks import execute, reference_notebook

ROOT = Path(__file__).resolve().parents[1]
LESSON = "2_3_1"
RELEASE = ROOT / "assignments" / LESSON / "2-3-1-saving-and-loading.ipynb"
EXERCISES = [ex["id"] for ex in json.loads((ROOT / "assignments" / LESSON / "manifest.json").read_text())["exercises"]]
POLITE = ("Checks are off here: install the course bundle (pip install -e .) and open the notebook from it to check "
          "your work")


@pytest.fixture
def checks_on(monkeypatch):
    monkeypatch.delenv("GRADEKIT_NOTEBOOK_CHECKS", raising=False)


def check_outputs(notebook) -> dict[str, tuple[str, str]]:
    """Cell id -> (plain text, HTML) of every check cell's final outputs."""
    found = {}
    for cell in notebook.cells:
        if "-check-" in cell.get("id", "") and cell["id"] != "c00-check-setup":
            outputs = cell.get("outputs", [])
            text = "\n".join(o.get("text", "") + o.get("data", {}).get("text/plain", "") for o in outputs)
            markup = "\n".join(o.get("data", {}).get("text/html", "") for o in outputs)
            found[cell["id"]] = (text, markup)
    return found


def check_cell(shown: dict, exercise: str) -> str:
    """The id of the check cell of an exercise (`c18-check-ex3`), or of check_all() for "all"."""
    return next(key for key in shown if key.endswith("-check-" + exercise.split(".")[-1]))


@pytest.mark.slow
def test_reference_notebook_checks_show_every_check_passed(checks_on, mnist_parameters, tmp_path):
    text = reference_notebook(ROOT, LESSON)
    notebook = execute(text, mnist_parameters, cwd=tmp_path)
    shown = check_outputs(notebook)
    assert len(shown) == len(EXERCISES) + 1
    for exercise in EXERCISES:
        plain, _ = shown[check_cell(shown, exercise)]
        headline = next(line for line in plain.splitlines() if line.startswith(exercise + " · "))
        assert ": all " in headline and "checks passed" in headline and "✗" not in plain, plain
        assert "checks done in" in plain, "the progress display ends with the time taken"
    assert "data:image/png;base64," in shown[check_cell(shown, "2_3_1.ex3")][1], "the resume chart is shown inline"
    plain_all = shown[check_cell(shown, "all")][0]
    assert f"Lesson {LESSON}: all " in plain_all and "✗" not in plain_all, plain_all


@pytest.mark.slow
def test_starter_notebook_checks_say_not_implemented_yet(checks_on, mnist_parameters, tmp_path):
    notebook = execute(RELEASE.read_text(), mnist_parameters, cwd=tmp_path, allow_errors=True)
    shown = check_outputs(notebook)
    assert len(shown) == len(EXERCISES) + 1
    for cell_id, (plain, _) in shown.items():
        assert "✗" in plain and "not implemented yet" in plain and ": all " not in plain, (cell_id, plain)
    plain_all = shown[check_cell(shown, "all")][0]
    assert f"Lesson {LESSON}: 0 of " in plain_all and "· 0/30 points" in plain_all, plain_all


def test_without_gradekit_the_setup_cell_says_one_polite_line(tmp_path):
    setup = next(c.source for c in nbformat.read(RELEASE, as_version=4).cells if c["id"] == "c00-check-setup")
    script = setup + '\ncheck("2_3_1.ex1")\ncheck_all()\n'
    # -I -S: no user site, no site-packages, cwd not on sys.path: gradekit cannot be imported, as in Colab
    done = subprocess.run([sys.executable, "-I", "-S", "-c", script], capture_output=True, text=True, cwd=tmp_path,
                          timeout=60)
    assert done.returncode == 0 and done.stderr == ""
    assert done.stdout.splitlines() == [POLITE, POLITE]


def test_switched_off_checks_say_so_in_one_line(monkeypatch, capsys):
    monkeypatch.setenv("GRADEKIT_NOTEBOOK_CHECKS", "off")
    assert check("2_3_1.ex3") is None and check_all() is None
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2 and all("switched off" in line for line in lines)


def test_bad_exercise_ids_get_a_message_not_a_traceback(checks_on):
    assert "is not an exercise id" in repr(check("exercise three"))
    unknown = repr(check("2_3_1.ex9", root=ROOT))
    assert "2_3_1.ex9 is not an exercise of lesson 2_3_1" in unknown and "2_3_1.ex4" in unknown
    assert "graders/9_9_9" in repr(check("9_9_9.ex1"))


def cell(source: str, origin: str = "saved") -> GradedCell:
    return GradedCell(source, origin)


def test_the_latest_run_of_each_graded_cell_counts():
    given = cell("# [graded] 2_3_3 given code\nimport torch\nCLASSES = []")
    per_class = cell("# [graded] 2_3_3.ex4\ndef per_class_accuracy(m, l, d):\n    raise NotImplementedError")
    hardest = cell("# [graded] 2_3_3.ex4\nHARDEST_CLASSES = None")
    fixed = cell("# [graded] 2_3_3.ex4\ndef per_class_accuracy(m, l, d):\n    return {}\n", "run [7]")
    broken = cell("# [graded] 2_3_3.ex4\nHARDEST_CLASSES = [6, 2, 4\n", "run [8]")
    again = cell("# [graded] 2_3_3.ex4\nHARDEST_CLASSES = [6, 2, 4]\n", "run [9]")
    chosen = latest_versions([given, per_class, hardest], [fixed, broken, again])
    assert chosen == [given, fixed, again], "each run replaces the earlier version of its own cell only"
    helper = cell("# [graded] 2_3_3.ex4\ndef helper():\n    pass\n", "run [10]")
    assert latest_versions([given, per_class], [helper]) == [given, per_class, helper], "a new cell is added"


def test_a_cell_run_keeps_its_place_in_the_notebook():
    """The given code (imports, `nn`) run again after an exercise stays first: exercise cells read from the saved
    notebook still find what it defines (found by JupyterLab's Run All in tests/test_browser.py)."""
    given = cell("# [graded] 2_3_1 given code\nimport torch.nn as nn")
    ex1 = cell("# [graded] 2_3_1.ex1\ndef save_model(model: nn.Module, path):\n    raise NotImplementedError")
    ex3 = cell("# [graded] 2_3_1.ex3\ndef resume(path, model: nn.Module, optimizer):\n    raise NotImplementedError")
    ran_ex1 = cell("# [graded] 2_3_1.ex1\ndef save_model(model: nn.Module, path):\n    pass\n", "run [5]")
    ran_given = cell("# [graded] 2_3_1 given code\nimport torch.nn as nn\n", "run [6]")
    assert latest_versions([given, ex1, ex3], [ran_ex1, ran_given]) == [ran_given, ran_ex1, ex3]


def test_cells_are_named_as_a_learner_finds_them():
    """A notebook cell in messages: its place among the code cells (Jupyter numbers no markdown cell) and the
    heading above it, never a count that includes the markdown cells; the same for check()'s saved cells."""
    from gradekit.harness.submission import read_submission
    from gradekit.notebook import notebook_cells

    cells = json.loads(RELEASE.read_text())["cells"]
    code = [c for c in cells if c["cell_type"] == "code"]
    ex3 = next(i for i, c in enumerate(code, start=1) if "".join(c["source"]).startswith("# [graded] 2_3_1.ex3"))
    overall = next(i for i, c in enumerate(cells, start=1) if "".join(c["source"]).startswith("# [graded] 2_3_1.ex3"))
    assert ex3 != overall, "the markdown cells would change the number"
    label = f'{RELEASE.name}, code cell {ex3} under "Exercise 3 · Resume after a crash (2_3_1.ex3)"'
    assert read_submission(RELEASE, "m").cells[3].label == label
    assert [c.origin for c in notebook_cells(RELEASE, LESSON)][3] == label
    given = read_submission(RELEASE, "m").cells[0].label
    assert given.endswith('under "Given code (from the MNIST project, lesson 2.2.2)"'), given
