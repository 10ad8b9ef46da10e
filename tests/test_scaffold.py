"""`gradekit new LESSON`: the template lesson is complete (every part README's *Adding a lesson* asks for) and
proves itself as it stands: reference 100 %, starter 0 %, its mistake caught, its variant and notebook fine."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from gradekit.assign.pipeline import build
from gradekit.cli import main as gradekit
from gradekit.lesson_parts import lacking
from gradekit.testing.notebooks import execute, reference_notebook, stub_stops
from gradekit.verify import grade, solved_module, verify, with_cell

ROOT = Path(__file__).resolve().parents[1]
LESSON = "9_1_1"


@pytest.fixture(scope="module")
def course(tmp_path_factory) -> Path:
    """A project holding only the new lesson, written by the command and built."""
    root = tmp_path_factory.mktemp("course")
    assert gradekit(["--root", str(root), "new", LESSON, "--title", "A linear layer"]) == 0
    build(root, [LESSON])
    return root


def imports(path: Path) -> set[str]:
    """The top-level names a file imports."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            found.add(node.module)
    return found


def test_the_new_lesson_has_every_part_and_builds(course):
    assert lacking(course, LESSON) == []
    starter = (course / "assignments" / LESSON / "a_linear_layer.py").read_text()
    assert 'raise NotImplementedError("Exercise 1 (a linear layer by hand), 9_1_1.ex1: not implemented yet")' in starter
    assert (course / "graders" / LESSON / "hidden" / "checks.json").exists()
    assert build(course, [LESSON], check=True).stale == []


def test_checks_import_only_gradekit_checks_and_probes_only_gradekit_probe(course):
    graders = course / "graders" / LESSON
    for check in [*graders.glob("test_*.py"), *graders.glob("hidden/test_*.py")]:
        assert imports(check) == {"pytest", "gradekit.checks"}, check
    assert imports(graders / "probes.py") == {"__future__", "torch", "gradekit.probe"}


def test_an_existing_lesson_or_a_bad_id_is_refused(course, capsys):
    assert gradekit(["--root", str(course), "new", LESSON, "--title", "Again"]) == 2
    assert "lesson 9_1_1 exists already" in capsys.readouterr().err
    assert gradekit(["--root", str(course), "new", "2-1-5", "--title", "Bad id"]) == 2
    assert "a lesson id looks like 2_1_3" in capsys.readouterr().err


@pytest.mark.slow
def test_the_template_proves_itself(course, tmp_path, capsys, monkeypatch):
    assert verify(course, [LESSON]) == 0
    assert "9_1_1              3/3 (100 %)         0/3 (0 %)   ok" in capsys.readouterr().out
    reference = solved_module(course, LESSON, tmp_path)
    text = reference.read_text()
    corpus = course / "tests" / "corpus" / LESSON
    reference.write_text(with_cell(text, (corpus / "mistakes" / "forgets_the_bias.py").read_text()))
    checks = {c["name"]: c for c in grade(course, LESSON, reference)["checks"]}
    assert checks["test_linear_forward_is_a_matrix_product"]["status"] == "failed"
    assert "values differ" in checks["test_linear_forward_is_a_matrix_product"]["message"]
    reference.write_text(with_cell(text, (corpus / "correct" / "addmm.py").read_text()))
    assert all(c["status"] == "passed" for c in grade(course, LESSON, reference)["checks"])
    attack = "\n\n# %%\n".join(p.read_text() for p in (ROOT / "tests" / "attacks" / "_toolkit.py",
                                                           course / "tests" / "attacks" / LESSON / "_prelude.py",
                                                           course / "tests" / "attacks" / LESSON / "caller_frame.py"))
    reference.write_text((course / "assignments" / LESSON / "a_linear_layer.py").read_text() + "\n\n# %%\n" + attack)
    assert grade(course, LESSON, reference)["lessons"][LESSON]["points"] == 0
    monkeypatch.setenv("GRADEKIT_NOTEBOOK_CHECKS", "off")
    notebook = execute(reference_notebook(course, LESSON), {}, cwd=tmp_path)
    assert "outputs: torch.Size([4, 2])" in str([c.get("outputs") for c in notebook.cells])
    starter = next((course / "assignments" / LESSON).glob("*.ipynb")).read_text()
    assert not stub_stops(execute(starter, {}, cwd=tmp_path, allow_errors=True))
