"""The pytest plugin on a miniature lesson (pytester): markers, hidden checks, score table, JSON, skips."""

from __future__ import annotations

import json
import re
import textwrap

import numpy  # noqa: F401 - loaded before pytester's in-process runs, which restore sys.modules: numpy cannot load twice
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

@pytest.mark.points(1)
def test_doubles_zero(run):
    """double(0) is 0: nothing doubled is still nothing."""
    expect(run("double", x=0) == 0, "double(0) should be 0")

@pytest.mark.points(1)
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


@pytest.mark.slow
def test_score_table_and_json_report(lesson):
    result = lesson.runpytest_subprocess("graders/9_9_9", "--grade-json", "report.json")
    result.stdout.fnmatch_lines(["*9.9.9 · Doubling*", "*9_9_9.ex1  Double it*2/3*3/4*",
                                 "*total*3/4*(75 %)*", "*the check was skipped, so it earns nothing*"])
    report = json.loads((lesson.path / "report.json").read_text())
    assert report["lessons"]["9_9_9"]["points"] == 3 and report["lessons"]["9_9_9"]["max_points"] == 4
    assert {c["name"]: c["status"] for c in report["checks"]}["test_skipped_check_earns_nothing"] == "failed"


@pytest.mark.slow
def test_hidden_checks_only_with_the_flag(lesson):
    public = lesson.runpytest_subprocess("graders/9_9_9")
    assert "test_hidden_double" not in public.stdout.str()
    everything = lesson.runpytest_subprocess("graders/9_9_9", "--hidden", "--grade-json", "all.json")
    report = json.loads((lesson.path / "all.json").read_text())
    assert [c["hidden"] for c in report["checks"] if c["name"] == "test_hidden_double"] == [True]
    assert "incl. 1 hidden checks" in everything.stdout.str()


@pytest.mark.slow
def test_exercise_option_selects_one_exercise(lesson):
    lesson.runpytest_subprocess("graders/9_9_9", "--hidden", "--exercise", "ex2", "--grade-json", "r.json")
    report = json.loads((lesson.path / "r.json").read_text())
    assert {c["exercise"] for c in report["checks"]} == {"9_9_9.ex2"}


def test_a_check_without_an_exercise_marker_is_refused(lesson):
    (lesson.path / "graders/9_9_9/test_unmarked.py").write_text("def test_x(run):\n    pass\n")
    result = lesson.runpytest_subprocess("graders/9_9_9")
    assert "needs exactly one @pytest.mark.exercise" in result.stderr.str() + result.stdout.str()


UNPOINTED = '''
import pytest

@pytest.mark.exercise("9_9_9.ex1")
{points}
def test_counts_for_nothing_anyone_said(run):
    assert run("double", x=1) == 2
'''


@pytest.mark.parametrize("points", ["", "@pytest.mark.points()", "@pytest.mark.points(-1)",
                                    "@pytest.mark.points('2')", "@pytest.mark.points(True)",
                                    "@pytest.mark.points(1, 2)"],
                         ids=["missing", "empty", "negative", "text", "bool", "two"])
def test_a_check_without_a_number_of_points_is_a_usage_error(lesson, points):
    """A check must say what it is worth: no default, so a forgotten points(n) cannot pass as 1 point."""
    (lesson.path / "graders/9_9_9/test_unpointed.py").write_text(UNPOINTED.format(points=points))
    result = lesson.runpytest_inprocess("graders/9_9_9")
    said = result.stderr.str() + result.stdout.str()
    assert result.ret == pytest.ExitCode.USAGE_ERROR, said
    assert ("test_unpointed.py::test_counts_for_nothing_anyone_said: a grader check needs "
            "@pytest.mark.points(n) with a number n >= 0") in said
    assert "passed" not in said.split("short test summary")[0].lower(), "no check runs beside a malformed one"


@pytest.mark.slow
def test_a_wrong_submission_gets_the_checks_message(lesson):
    (lesson.path / "wrong.py").write_text("def double(x):\n    return x + 2\n")
    result = lesson.runpytest_subprocess("graders/9_9_9", "--submission", "wrong.py")
    result.stdout.fnmatch_lines(["*graded: *wrong.py (module)*", "*double(21) should be 42*"])


