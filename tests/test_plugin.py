"""The pytest plugin on a miniature lesson (pytester): markers, hidden checks, score table, JSON, skips."""

from __future__ import annotations

import json
import textwrap

import pytest

pytest_plugins = ["pytester"]

PROBES = '''
from gradekit.probe import student_step


@student_step
def double(sub, x):
    return sub.double(x)


@student_step
def exit_now(sub):
    import os
    os._exit(3)
'''

CHECKS = '''
import pytest
from gradekit.harness.feedback import expect

pytestmark = pytest.mark.exercise("9_9_9.ex1")

@pytest.mark.points(2)
def test_doubles(run):
    expect(run("double", x=21) == 42, "double(21) should be 42")

def test_doubles_zero(run):
    expect(run("double", x=0) == 0, "double(0) should be 0")

def test_skipped_check_earns_nothing(run):
    pytest.skip("not gradable here")
'''

HIDDEN = '''
import pytest

@pytest.mark.exercise("9_9_9.ex2")
@pytest.mark.points(3)
def test_hidden_double(run):
    assert run("double", x=5) == 10
'''


@pytest.fixture
def lesson(pytester: pytest.Pytester):
    """A lesson 9_9_9 with two public checks, one skipping check, a hidden one, and a submission."""
    pytester.mkdir("graders")
    pytester.mkdir("graders/9_9_9")
    pytester.mkdir("graders/9_9_9/hidden")
    (pytester.path / "graders/9_9_9/probes.py").write_text(PROBES)
    (pytester.path / "graders/9_9_9/test_ex1.py").write_text(CHECKS)
    (pytester.path / "graders/9_9_9/hidden/test_more.py").write_text(HIDDEN)
    folder = pytester.mkdir("assignments")
    (folder / "9_9_9").mkdir()
    manifest = {"lesson": "9_9_9", "title": "9.9.9 · Doubling", "module": "doubling.py",
                "notebook": "9-9-9-doubling.ipynb", "graded_cells": [], "starter_sha256": {},
                "exercises": [{"id": "9_9_9.ex1", "number": "1", "title": "Double it"},
                              {"id": "9_9_9.ex2", "number": "2", "title": "Double again"}]}
    (folder / "9_9_9" / "manifest.json").write_text(json.dumps(manifest))
    (folder / "9_9_9" / "doubling.py").write_text("def double(x):\n    return 2 * x\n")
    return pytester


def test_score_table_and_json_report(lesson):
    result = lesson.runpytest_subprocess("graders/9_9_9", "--grade-json", "report.json")
    result.stdout.fnmatch_lines(["*9.9.9 · Doubling*", "*9_9_9.ex1  Double it*2/3*3/4*",
                                 "*total*3/4*(75 %)*", "*the check was skipped, so it earns nothing*"])
    report = json.loads((lesson.path / "report.json").read_text())
    assert report["lessons"]["9_9_9"]["points"] == 3 and report["lessons"]["9_9_9"]["max_points"] == 4
    assert {c["name"]: c["status"] for c in report["checks"]}["test_skipped_check_earns_nothing"] == "failed"


def test_hidden_checks_only_with_the_flag(lesson):
    public = lesson.runpytest_subprocess("graders/9_9_9")
    assert "test_hidden_double" not in public.stdout.str()
    everything = lesson.runpytest_subprocess("graders/9_9_9", "--hidden", "--grade-json", "all.json")
    report = json.loads((lesson.path / "all.json").read_text())
    assert [c["hidden"] for c in report["checks"] if c["name"] == "test_hidden_double"] == [True]
    assert "incl. 1 hidden checks" in everything.stdout.str()


def test_exercise_option_selects_one_exercise(lesson):
    lesson.runpytest_subprocess("graders/9_9_9", "--hidden", "--exercise", "ex2", "--grade-json", "r.json")
    report = json.loads((lesson.path / "r.json").read_text())
    assert {c["exercise"] for c in report["checks"]} == {"9_9_9.ex2"}


def test_a_check_without_an_exercise_marker_is_refused(lesson):
    (lesson.path / "graders/9_9_9/test_unmarked.py").write_text("def test_x(run):\n    pass\n")
    result = lesson.runpytest_subprocess("graders/9_9_9")
    assert "needs exactly one @pytest.mark.exercise" in result.stderr.str() + result.stdout.str()


def test_a_wrong_submission_gets_the_checks_message(lesson):
    (lesson.path / "wrong.py").write_text("def double(x):\n    return x + 2\n")
    result = lesson.runpytest_subprocess("graders/9_9_9", "--submission", "wrong.py")
    result.stdout.fnmatch_lines(["*graded: *wrong.py (module)*", "*double(21) should be 42*"])


def test_os_exit_in_a_probe_fails_only_that_check(lesson):
    (lesson.path / "graders/9_9_9/test_exit.py").write_text(textwrap.dedent('''
        import pytest
        pytestmark = pytest.mark.exercise("9_9_9.ex1")
        def test_exit(run):
            run("exit_now")
    '''))
    lesson.runpytest_subprocess("graders/9_9_9", "--grade-json", "r.json")
    statuses = {c["name"]: c["status"] for c in json.loads((lesson.path / "r.json").read_text())["checks"]}
    assert statuses["test_exit"] == "failed" and statuses["test_doubles"] == "passed"


def test_junit_xml_carries_exercise_and_points(lesson):
    lesson.runpytest_subprocess("graders/9_9_9", "--junitxml", "junit.xml")
    xml = (lesson.path / "junit.xml").read_text()
    assert '<property name="exercise" value="9_9_9.ex1" />' in xml
    assert '<property name="points" value="2.0" />' in xml and '<property name="max_points" value="2.0" />' in xml


def test_grading_works_beside_a_conftest(lesson):
    (lesson.path / "conftest.py").write_text("import pytest\n\n@pytest.fixture\ndef unrelated():\n    return 1\n")
    result = lesson.runpytest_subprocess("graders/9_9_9")
    result.stdout.fnmatch_lines(["*9_9_9.ex1  Double it*2/3*3/4*"])
