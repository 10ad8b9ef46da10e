"""The build: deterministic, up to date, and faithful to the authoring format (stubs, notebook, manifest)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from gradekit.assign.outputs import lesson_outputs, starter_module
from gradekit.assign.pipeline import build, lesson_sources
from gradekit.assign.regions import Exercise, RegionError, starter_code, starter_markdown
from gradekit.assign.source import read_source
from gradekit.cli import main as gradekit
from gradekit.verify import committed_artifacts, solved_module, stale_artifacts

ROOT = Path(__file__).resolve().parents[1]
LESSONS = [p.parent.name for p in lesson_sources(ROOT)]
EXERCISE = Exercise(id="9_9_9.ex3", number="3", title="Resume after a crash")


@pytest.mark.parametrize("lesson", LESSONS)
def test_building_twice_gives_identical_bytes(lesson):
    source = next(p for p in lesson_sources(ROOT, [lesson]))
    assert lesson_outputs(read_source(source)) == lesson_outputs(read_source(source))


def test_committed_assignments_are_up_to_date():
    assert build(ROOT, check=True).stale == []


def test_committed_reference_artifacts_are_those_of_the_current_reference():
    """A fresh clone (CI) grades 2.2.2's and 2.3.3's reference with the checkpoints committed beside their sources,
    not after minutes of training: they must be the current version's."""
    assert stale_artifacts(ROOT) == []
    assert sorted(p.parent.name for p in (ROOT / "solutions").glob("*/reference_artifacts")) == \
        sorted(p.parent.name for p in (ROOT / "graders").glob("*/reference_artifacts.py"))


RECIPE = """from pathlib import Path


def build(module, folder: Path) -> None:
    made = Path(__file__).with_name("made.txt")
    made.write_text(str(int(made.read_text()) + 1) if made.exists() else "1")
    (folder / "trained.txt").write_text("made by " + module.__name__ + " {version}")
"""


