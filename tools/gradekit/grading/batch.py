"""`gradekit grade`: grade one submission or a whole class, every check, and write the platforms' files.

Each submission is staged into a private folder and judged by its own `pytest graders/<lesson>` process;
all judges share one warm zygote (torch imported once for the batch), which forks a sandboxed worker per
probe call. The grade comes from the lesson's manifest of checks, so a submission that crashes, hangs or
ends the run early still gets every check, each with 0 points and a reason. Files are written only after
every judge and worker has finished, by this process.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from ..harness.client import DEFAULT_PRELOAD, SHARED_ZYGOTE, start_shared_zygote
from . import writers
from .checks import read_checks
from .results import SubmissionGrade, reconcile
from .stage import Staged, stage

DEFAULT_TIMEOUT = 900.0  # seconds one submission's whole grading may take
FEEDBACK = "feedback"  # the folder, beside results.json, of the feedback page and its pictures


@dataclass
class GradeOptions:
    """How a batch is graded."""

    jobs: int = 2
    hidden: bool = True
    timeout: float = DEFAULT_TIMEOUT
    time_limit_factor: float = 1.0
    extra: tuple[str, ...] = ()  # more options for every judge, e.g. ("--worker-memory-gb", "1")


def unique_names(sources: list[Path]) -> list[str]:
    """A name per submission for folders and rows: the file or folder name, numbered when names repeat."""
    names, seen = [], {}
    for source in sources:
        base = source.stem if source.suffix in (".zip", ".py", ".ipynb") else source.name
        base = "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in base) or "submission"
        seen[base] = seen.get(base, 0) + 1
        names.append(base if seen[base] == 1 else f"{base}-{seen[base]}")
    return names


def judge(root: Path, lesson: str, staged: Staged, scratch: Path, options: GradeOptions,
          workers: Path | None) -> tuple[dict | None, str]:
    """Run the lesson's checks on a staged submission in a pytest process; its JSON report, or why there is none."""
    report = scratch / "report.json"
    command = [sys.executable, "-m", "pytest", f"graders/{lesson}", "--submission", str(staged.file),
               "--grade-json", str(report), "-q", "-p", "no:cacheprovider", "--noconftest",
               "--assert=plain",  # checks explain themselves (feedback.fail); rewriting would cost 0.6 s a judge
               "-c", str(root / "pyproject.toml"), "--rootdir", str(root),
               "--time-limit-factor", str(options.time_limit_factor), "--color=no",
               "--feedback-dir", str(scratch / "feedback")]
    if options.hidden:
        command.append("--hidden")
    command += list(options.extra)
    env = dict(os.environ)
    if workers is not None:
        env[SHARED_ZYGOTE] = str(workers)
    try:
        done = subprocess.run(command, cwd=root, env=env, capture_output=True, text=True, timeout=options.timeout)
    except subprocess.TimeoutExpired:
        return None, f"grading stopped after {options.timeout:g} s: the checks that had not finished earn nothing"
    (scratch / "judge.log").write_text(done.stdout + done.stderr)
    try:
        return json.loads(report.read_text()), ""
    except (OSError, ValueError):
        tail = (done.stdout + done.stderr).strip().splitlines()[-3:]
        return None, f"the grader could not finish this submission (exit code {done.returncode}): {' / '.join(tail)}"


def grade_one(root: Path, lesson: str, source: Path, name: str, scratch: Path, options: GradeOptions,
              lesson_manifest: dict, checks: dict, workers: Path | None = None) -> SubmissionGrade:
    """Stage, judge and reconcile one submission; never raises for anything the submission does."""
    started = time.monotonic()
    staged = stage(source, scratch / "submission", name, lesson_manifest["module"], lesson_manifest["notebook"],
                   lesson_manifest.get("starter_sha256", {}))
    report, stopped = (None, "; ".join(staged.problems)) if staged.file is None else \
        judge(root, lesson, staged, scratch, options, workers)
    titles = {e["id"]: e["title"] for e in lesson_manifest.get("exercises", [])}
    grade = reconcile(checks, report, name=name, source=str(source), title=lesson_manifest.get("title", lesson),
                      stopped=stopped, exercise_titles=titles)
    attach_feedback(grade, scratch / "feedback" / lesson)
    if staged.file is not None:
        grade.graded_file = str(staged.file.relative_to(staged.folder)) + (f" ({staged.note})" if staged.note else "")
    grade.seconds = time.monotonic() - started
    return grade


