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

from gradekit.verify import grade, solved_module, with_cell

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


def checks(report: dict) -> list[dict]:
    return report["checks"]


@pytest.mark.parametrize("path", corpus("mistakes"))
def test_each_mistake_is_caught_by_its_check(path, tmp_path):
    submission, lesson = submission_with(path, tmp_path)
    report = grade(ROOT, lesson, submission, hidden=True)
    for check_name, phrase in metadata(path)["CAUGHT_BY"].items():
        matching = [c for c in checks(report) if c["name"].split("[")[0] == check_name]
        assert matching, f"no check named {check_name} ran"
        for check in matching:
            assert check["status"] == "failed", f"{check['name']} passed on the mistake {path.stem}"
            assert phrase.lower() in check["message"].lower(), f"{check['name']}: {check['message']!r}"
    points, max_points = report["lessons"][lesson]["points"], report["lessons"][lesson]["max_points"]
    caught = [c for c in checks(report) if c["name"].split("[")[0] in metadata(path)["CAUGHT_BY"]]
    assert points < max_points or all(c["max_points"] == 0 for c in caught)  # provided code: caught, 0 points


@pytest.mark.parametrize("path", corpus("correct"))
def test_correct_variants_get_full_marks(path, tmp_path):
    submission, lesson = submission_with(path, tmp_path)
    report = grade(ROOT, lesson, submission, hidden=True)
    failed = [(c["name"], c["message"]) for c in checks(report) if c["status"] != "passed" and c["max_points"] > 0]
    assert not failed, report["terminal"][-3000:]
    assert report["lessons"][lesson]["points"] == report["lessons"][lesson]["max_points"]


@pytest.mark.parametrize("path", corpus("broken"))
def test_broken_submissions_lose_only_what_they_break(path, tmp_path):
    meta = metadata(path)
    submission, lesson = submission_with(path, tmp_path)
    report = grade(ROOT, lesson, submission, hidden=True, extra=tuple(meta.get("EXTRA_ARGS", ())))
    lost = [c for c in checks(report) if c["exercise"] in meta["LOST"]]
    kept = [c for c in checks(report) if c["exercise"] not in meta["LOST"]]
    assert any(c["status"] == "failed" and meta["MESSAGE"] in c["message"] for c in lost), \
        [(c["name"], c["status"], c["message"][:200]) for c in lost]
    assert all(c["status"] == "passed" for c in kept), [(c["name"], c["message"]) for c in kept
                                                        if c["status"] != "passed"]
