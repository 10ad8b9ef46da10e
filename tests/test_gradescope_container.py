"""Gradescope's container for real (tools/platforms/gradescope_container.py): the exported zip's setup.sh runs
in a Debian bookworm image, and run_autograder grades a correct, a wrong and a hostile submission in fresh
containers with Docker's defaults and no network. Minutes long: marked `platform`, run by `make gradescope-check`.
Skipped, with the reason printed, only where Docker cannot run."""

from __future__ import annotations

import ast
import importlib.util
import json
import sys
from pathlib import Path

import pytest

from gradekit.grading.checks import read_checks

ROOT = Path(__file__).resolve().parents[1]
LESSON = "2_3_1"
SCRIPT = ROOT / "tools" / "platforms" / "gradescope_container.py"
FIFTEEN_MINUTES = 15 * 60

pytestmark = pytest.mark.platform


def load_script():
    """The script as a module (tools/platforms is not a package)."""
    spec = importlib.util.spec_from_file_location("gradescope_container", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def script():
    return load_script()


@pytest.fixture(scope="module")
def container_run(script, tmp_path_factory):
    """One whole run of the script: the image built, the three submissions graded (and the wrong one on the host)."""
    problem = script.docker_problem()
    if problem:
        print(f"skipped: {problem}")
        pytest.skip(problem)
    result = script.run(ROOT, LESSON, tmp_path_factory.mktemp("gradescope"))
    script.print_run(result)
    return result


@pytest.fixture(scope="module")
def checks():
    return read_checks(ROOT, LESSON)


def scores_by_name(results: dict) -> dict[str, float]:
    return {test["name"]: float(test["score"]) for test in results["tests"]}


def test_setup_sh_completes_and_the_image_can_grade(script, container_run):
    setup = container_run.setup
    assert setup.setup_seconds > 0 and setup.image_bytes > 0
    probe = "test -x /autograder/run_autograder && /autograder/venv/bin/python -c 'import gradekit, torch'"
    done = script.docker("run", "--rm", "--network", "none", setup.image, "bash", "-c", probe, check=False)
    assert done.returncode == 0, done.stderr.decode()[-1000:]


def test_the_correct_submission_gets_full_marks(container_run, checks):
    grade = container_run.grades["correct"]
    failed = [(t["name"], t.get("output", "")[:200]) for t in grade.results["tests"] if t["status"] != "passed"]
    assert grade.score == checks["max_points"], failed
    assert grade.exit_code == 0, grade.log_tail


def caught_by(mistake: Path) -> set[str]:
    """The checks a corpus mistake names as the ones that must catch it."""
    text = mistake.read_text()
    found = next(n for n in ast.parse(text).body if isinstance(n, ast.Assign) and n.targets[0].id == "CAUGHT_BY")
    return set(ast.literal_eval(found.value))


def test_the_wrong_submission_loses_exactly_what_it_loses_on_the_host(script, container_run, checks):
    container, host = container_run.grades["wrong"].results, container_run.host_wrong
    assert 0 < container["score"] < checks["max_points"]
    lost = {t["name"].split(" ")[-1].split("[")[0] for t in container["tests"]
            if t["status"] == "failed" and t["visibility"] == "visible"}
    assert lost == caught_by(script.mistake_file(ROOT, LESSON))
    assert scores_by_name(container) == scores_by_name(host)
    assert container["score"] == host["score"]


def test_every_results_json_is_valid_gradescope_json(script, container_run, checks):
    for name, grade in container_run.grades.items():
        assert script.gradescope_problems(grade.results) == [], name
        assert len(grade.results["tests"]) == len(checks["checks"]), name
        assert sum(t["max_score"] for t in grade.results["tests"]) == checks["max_points"], name


def test_the_reports_name_the_uid_layer(container_run):
    for name, grade in container_run.grades.items():
        assert grade.sandbox == ["uid"], (name, grade.results.get("extra_data"))


def test_the_hostile_submission_gains_nothing(script, container_run):
    hostile, honest = container_run.grades["hostile"], container_run.grades["wrong"]
    summary = script.hostile_summary(hostile.hostile_notes, hostile.grading_ended)
    assert summary["workers"] > 0 and summary["daemons"] > 0, "the hostile cell never ran: the test proves nothing"
    assert hostile.score <= honest.score
    assert scores_by_name(hostile.results) == scores_by_name(honest.results)
    assert "forged" not in json.dumps(hostile.results)
    assert summary["forged_by_workers"] == ["PermissionError"]
    assert "ok" not in summary["forged_by_daemons"]
    graders = {path: outcomes for path, outcomes in summary["read"].items() if path.startswith("/autograder/source")}
    assert graders and all("read" not in outcomes for outcomes in graders.values()), graders
    assert summary["daemons_alive_when_grading_ended"] == 0, summary  # the pool kills what a worker's uid left
    assert summary["longest_after_worker_seconds"] < 1.0, summary  # ... when the worker's call ends
    assert summary["others_notes_seen_in_tmp"] == 0, summary  # and its notes in /tmp, before the next worker
    assert summary["read"].get("/etc/shadow") == ["PermissionError"]  # never run as root


def test_the_run_fits_in_fifteen_minutes_after_the_base_image(container_run):
    spent = container_run.total_seconds - (container_run.setup.base_build_seconds or 0)
    assert spent < FIFTEEN_MINUTES, f"{spent:.0f} s"


def test_docker_problem_names_a_missing_engine(script, monkeypatch):
    monkeypatch.setenv("PATH", "/nonexistent")
    assert "not installed" in script.docker_problem()