def attach_feedback(grade: SubmissionGrade, pages: Path) -> None:
    """Keep the judge's feedback page and pictures with the grade; checks name their pictures as the report will."""
    if not pages.is_dir():
        return
    grade.attachments = {p.name: p.read_bytes() for p in sorted(pages.iterdir()) if p.is_file()}
    for check in grade.checks:
        check.figures = [f"{FEEDBACK}/{Path(f).name}" for f in check.figures if Path(f).name in grade.attachments]


def grade_batch(root: Path, lesson: str, sources: list[Path], out: Path,
                options: GradeOptions | None = None) -> list[SubmissionGrade]:
    """Grade every submission (up to `jobs` at once on one warm worker pool) and write the reports into `out`."""
    options = options or GradeOptions()
    checks = read_checks(root, lesson)
    if not options.hidden:
        checks = {**checks, "checks": [c for c in checks["checks"] if not c["hidden"]]}
    lesson_manifest = json.loads((root / "assignments" / lesson / "manifest.json").read_text(encoding="utf-8"))
    names = unique_names(sources)
    scratch = Path(tempfile.mkdtemp(prefix="gradekit-grade-"))
    os.chmod(scratch, 0o700)
    pool, workers = None, scratch / "workers.sock"
    try:
        pool = start_shared_zygote(workers, options.jobs, [*DEFAULT_PRELOAD, "torchvision"])
        with ThreadPoolExecutor(max_workers=options.jobs + 1) as judges:
            grades = list(judges.map(
                lambda item: grade_one(root, lesson, item[0], item[1], scratch / f"s{item[2]:04d}", options,
                                       lesson_manifest, checks, workers),
                [(source, name, index) for index, (source, name) in enumerate(zip(sources, names))]))
    finally:
        if pool is not None:
            pool.stdin.close()
            try:
                pool.wait(timeout=30)
            except subprocess.TimeoutExpired:
                pool.kill()
        shutil.rmtree(scratch, ignore_errors=True)
    write_reports(grades, out)
    return grades


def write_reports(grades: list[SubmissionGrade], out: Path) -> None:
    """Write each submission's results.json, junit.xml, feedback.md and feedback/ (the page with pictures), in
    `out` itself for a single submission; then the batch's summary.md, gradebook.csv and junit.xml."""
    out.mkdir(parents=True, exist_ok=True)
    for grade in grades:
        folder = out if len(grades) == 1 else out / grade.name
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "results.json").write_text(json.dumps(writers.gradescope_results(grade), indent=2) + "\n")
        (folder / "feedback.md").write_text(writers.feedback_markdown(grade))
        if grade.attachments:
            (folder / FEEDBACK).mkdir(exist_ok=True)
            for name, data in grade.attachments.items():
                (folder / FEEDBACK / name).write_bytes(data)
        if len(grades) > 1:
            (folder / "junit.xml").write_text(writers.junit_xml([grade]))
    (out / "junit.xml").write_text(writers.junit_xml(grades))
    summary = writers.markdown_summary(grades)
    (out / "summary.md").write_text(summary)
    (out / "gradebook.csv").write_text(writers.gradebook_csv(grades))
    step_summary = os.environ.get("GITHUB_STEP_SUMMARY")
    if step_summary:
        with open(step_summary, "a", encoding="utf-8") as handle:
            handle.write(summary)
