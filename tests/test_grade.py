"""`gradekit grade`: one batch of good, broken and odd submissions, each graded against the lesson's fixed
manifest of checks, with every report a platform reads; the Gradescope zip and the GitHub workflow."""

from __future__ import annotations

import csv
import html
import io
import json
import os
import subprocess
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

import nbformat
import pytest
import yaml

from gradekit.assign.outputs import release_notebook
from gradekit.assign.pipeline import lesson_sources
from gradekit.assign.source import read_source
from gradekit.cli import main as gradekit
from gradekit.grading.batch import GradeOptions, grade_batch, options_for
from gradekit.grading.checks import read_checks
from gradekit.grading.results import reconcile
from gradekit.grading.stage import stage
from gradekit.lesson_parts import lessons_with_graders
from gradekit.verify import solved_module, with_cell

ROOT = Path(__file__).resolve().parents[1]
TEXT_FILES = (".json", ".md", ".xml", ".csv", ".html")  # every report a student may read (the rest are PNGs)
LESSON = "2_3_1"
MANIFEST = json.loads((ROOT / "assignments" / LESSON / "manifest.json").read_text())
CHECKS = read_checks(ROOT, LESSON)
HIDDEN_NAMES = [c["name"].split("[")[0] for c in CHECKS["checks"] if c["hidden"]]


def submissions(folder: Path) -> dict[str, Path]:
    """One of each kind: reference module, starter, reference notebook zipped in nested folders, broken JSON,
    a folder without the lesson's file, a corrupt zip, a zip that climbs out of its folder."""
    (folder / "ref").mkdir()
    reference = solved_module(ROOT, LESSON, folder / "ref")
    source = read_source(next(iter(lesson_sources(ROOT, [LESSON]))))
    notebook = folder / MANIFEST["notebook"]
    notebook.write_text(release_notebook(source, solved=True))
    nested = folder / "nested.zip"
    with zipfile.ZipFile(nested, "w") as archive:
        archive.write(notebook, f"alice/work/lesson/{notebook.name}")
        archive.writestr("alice/__MACOSX/._junk", "x")
    broken = folder / "broken" / MANIFEST["notebook"]
    broken.parent.mkdir()
    broken.write_text('{"cells": [')
    unrelated = folder / "unrelated"
    unrelated.mkdir()
    (unrelated / "notes.txt").write_text("my notes")
    (unrelated / "a.py").write_text("x = 1\n")
    (unrelated / "b.py").write_text("y = 2\n")
    corrupt = folder / "corrupt.zip"
    corrupt.write_bytes(b"PK\x03\x04 not really a zip")
    climbing = folder / "climbing.zip"
    with zipfile.ZipFile(climbing, "w") as archive:
        archive.writestr("../../escaped.py", "print('out')\n")
    v3 = folder / "v3" / MANIFEST["notebook"]
    v3.parent.mkdir()
    nbformat.write(nbformat.convert(nbformat.reads(notebook.read_text(), as_version=4), 3), v3, version=3)
    deleted = folder / "deleted" / MANIFEST["notebook"]
    deleted.parent.mkdir()
    without = nbformat.reads(notebook.read_text(), as_version=4)
    without.cells = [c for c in without.cells if not c.source.startswith("# [graded] 2_3_1.ex3")]
    nbformat.write(without, deleted)
    variants = {"signature": "def save_model(model):\n    torch.save(model.state_dict(), 'model.pt')\n",
                "nan": "def train_one_epoch(model, loader, optimizer, criterion):\n"
                       "    with torch.no_grad():\n"
                       "        for parameter in model.parameters():\n"
                       "            parameter.fill_(float('nan'))\n"
                       "    return float('nan')\n"}
    made = {}
    for name, cell in variants.items():
        (folder / name).mkdir()
        module = solved_module(ROOT, LESSON, folder / name)
        module.write_text(with_cell(module.read_text(), cell))
        made[name] = folder / name
    return {"reference": reference, "starter": ROOT / "assignments" / LESSON / MANIFEST["module"],
            "nested": nested, "broken": broken.parent, "unrelated": unrelated, "corrupt": corrupt,
            "climbing": climbing, "v3": v3.parent, "deleted": deleted.parent, **made}


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    folder = tmp_path_factory.mktemp("batch")
    given = submissions(folder)
    out = folder / "out"
    grades = grade_batch(ROOT, LESSON, list(given.values()), out, GradeOptions(jobs=2))
    return dict(zip(given, grades)), out, folder


@pytest.mark.slow
def test_every_submission_is_graded_against_the_whole_manifest(batch):
    grades, _, folder = batch
    total = CHECKS["max_points"]
    for grade in grades.values():
        assert grade.max_score == total and len(grade.checks) == len(CHECKS["checks"])
    assert grades["reference"].score == total
    assert grades["nested"].score == total, grades["nested"].problems
    assert "alice/work/lesson" in grades["nested"].graded_file
    for name in ("starter", "broken", "unrelated", "corrupt", "climbing"):
        assert grades[name].score == 0, name
    assert not (folder.parent / "escaped.py").exists()
    assert grades["v3"].score == total, grades["v3"].problems