def test_the_reference_artifacts_are_trained_once_committed_and_checked(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("GRADEKIT_CACHE", str(tmp_path / "cache"))
    root, lesson = tmp_path / "course", "9_1_1"
    assert gradekit(["--root", str(root), "new", lesson, "--title", "A linear layer"]) == 0
    recipe = root / "graders" / lesson / "reference_artifacts.py"
    recipe.write_text(RECIPE.format(version=1))
    assert stale_artifacts(root) == [lesson]
    assert gradekit(["--root", str(root), "build", "--check"]) == 1
    assert f"solutions/{lesson}/reference_artifacts" in capsys.readouterr().out

    assert gradekit(["--root", str(root), "build"]) == 0
    assert "trained.txt" in capsys.readouterr().out
    assert stale_artifacts(root) == [] and gradekit(["--root", str(root), "build", "--check"]) == 0
    (committed,) = committed_artifacts(root, lesson).iterdir()
    assert (committed / "trained.txt").read_text() == "made by a_linear_layer 1"
    solved = solved_module(root, lesson, tmp_path)
    assert (solved.parent / "trained.txt").read_text() == "made by a_linear_layer 1"
    assert (recipe.parent / "made.txt").read_text() == "1", "trained once, then taken from the commit"

    recipe.write_text(RECIPE.format(version=2))
    assert gradekit(["--root", str(root), "build", "--check"]) == 1
    assert "trains them again" in capsys.readouterr().out
    assert gradekit(["--root", str(root), "build"]) == 0
    assert [p.name for p in committed_artifacts(root, lesson).iterdir()] != [committed.name], "the old one is gone"
    assert (solved_module(root, lesson, tmp_path).parent / "trained.txt").read_text().endswith(" 2")


def test_check_mode_catches_a_stale_starter(tmp_path):
    shutil.copytree(ROOT / "solutions", tmp_path / "solutions")
    build(tmp_path)
    assert build(tmp_path, check=True).stale == []
    starter = next((tmp_path / "assignments").glob("*/*.py"))
    starter.write_text(starter.read_text() + "\n# edited by hand\n")
    assert build(tmp_path, check=True).stale == [starter]
    done = subprocess.run([sys.executable, "-m", "gradekit.cli", "--root", str(tmp_path), "build", "--check"],
                          capture_output=True, text=True)
    assert done.returncode == 1 and starter.name in done.stdout


# Imports every lesson's starter in one fresh process (torch imported once), each under a name of its own; prints
# a JSON object: lesson -> "imported" or the error's traceback.
IMPORT_EVERY_STARTER = """
import importlib.util, json, sys, traceback
found = {}
for lesson, path in json.loads(sys.argv[1]).items():
    try:
        spec = importlib.util.spec_from_file_location("starter_" + lesson, path)
        spec.loader.exec_module(importlib.util.module_from_spec(spec))
        found[lesson] = "imported"
    except BaseException:
        found[lesson] = traceback.format_exc()
print(json.dumps(found))
"""


def starter_of(lesson: str) -> Path:
    manifest = json.loads((ROOT / "assignments" / lesson / "manifest.json").read_text())
    return ROOT / "assignments" / lesson / manifest["module"]


@pytest.fixture(scope="module")
def starter_imports(tmp_path_factory) -> dict:
    """Each lesson's starter imported as a student's fresh kernel would: lesson -> "imported" or why not."""
    starters = json.dumps({lesson: str(starter_of(lesson)) for lesson in LESSONS})
    done = subprocess.run([sys.executable, "-c", IMPORT_EVERY_STARTER, starters], capture_output=True, text=True,
                          cwd=tmp_path_factory.mktemp("imports"), timeout=300)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("lesson", LESSONS)
def test_starter_imports_cleanly_and_every_stub_names_its_exercise(lesson, starter_imports):
    manifest = json.loads((ROOT / "assignments" / lesson / "manifest.json").read_text())
    starter = starter_of(lesson)
    assert starter_imports[lesson] == "imported", starter_imports[lesson]
    text = starter.read_text()
    ids = {ex["id"] for ex in manifest["exercises"]}
    stubs = [line for line in text.splitlines() if "raise NotImplementedError(" in line]
    assert stubs and all(any(i in line for i in ids) and "not implemented yet" in line for line in stubs)
    assert "BEGIN SOLUTION" not in text and "END SOLUTION" not in text
    assert not re.search(r"^check(_all)?\(", text, re.M) and "gradekit.notebook" not in text, \
        "the starter module gets no notebook check cells"


@pytest.mark.parametrize("lesson", LESSONS)
def test_release_notebook_is_valid_v4_5_with_ids_and_no_outputs(lesson):
    manifest = json.loads((ROOT / "assignments" / lesson / "manifest.json").read_text())
    notebook = nbformat.read(ROOT / "assignments" / lesson / manifest["notebook"], as_version=4)
    nbformat.validate(notebook)
    assert (notebook.nbformat, notebook.nbformat_minor) == (4, 5)
    ids = [cell["id"] for cell in notebook.cells]
    assert len(set(ids)) == len(ids) and all(ids)
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    assert all(cell.outputs == [] and cell.execution_count is None for cell in code)
    graded = [cell for cell in code if "graded" in cell.metadata.get("tags", [])]
    assert [cell["id"] for cell in graded] == manifest["graded_cells"]
    assert all(cell.source.startswith("# [graded]") for cell in graded)
    mentions = [cell for cell in notebook.cells if "gradekit" in cell.source]
    assert [cell["id"] for cell in mentions] == ["c00-check-setup"], "only the check setup cell may name gradekit"
    setup = mentions[0].source
    assert setup.index("try:") < setup.index("from gradekit") < setup.index("except ImportError:"), \
        "the release notebook must run without this repository: gradekit is imported only inside try/except"
    checks = [cell.source for cell in code if "-check-" in cell["id"] and cell["id"] != "c00-check-setup"]
    assert sorted(checks[:-1]) == sorted(f'check("{ex["id"]}")' for ex in manifest["exercises"])
    assert checks[-1] == "check_all()"
    for exercise in manifest["exercises"]:  # each check comes after the heading of the exercise it checks
        heading = next(n for n, cell in enumerate(notebook.cells)
                       if cell.cell_type == "markdown" and exercise["id"] in cell.source)
        assert any(cell.source == f'check("{exercise["id"]}")' for cell in notebook.cells[heading:])


def test_stub_keeps_signature_and_docstring_and_uses_the_hint():
    text = ('def resume(path, model, optimizer, device="cpu") -> int:\n'
            '    """Restore and return the next epoch."""\n'
            "    # BEGIN SOLUTION hint: load both state_dicts\n"
            "    return 1\n"
            "    # END SOLUTION\n")
    out = starter_code(text, EXERCISE, "test")
    assert out.splitlines()[:2] == text.splitlines()[:2]
    assert "# TODO 9_9_9.ex3: load both state_dicts" in out
    assert 'raise NotImplementedError("Exercise 3 (resume after a crash), 9_9_9.ex3: not implemented yet")' in out
    assert "return 1" not in out


def test_nbgrader_markers_are_accepted():
    text = "def f():\n    ### BEGIN SOLUTION\n    return 2\n    ### END SOLUTION\n"
    out = starter_code(text, EXERCISE, "test")
    assert "return 2" not in out and "NotImplementedError" in out


def test_top_level_region_takes_its_starter_lines():
    text = 'BEST = {"a": 1}\n# BEGIN SOLUTION\nHARDEST = ["Shirt"]\n# END SOLUTION\n# STARTER: HARDEST = []  # fill in\n'
    assert starter_code(text, EXERCISE, "test") == 'BEST = {"a": 1}\nHARDEST = []  # fill in'


def test_top_level_region_without_starter_lines_is_an_error():
    with pytest.raises(RegionError, match="STARTER"):
        starter_code("# BEGIN SOLUTION\nX = 1\n# END SOLUTION\n", EXERCISE, "test")


def test_unclosed_region_is_an_error():
    with pytest.raises(RegionError, match="no matching"):
        starter_code("def f():\n    # BEGIN SOLUTION\n    return 1\n", EXERCISE, "test")


def test_markdown_answer_becomes_a_placeholder():
    text = "Why are shirts hard?\nBEGIN SOLUTION\nThey look like coats.\nEND SOLUTION"
    assert starter_markdown(text, "test") == "Why are shirts hard?\n_Your answer here._"


def test_solved_module_keeps_the_reference_code():
    source = read_source(next(p for p in lesson_sources(ROOT, [LESSONS[0]])))
    solved = starter_module(source, solved=True)
    assert "raise NotImplementedError(" not in solved and "BEGIN SOLUTION" not in solved