@pytest.mark.slow
def test_os_exit_in_a_probe_fails_only_that_check(lesson):
    (lesson.path / "graders/9_9_9/test_exit.py").write_text(textwrap.dedent('''
        import pytest
        pytestmark = pytest.mark.exercise("9_9_9.ex1")
        @pytest.mark.points(1)
        def test_exit(run):
            run("exit_now")
    '''))
    lesson.runpytest_subprocess("graders/9_9_9", "--grade-json", "r.json")
    statuses = {c["name"]: c["status"] for c in json.loads((lesson.path / "r.json").read_text())["checks"]}
    assert statuses["test_exit"] == "failed" and statuses["test_doubles"] == "passed"


@pytest.mark.slow
def test_junit_xml_carries_exercise_and_points(lesson):
    lesson.runpytest_subprocess("graders/9_9_9", "--junitxml", "junit.xml")
    xml = (lesson.path / "junit.xml").read_text()
    assert '<property name="exercise" value="9_9_9.ex1" />' in xml
    assert '<property name="points" value="2.0" />' in xml and '<property name="max_points" value="2.0" />' in xml


@pytest.mark.slow
def test_grading_works_beside_a_conftest(lesson):
    (lesson.path / "conftest.py").write_text("import pytest\n\n@pytest.fixture\ndef unrelated():\n    return 1\n")
    result = lesson.runpytest_subprocess("graders/9_9_9")
    result.stdout.fnmatch_lines(["*9_9_9.ex1  Double it*2/3*3/4*"])


STRETCH = '''
import pytest
from gradekit.harness.feedback import expect

@pytest.mark.exercise("9_9_9.stretch")
@pytest.mark.points(0)
def test_triples_too(run):
    """A stretch goal: double(x) could triple as well (it should not)."""
    expect(run("double", x=1) == 3, "double(1) is not 3: a stretch goal nobody has to reach")
'''


@pytest.fixture
def full_marks(lesson):
    """The lesson with every scored check passing (no skip) and a failing stretch check worth 0 points."""
    (lesson.path / "graders/9_9_9/test_ex1.py").write_text(CHECKS.split("@pytest.mark.points(1)\ndef test_skipped")[0])
    (lesson.path / "graders/9_9_9/test_stretch.py").write_text(STRETCH)
    return lesson


@pytest.mark.slow
def test_a_failing_check_worth_no_points_does_not_fail_a_full_score(full_marks):
    result = full_marks.runpytest_subprocess("graders/9_9_9", "--grade-json", "r.json")
    out = result.stdout.str()
    assert result.ret == 0, out
    assert "What to fix" not in out and not re.search(r"\b\d+ failed", out), out
    result.stdout.fnmatch_lines(["*total*2/3*3/3*(100 %)*", "Every scored check passed.",
                                 "Not scored (0 points), but worth a look:",
                                 "*○ 9_9_9.stretch A stretch goal: double(x) could triple as well*",
                                 "*double(1) is not 3*", "*2 passed, 1 xfailed*"])
    stretch = {c["name"]: c for c in json.loads((full_marks.path / "r.json").read_text())["checks"]}["test_triples_too"]
    assert stretch["status"] == "failed" and stretch["points"] == 0 and "double(1) is not 3" in stretch["message"]
    page = (full_marks.path / "feedback/9_9_9/feedback.html").read_text()
    assert "failed, not scored" in page and "✗" not in page


@pytest.mark.slow
def test_a_scored_failure_still_fails_the_run_beside_a_stretch_failure(full_marks):
    (full_marks.path / "assignments/9_9_9/doubling.py").write_text("def double(x):\n    return x - 1\n")
    result = full_marks.runpytest_subprocess("graders/9_9_9")
    assert result.ret == 1
    result.stdout.fnmatch_lines(["What to fix:", "*✗ 9_9_9.ex1 doubles*", "*double(21) should be 42*",
                                 "Not scored (0 points), but worth a look:", "*2 failed*1 xfailed*"])