@pytest.mark.slow
def test_a_broken_part_costs_only_its_exercise(batch):
    """A deleted cell, a wrong signature, NaN losses: the exercise they touch loses points, with a message
    that says why; every other exercise keeps its marks."""
    grades, _, _ = batch
    expected = {"deleted": ("2_3_1.ex3", "resume"), "signature": ("2_3_1.ex1", "save_model"),
                "nan": ("2_3_1.ex2", "losses are nan from epoch 1")}
    for name, (exercise, phrase) in expected.items():
        grade = grades[name]
        lost = {c.exercise for c in grade.checks if not c.passed}
        assert exercise in lost, (name, lost)
        assert any(phrase in c.message.lower() for c in grade.checks if c.exercise == exercise and not c.passed), \
            (name, [c.message[:200] for c in grade.checks if not c.passed])
        if name != "nan":  # train_one_epoch is shared by the training exercises
            assert lost == {exercise}, (name, lost)


@pytest.mark.slow
def test_broken_submissions_say_why_on_every_check(batch):
    grades, _, _ = batch
    expected = {"broken": "not valid notebook JSON", "unrelated": "holds neither",
                "corrupt": "not a readable zip", "climbing": "unsafe path"}
    for name, phrase in expected.items():
        assert any(phrase in p for p in grades[name].problems), (name, grades[name].problems)
        assert all(phrase in c.message for c in grades[name].checks if not c.hidden), name
    assert all("not implemented yet" in c.message for c in grades["starter"].checks if not c.hidden)


@pytest.mark.slow
def test_reports_name_the_file_as_submitted_and_each_check_by_its_sentence(batch):
    """The file as the student submitted it (never the judge's scratch), every check by the sentence a learner
    reads; results.json's `name` and JUnit keep the check's id for staff."""
    grades, out, _ = batch
    folder = out / grades["nested"].name
    shown = f"alice/work/lesson/{MANIFEST['notebook']}"
    results = json.loads((folder / "results.json").read_text())
    page = (folder / "feedback" / "feedback.html").read_text()
    judged = (folder / "feedback" / "feedback.md").read_text()
    assert shown in results["output"] and shown in page and shown.replace("_", "\\_") in judged
    for text in (results["output"], page, judged, (folder / "feedback.md").read_text()):
        assert "gradekit-grade-" not in text and "/tmp" not in text
    sentence = "resume returns the next epoch to run: the checkpoint's epoch plus one."
    test = next(t for t in results["tests"] if t["name"] == "2_3_1.ex3 test_resume_returns_the_next_epoch")
    assert test["output"] == sentence and html.escape(sentence) in page
    starter = (out / grades["starter"].name / "feedback.md").read_text()
    assert f"- ✗ **2_3_1.ex3** {sentence} (1 point)" in starter
    junit = ET.parse(out / "junit.xml").getroot()
    case = next(c for c in junit.iter("testcase") if c.get("name") == "test_resume_returns_the_next_epoch")
    assert {p.get("name"): p.get("value") for p in case.iter("property")}["title"] == sentence


@pytest.mark.slow
def test_gradescope_results_json_per_submission(batch):
    grades, out, _ = batch
    for name, grade in grades.items():
        data = json.loads((out / grade.name / "results.json").read_text())
        assert data["score"] == grade.score and data["stdout_visibility"] == "hidden"
        assert len(data["tests"]) == len(CHECKS["checks"])
        assert sum(t["max_score"] for t in data["tests"]) == CHECKS["max_points"]
        for test in data["tests"]:
            assert set(test) >= {"name", "number", "score", "max_score", "status", "visibility", "output"}
            assert test["status"] in ("passed", "failed") and test["visibility"] in ("visible", "after_published")
            assert (test["score"] == test["max_score"]) == (test["status"] == "passed")


@pytest.mark.slow
def test_student_files_never_show_a_hidden_check(batch):
    grades, out, _ = batch
    texts = [p.read_text() for p in out.rglob("*") if p.suffix in TEXT_FILES]
    assert texts and HIDDEN_NAMES
    for name in HIDDEN_NAMES:
        assert not any(name in text for text in texts), name
    feedback = (out / grades["starter"].name / "feedback.md").read_text()
    assert "hidden check 1" in feedback and "not implemented yet" in feedback


@pytest.mark.slow
def test_gradebook_junit_and_summary(batch):
    grades, out, _ = batch
    rows = list(csv.DictReader(io.StringIO((out / "gradebook.csv").read_text())))
    assert [r["submission"] for r in rows] == [g.name for g in grades.values()]
    assert [float(r["total"]) for r in rows] == [g.score for g in grades.values()]
    assert {e["id"] for e in MANIFEST["exercises"]} <= set(rows[0])
    suites = ET.fromstring((out / "junit.xml").read_text())
    assert len(suites) == len(grades)
    assert all(len(suite.findall("testcase")) == len(CHECKS["checks"]) for suite in suites)
    summary = (out / "summary.md").read_text()
    assert summary.count("\n| ") >= len(grades) and "38/38" in summary
    assert "confined by: namespaces" in summary  # this machine allows the strongest layer (as CI does)
    assert grades["reference"].sandbox == {"namespaces"}


