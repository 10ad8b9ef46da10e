"""The graders judged on submissions: known mistakes are caught by their check, correct variants score 100 %,
broken submissions lose only the exercises they break.

Each corpus file is a cell appended to the reference module (or, with REPLACES, put in place of one
exercise's cell); its CAUGHT_BY / LOST / MESSAGE lines say what grading must find.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from gradekit.grading.batch import GradeOptions, grade_batch
from gradekit.verify import solved_module, with_cell

pytestmark = pytest.mark.slow  # grades every corpus file

ROOT = Path(__file__).resolve().parents[1]
CORPUS = Path(__file__).parent / "corpus"
KEYS = ("CAUGHT_BY", "LOST", "MESSAGE", "EXTRA_ARGS", "REPLACES")
META = re.compile(rf"^(?P<name>{'|'.join(KEYS)}) = (?P<value>.+)$")


def corpus(kind: str) -> list:
    """Every corpus file of one kind (mistakes, correct, broken), across lessons with graders."""
    return [pytest.param(p, id=f"{p.parent.parent.name}/{p.stem}")
            for p in sorted(CORPUS.glob(f"*/{kind}/*.py")) if (ROOT / "graders" / p.parent.parent.name).is_dir()]


def metadata(path: Path) -> dict:
    """The corpus file's expectations, read without running it (it may not even parse)."""
    text = path.read_text()
    try:
        tree = ast.parse(text)
        return {node.targets[0].id: ast.literal_eval(node.value) for node in tree.body
                if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name)
                and node.targets[0].id in KEYS}
    except SyntaxError:
        return {m["name"]: ast.literal_eval(m["value"]) for line in text.splitlines() if (m := META.match(line))}


def submission_with(path: Path, folder: Path) -> tuple[Path, str]:
    """The reference module with the corpus cell appended, or put in place of one exercise's cell."""
    lesson = path.parent.parent.name
    module = solved_module(ROOT, lesson, folder)
    module_text = with_cell(module.read_text(), path.read_text(), metadata(path).get("REPLACES"))
    module.write_text(module_text)
    return module, lesson


def extra_args(path: Path) -> tuple[str, ...]:
    return tuple(metadata(path).get("EXTRA_ARGS", ()))


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """Grade a corpus file: every file of its lesson that needs the same options is graded in one batch
    (one warm worker pool, two submissions at a time) the first time one of them is asked for. A mistake is judged
    on the checks its CAUGHT_BY names alone (the others would prove nothing about it); the rest, in full."""
    grades: dict[Path, object] = {}

    def grade_of(path: Path):
        if path not in grades:
            lesson, extra = path.parent.parent.name, extra_args(path)
            group = [p for p in sorted(CORPUS.glob(f"{lesson}/*/*.py")) if extra_args(p) == extra]
            scratch = tmp_path_factory.mktemp(f"corpus-{lesson}")
            folders = []
            for member in group:
                folder = scratch / member.parent.name / member.stem
                folder.mkdir(parents=True)
                folders.append(submission_with(member, folder)[0].parent)
            only = {str(folder): tuple(metadata(member)["CAUGHT_BY"])
                    for member, folder in zip(group, folders) if member.parent.name == "mistakes"}
            batch = grade_batch(ROOT, lesson, folders, scratch / "out", GradeOptions(jobs=2, extra=extra, only=only))
            grades.update(zip(group, batch))
        return grades[path]

    return grade_of


def named(grade, check_name: str) -> list:
    return [c for c in grade.checks if c.name.split("[")[0] == check_name]


@pytest.mark.parametrize("path", corpus("mistakes"))
def test_each_mistake_is_caught_by_its_check(path, graded):
    grade = graded(path)
    for check_name, phrase in metadata(path)["CAUGHT_BY"].items():
        matching = named(grade, check_name)
        assert matching, f"the lesson has no check named {check_name}"
        for check in matching:
            assert not check.passed, f"{check.name} passed on the mistake {path.stem}"
            assert phrase.lower() in check.message.lower(), f"{check.name}: {check.message!r}"
    caught = [c for name in metadata(path)["CAUGHT_BY"] for c in named(grade, name)]
    assert sum(c.points for c in caught) < sum(c.max_points for c in caught) or all(c.max_points == 0 for c in caught)


@pytest.mark.parametrize("path", corpus("correct"))
def test_correct_variants_get_full_marks(path, graded):
    grade = graded(path)
    failed = [(c.name, c.message) for c in grade.checks if not c.passed and c.max_points > 0]
    assert not failed and not grade.problems, (failed, grade.problems)
    assert grade.score == grade.max_score > 0


@pytest.mark.parametrize("path", corpus("broken"))
def test_broken_submissions_lose_only_what_they_break(path, graded):
    meta, grade = metadata(path), graded(path)
    lost = [c for c in grade.checks if c.exercise in meta["LOST"]]
    kept = [c for c in grade.checks if c.exercise not in meta["LOST"]]
    assert any(not c.passed and meta["MESSAGE"] in c.message for c in lost), \
        [(c.name, c.status, c.message[:200]) for c in lost]
    assert all(c.passed for c in kept), [(c.name, c.message) for c in kept if not c.passed]


PROVEN_ELSEWHERE = {  # checks whose mistake a corpus cell cannot carry, and the test that shows them failing on it
    "test_mnist_model_reaches_95_percent":
        "tests/test_checkpoint_2_2_2.py::test_the_accuracy_check_passes_a_trained_model_and_fails_an_undertrained_one",
    "test_mnist_model_reaches_97_percent":
        "tests/test_checkpoint_2_2_2.py::test_the_accuracy_check_passes_a_trained_model_and_fails_an_undertrained_one",
}


def checks_of(lesson: str) -> set:
    """The names of a lesson's checks, public and hidden, read from its grader files."""
    return {name for path in (ROOT / "graders" / lesson).rglob("test_*.py")
            for name in re.findall(r"^def (test_\w+)\(", path.read_text(), re.M)}


@pytest.mark.parametrize("lesson", sorted({p.parent.parent.name for p in CORPUS.glob("*/mistakes/*.py")
                                           if (ROOT / "graders" / p.parent.parent.name).is_dir()}))
def test_every_check_is_proven_by_a_mistake_it_catches(lesson):
    """A check is proven three ways (the reference passes it, the starter fails it: tests/test_lessons.py) and here
    the third: some corpus mistake names it in CAUGHT_BY, so test_each_mistake_is_caught_by_its_check shows it fails
    on the mistake it exists to catch. A new check without one is a check nobody has seen fail."""
    named = {name for path in CORPUS.glob(f"{lesson}/mistakes/*.py") for name in metadata(path).get("CAUGHT_BY", {})}
    checks = checks_of(lesson) - set(PROVEN_ELSEWHERE)
    assert not checks - named, f"no mistake in tests/corpus/{lesson}/mistakes names {sorted(checks - named)}"
    assert not named - checks_of(lesson), f"CAUGHT_BY names checks {lesson} lacks: {sorted(named - checks_of(lesson))}"


@pytest.mark.parametrize("check, proof", sorted(PROVEN_ELSEWHERE.items()))
def test_a_check_proven_elsewhere_names_a_test_that_exists(check, proof):
    file, test = proof.split("::")
    assert f"def {test}(" in (ROOT / file).read_text() and check in (ROOT / file).read_text(), proof