@pytest.mark.slow
def test_reports_name_the_file_and_each_check_as_a_student_knows_them(lesson):
    (lesson.path / "assignments/9_9_9/doubling.py").write_text("def double(x):\n    return x + 2\n")
    result = lesson.runpytest_subprocess("graders/9_9_9", "--grade-json", "r.json")
    out = result.stdout.str()
    assert "graded: assignments/9_9_9/doubling.py (module) — the file you edited" in out
    result.stdout.fnmatch_lines(["*✗ 9_9_9.ex1 doubles", "*double(21) should be 42*",
                                 "*✗ 9_9_9.ex1 double(0) is 0: nothing doubled is still nothing.",
                                 "*✗ 9_9_9.ex1 skipped check earns nothing"])
    titles = {c["name"]: c["title"] for c in json.loads((lesson.path / "r.json").read_text())["checks"]}
    assert titles == {"test_doubles": "doubles", "test_doubles_zero": "double(0) is 0: nothing doubled is still "
                      "nothing.", "test_skipped_check_earns_nothing": "skipped check earns nothing"}
    page = (lesson.path / "feedback/9_9_9/feedback.html").read_text()
    markdown = (lesson.path / "feedback/9_9_9/feedback.md").read_text()
    assert "Graded: <code>assignments/9_9_9/doubling.py (module)" in page
    assert "Graded: assignments/9\\_9\\_9/doubling.py (module)" in markdown
    for text in (page, markdown):
        assert str(lesson.path) not in text
        assert "double(0) is 0: nothing doubled is still nothing." in text
    assert '<b title="test_doubles_zero">' in page, "the check's id stays at hand for course staff"


@pytest.mark.slow
def test_a_file_named_with_submission_outside_the_course_is_named_by_its_name(lesson, tmp_path):
    elsewhere = tmp_path / "somewhere" / "deep" / "doubling.py"
    elsewhere.parent.mkdir(parents=True)
    elsewhere.write_text("def double(x):\n    return 2 * x\n")
    result = lesson.runpytest_subprocess("graders/9_9_9", "--submission", str(elsewhere))
    result.stdout.fnmatch_lines(["graded: doubling.py (module) — named with --submission"])
    assert str(tmp_path) not in result.stdout.str().split("Feedback page")[0]
    named = lesson.runpytest_subprocess("graders/9_9_9", "--submission", str(elsewhere),
                                        "--submission-name", "alice/doubling.py")
    named.stdout.fnmatch_lines(["graded: alice/doubling.py (module) — named with --submission"])


@pytest.mark.slow
def test_the_feedback_page_lands_outside_the_folder_handed_in(lesson):
    result = lesson.runpytest_subprocess("graders/9_9_9")
    assert (lesson.path / "feedback/9_9_9/feedback.html").is_file()
    assert not (lesson.path / "assignments/9_9_9/feedback").exists()
    result.stdout.fnmatch_lines(["Feedback page (9_9_9): feedback/9_9_9/feedback.html"
                                 " · outside assignments/, so not part of what you hand in"])


@pytest.mark.parametrize("fork", ["missing", "raising"])
def test_without_fork_grading_says_what_to_use_in_one_line_before_any_check(lesson, monkeypatch, fork):
    """Windows has no os.fork (and a Python may have one that fails): one line, before any check, names WSL,
    Colab and Linux, and no check runs to fail with a message that would blame the student's code."""
    import os

    if fork == "missing":
        monkeypatch.delattr(os, "fork")
    else:
        def refuse():
            raise OSError(38, "Function not implemented")

        monkeypatch.setattr(os, "fork", refuse)
    result = lesson.runpytest_inprocess("graders/9_9_9")
    said = [line for line in (result.stdout.str() + result.stderr.str()).splitlines() if line.strip()]
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    assert len(said) == 1, said
    assert said[0].startswith("ERROR: gradekit cannot check your work on this computer")
    assert all(word in said[0] for word in ("WSL", "Colab", "Linux", "Nothing is wrong with your code"))
    assert "exited with code" not in said[0] and "9_9_9.ex1" not in said[0]