def test_the_manifest_fixes_the_denominator():
    """A report with checks missing, skipped or unknown cannot change what the lesson is worth."""
    first, second = CHECKS["checks"][:2]
    report = {"checks": [
        {"nodeid": first["id"], "status": "passed"},
        {"nodeid": second["id"], "status": "skipped"},
        {"nodeid": "graders/2_3_1/test_mine.py::test_free_points", "status": "passed"},
    ]}
    grade = reconcile(CHECKS, report, name="x", source="x", stopped="")
    assert grade.max_score == CHECKS["max_points"] and grade.score == first["points"]
    assert any("does not list" in p for p in grade.problems)
    missing = [c for c in grade.checks if c.id not in (first["id"], second["id"])]
    assert all("did not run" in c.message for c in missing)
    cut = reconcile(CHECKS, None, name="x", source="x", stopped="grading stopped after 5 s")
    assert cut.score == 0 and all("stopped after 5 s" in c.message for c in cut.checks)


def test_staging_skips_links_and_prefers_the_edited_file(tmp_path):
    folder = tmp_path / "sub"
    folder.mkdir()
    starter = ROOT / "assignments" / LESSON / MANIFEST["module"]
    (folder / MANIFEST["module"]).write_bytes(starter.read_bytes())
    (folder / MANIFEST["notebook"]).write_text("{}")
    (folder / "secret.py").symlink_to(ROOT / "solutions" / LESSON / "saving_and_loading.py")
    staged = stage(folder, tmp_path / "staged", "sub", MANIFEST["module"], MANIFEST["notebook"],
                   MANIFEST["starter_sha256"])
    assert staged.file.name == MANIFEST["notebook"] and "edited" in staged.note
    assert not (tmp_path / "staged" / "secret.py").exists()


@pytest.mark.slow
def test_gradescope_autograder_zip_runs_like_gradescope(tmp_path):
    assert gradekit(["--root", str(ROOT), "export", "gradescope", LESSON, "--out", str(tmp_path)]) == 0
    archive = zipfile.ZipFile(tmp_path / f"gradescope-{LESSON}.zip")
    names = archive.namelist()
    assert {"setup.sh", "run_autograder", "pyproject.toml"} <= set(names)
    assert not any(n.startswith(("solutions/", "tests/")) for n in names)
    assert f"graders/{LESSON}/hidden/checks.json" in names
    home = tmp_path / "autograder"
    archive.extractall(home / "source")
    (home / "submission").mkdir()
    solved_module(ROOT, LESSON, home / "submission")
    env = {**os.environ, "AUTOGRADER_ROOT": str(home), "GRADEKIT_PYTHON": os.sys.executable}
    done = subprocess.run(["bash", str(home / "source" / "run_autograder")], env=env, capture_output=True,
                          text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    results = json.loads((home / "results" / "results.json").read_text())
    assert results["score"] == CHECKS["max_points"] and len(results["tests"]) == len(CHECKS["checks"])


def test_github_workflow_grades_the_submission_repository(tmp_path):
    assert gradekit(["--root", str(ROOT), "export", "github", LESSON, "--out", str(tmp_path)]) == 0
    workflow = yaml.safe_load((tmp_path / ".github" / "workflows" / f"grade-{LESSON}.yml").read_text())
    steps = workflow["jobs"]["grade"]["steps"]
    commands = [s.get("run", "") for s in steps]
    grade_line = next(c for c in commands if " grade " in c)
    assert f"grade {LESSON} submission" in grade_line
    args = grade_line.split()[1:]
    assert args[:2] == ["--root", "course"] and args[2] == "grade"
    assert any(s.get("uses", "").startswith("actions/upload-artifact") for s in steps)


@pytest.mark.parametrize("lesson", [lesson for lesson in lessons_with_graders(ROOT) if lesson != LESSON])
def test_every_lesson_exports(lesson, tmp_path):
    """Every lesson's Gradescope autograder. (Batch grading of every lesson is proven where it already runs: each
    lesson's attack batch gives its reference, the classmate, every point; its corpus batch grades the correct
    variants 100 %; tests/test_lessons.py grades reference and starter as a student runs the checks.)"""
    assert gradekit(["--root", str(ROOT), "export", "gradescope", lesson, "--out", str(tmp_path)]) == 0
    names = zipfile.ZipFile(tmp_path / f"gradescope-{lesson}.zip").namelist()
    assert f"graders/{lesson}/hidden/checks.json" in names and f"assignments/{lesson}/manifest.json" in names


def test_a_submission_named_in_only_is_judged_on_those_checks_alone(tmp_path):
    """`GradeOptions.only` judges one submission of a batch on its named checks (the corpus's mistakes) and leaves
    every other submission's options as they were."""
    options = GradeOptions(extra=("--worker-memory-gb", "1"), only={str(tmp_path / "a"): ("test_x", "test_y")})
    assert options_for(tmp_path / "a", options).extra == ("--worker-memory-gb", "1", "-k", "test_x or test_y")
    assert options_for(tmp_path / "b", options) is options