@pytest.mark.parametrize("name, daemon, tries", [("gradekit-warm-judges", True, True), ("kernel-heartbeat", True, False),
                                                 ("gradekit-figures_0", False, False)])
def test_the_fork_is_tried_beside_gradekits_own_daemon_threads_only(monkeypatch, name, daemon, tries):
    """A Python whose fork fails is found by one test fork, which a threaded process (a Jupyter kernel) is spared;
    gradekit's own daemon threads (a judge server's reader) do not make a process threaded."""
    import os
    import threading

    from gradekit.harness.machine import cannot_grade_here

    tried = []

    def refuse():
        tried.append(True)
        raise OSError(38, "Function not implemented")

    monkeypatch.setattr(os, "fork", refuse)
    release = threading.Event()
    thread = threading.Thread(target=release.wait, name=name, daemon=daemon)
    thread.start()
    try:
        line = cannot_grade_here()
    finally:
        release.set()
        thread.join()
    assert bool(tried) is tries
    assert (line is not None and "cannot fork processes" in line) is tries


class RecordedPool:
    """Stands in for the worker pool: records that it was started, and with what."""

    started: list = []

    def __init__(self, preload, jobs):
        self.preload, self.jobs, self.stopped = preload, jobs, False

    def start(self):
        RecordedPool.started.append(self)

    def stop(self):
        self.stopped = True


@pytest.mark.parametrize("args, flags, starts", [
    (["graders/2_3_1"], {}, True),
    (["graders/2_3_1/test_ex1.py::test_x", "-k", "ex1"], {}, True),
    (["tests/test_wire.py"], {}, False),
    (["graders/2_3_1"], {"collectonly": True}, False),
])
def test_the_pool_starts_as_the_plugin_loads_when_the_command_grades(tmp_path, monkeypatch, args, flags, starts):
    """Grading starts the pool's torch import the moment pytest loads the plugin (before other plugins and the
    collection), with torch alone: the submission's heavy imports follow once it is read."""
    import argparse
    import types

    from gradekit.harness import plugin
    from gradekit.harness.client import DEFAULT_PRELOAD

    (tmp_path / "graders" / "2_3_1").mkdir(parents=True)
    monkeypatch.setattr(plugin, "Zygote", RecordedPool)
    monkeypatch.setattr(plugin.atexit, "register", lambda stop: None)
    RecordedPool.started = []
    known = argparse.Namespace(file_or_dir=[a for a in args if not a.startswith("-") and a != "ex1"],
                               collectonly=False, help=False, version=False)
    vars(known).update(flags)
    config = types.SimpleNamespace(known_args_namespace=known, stash=pytest.Stash(),
                                   invocation_params=types.SimpleNamespace(dir=tmp_path))
    plugin.pytest_addhooks(types.SimpleNamespace(get_plugin=lambda name: config if name == "pytestconfig" else None))
    assert len(RecordedPool.started) == int(starts)
    if starts:
        pool = config.stash[plugin.EARLY_POOL]
        assert pool is RecordedPool.started[0] and pool.preload == list(DEFAULT_PRELOAD)
        assert "torchvision" not in pool.preload


@pytest.mark.parametrize("imported", [False, True])
def test_hypothesis_plugin_is_dropped_only_where_no_check_used_hypothesis(monkeypatch, imported):
    """Hypothesis's terminal summary imports all of Hypothesis (half a second of a tiny grading run): a grading run
    whose checks never imported it unregisters that plugin; one that used it keeps it (its statistics, its notes)."""
    import sys
    import types

    from gradekit.harness.plugin import drop_idle_hypothesis_plugin

    if imported:
        monkeypatch.setitem(sys.modules, "hypothesis", types.ModuleType("hypothesis"))
    else:
        monkeypatch.delitem(sys.modules, "hypothesis", raising=False)
    hypothesis_plugin, dropped = object(), []
    manager = types.SimpleNamespace(get_plugin=lambda name: hypothesis_plugin if name == "hypothesispytest" else None,
                                    unregister=dropped.append)
    drop_idle_hypothesis_plugin(types.SimpleNamespace(pluginmanager=manager))
    assert dropped == ([] if imported else [hypothesis_plugin])
