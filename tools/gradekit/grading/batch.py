"""`gradekit grade`: grade one submission or a whole class, every check, and write the platforms' files.

Each submission is staged into a private folder and judged by its own `pytest graders/<lesson>` process;
all judges share one warm zygote (torch imported once for the batch), which forks a sandboxed worker per
probe call. The grade comes from the lesson's manifest of checks, so a submission that crashes, hangs or
ends the run early still gets every check, each with 0 points and a reason. Files are written only after
every judge and worker has finished, by this process.
"""

from __future__ import annotations

import itertools
import json
import os
import re
import secrets
import shutil
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path

from . import writers
from .checks import read_checks
from .results import SubmissionGrade, reconcile
from .stage import Staged, stage
from .service import GradingService, run_judge

DEFAULT_TIMEOUT = 900.0  # seconds one submission's whole grading may take
FEEDBACK = "feedback"  # the folder, beside results.json, of the feedback page and its pictures
# Files `write_reports` puts in --out or a submission's folder: no submission may be named like one.
REPORT_NAMES = {"junit.xml", "summary.md", "gradebook.csv", "results.json", "feedback.md", FEEDBACK}
MAX_NAME = 64  # characters in a submission's name
MAX_REPORT_BYTES = 8 << 20  # the judge's JSON report; a lesson's report is a few hundred KiB at most
SAFE_NAME = re.compile(rf"[A-Za-z0-9_][A-Za-z0-9._-]{{0,{MAX_NAME - 1}}}")  # what `safe_name` gives
PLAIN_FILE_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9._-]{0,99}")  # a feedback file the reports may link


@dataclass
class GradeOptions:
    """How a batch is graded."""

    jobs: int = 2
    hidden: bool = True
    timeout: float = DEFAULT_TIMEOUT
    time_limit_factor: float = 1.0
    extra: tuple[str, ...] = ()  # more options for every judge, e.g. ("--worker-memory-gb", "1")
    warm_judges: bool = True  # fork judges from one process that imported pytest once (warm_judges.py)
    only: dict[str, tuple[str, ...]] = field(default_factory=dict)  # source path -> the checks to judge alone there


def options_for(source: Path, options: GradeOptions) -> GradeOptions:
    """The batch's options for one submission, judging only its named checks where `only` names some (the corpus
    proves a mistake fails the checks it names without judging the rest of the lesson); the rest earn nothing."""
    named = options.only.get(str(source))
    return replace(options, extra=(*options.extra, "-k", " or ".join(named))) if named else options


def unique_names(sources: list[Path]) -> list[str]:
    """A distinct, safe name per submission for folders and rows (see `safe_name`), the same whatever the case.

    Each name first goes to the first submission that naturally has it; repeats are numbered `-2`, `-3`, ...
    skipping every name taken, so a numbered name never takes one a later submission has by itself."""
    wanted = [safe_name(source) for source in sources]
    names: list[str | None] = [None] * len(sources)
    taken: set[str] = set()
    for index, name in enumerate(wanted):
        if name.lower() not in taken:
            names[index] = name
            taken.add(name.lower())
    for index, name in enumerate(wanted):
        if names[index] is None:
            names[index] = _numbered(name, taken)
            taken.add(names[index].lower())
    return names


def safe_name(source: Path) -> str:
    """A submission's file or folder name as a folder name that is always inside --out: letters, digits, `-`,
    `_` and `.` only, starting with a letter, digit or `_`, at most MAX_NAME long, never a report's name."""
    base = source.stem if source.suffix.lower() in (".zip", ".py", ".ipynb") else source.name
    base = re.sub(r"[^A-Za-z0-9._-]", "_", base).lstrip(".-")[:MAX_NAME] or "submission"
    return f"{base[:MAX_NAME - 1]}_" if base.lower() in REPORT_NAMES else base


def _numbered(name: str, taken: set[str]) -> str:
    """`name-2`, `name-3`, ... (shortened to fit MAX_NAME): the first whose lower case is not taken."""
    for number in itertools.count(2):
        suffix = f"-{number}"
        candidate = name[:MAX_NAME - len(suffix)] + suffix
        if candidate.lower() not in taken:
            return candidate
    raise AssertionError("unreachable")


def private_folder(scratch: Path, index: int) -> Path:
    """A submission's own folder in the batch's scratch: a name no other submission's worker can guess."""
    folder = scratch / f"s{index:04d}-{secrets.token_hex(8)}"
    folder.mkdir(mode=0o711)
    os.chmod(folder, 0o711)
    return folder


def judge(root: Path, lesson: str, staged: Staged, scratch: Path, options: GradeOptions,
          service: GradingService | None) -> tuple[dict | None, str]:
    """Run the lesson's checks on a staged submission in a pytest process; its JSON report, or why there is none.

    The judge's temporary folders live in `scratch/tmp` and go when it ends, killed by the timeout or not."""
    report = scratch / "report.json"
    temporary = scratch / "tmp"
    temporary.mkdir(parents=True, exist_ok=True)
    os.chmod(temporary, 0o711)  # a worker with a uid of its own enters its call's folder in here, lists nothing
    command, env = judge_command(root, lesson, staged, scratch, options), {**os.environ, "TMPDIR": str(temporary)}
    try:
        exit_code, log = run_judge(command, root, env, options.timeout) if service is None else \
            service.run(command, options.timeout, env)
    finally:
        shutil.rmtree(temporary, ignore_errors=True)
    (scratch / "judge.log").write_bytes(log)
    if exit_code is None:
        return None, f"grading stopped after {options.timeout:g} s: the checks that had not finished earn nothing"
    try:
        return read_report(report), ""
    except Exception:  # noqa: BLE001 - whatever is wrong with the report, this submission alone goes without
        tail = log.decode("utf-8", errors="replace").strip().splitlines()[-3:]
        return None, (f"the grader could not finish this submission (exit code {exit_code}): "
                      f"{' / '.join(line[:300] for line in tail)}")


def judge_command(root: Path, lesson: str, staged: Staged, scratch: Path, options: GradeOptions) -> list[str]:
    """The pytest command line that judges one staged submission and writes `scratch/report.json`."""
    command = [sys.executable, "-m", "pytest", f"graders/{lesson}", "--submission", str(staged.file),
               "--submission-name", staged.file.relative_to(staged.folder).as_posix(),
               "--grade-json", str(scratch / "report.json"), "-q", "-p", "no:cacheprovider", "--noconftest",
               "--assert=plain",  # checks explain themselves (feedback.fail); rewriting would cost 0.6 s a judge
               "-c", str(root / "pyproject.toml"), "--rootdir", str(root),
               "--time-limit-factor", str(options.time_limit_factor), "--color=no",
               "--feedback-dir", str(scratch / "feedback")]
    if options.hidden:
        command.append("--hidden")
    return command + list(options.extra)


def read_report(path: Path) -> dict:
    """The judge's JSON report, at most MAX_REPORT_BYTES; raises for anything else (too big, not a JSON object)."""
    with open(path, "rb") as handle:
        data = handle.read(MAX_REPORT_BYTES + 1)
    if len(data) > MAX_REPORT_BYTES:
        raise ValueError(f"the report is over {MAX_REPORT_BYTES >> 20} MiB")
    report = json.loads(data)
    if not isinstance(report, dict):
        raise TypeError("the report is not a JSON object")
    return report


def grade_one(root: Path, lesson: str, source: Path, name: str, scratch: Path, options: GradeOptions,
              lesson_manifest: dict, checks: dict, service: GradingService) -> SubmissionGrade:
    """Stage, judge and reconcile one submission; never raises for anything the submission does."""
    started = time.monotonic()
    options = options_for(source, options)
    staged = stage(source, scratch / "submission", name, lesson_manifest["module"], lesson_manifest["notebook"],
                   lesson_manifest.get("starter_sha256", {}))
    report, stopped = (None, "; ".join(staged.problems)) if staged.file is None else \
        judge(root, lesson, staged, scratch, options, service)
    titles = {e["id"]: e["title"] for e in lesson_manifest.get("exercises", [])}
    grade = reconcile(checks, report, name=name, source=str(source), title=lesson_manifest.get("title", lesson),
                      stopped=stopped, exercise_titles=titles)
    attach_feedback(grade, scratch / "feedback" / lesson)
    if staged.file is not None:
        grade.graded_file = str(staged.file.relative_to(staged.folder)) + (f" ({staged.note})" if staged.note else "")
    grade.seconds = time.monotonic() - started
    return grade


def grade_or_explain(root: Path, lesson: str, source: Path, name: str, scratch: Path, options: GradeOptions,
                     lesson_manifest: dict, checks: dict, service: GradingService) -> SubmissionGrade:
    """`grade_one`, and should grading this submission fail in a way nobody foresaw, a grade of 0 saying so:
    one submission never takes the batch down with it."""
    try:
        return grade_one(root, lesson, source, name, scratch, options, lesson_manifest, checks, service)
    except Exception as error:  # noqa: BLE001 - the batch's other submissions and its reports come first
        stopped = f"the grader could not finish this submission ({type(error).__name__}: {error})"
        return reconcile(checks, None, name=name, source=str(source), title=lesson_manifest.get("title", lesson),
                         stopped=stopped)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def attach_feedback(grade: SubmissionGrade, pages: Path) -> None:
    """Keep the judge's feedback page and pictures with the grade; checks name their pictures as the report will.
    Only plainly named files travel (see PLAIN_FILE_NAME), so the reports can link them as they are."""
    if not pages.is_dir():
        return
    grade.attachments = {p.name: p.read_bytes() for p in sorted(pages.iterdir())
                         if PLAIN_FILE_NAME.fullmatch(p.name) and p.is_file()}
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
    with GradingService(root, options.jobs, options.warm_judges, prefix="gradekit-grade-") as service:
        with ThreadPoolExecutor(max_workers=options.jobs + 1) as judges:
            grades = list(judges.map(
                lambda item: grade_or_explain(root, lesson, item[0], item[1], private_folder(service.folder, item[2]),
                                              options, lesson_manifest, checks, service),
                [(source, name, index) for index, (source, name) in enumerate(zip(sources, names))]))
    write_reports(grades, out)
    return grades


def write_reports(grades: list[SubmissionGrade], out: Path) -> None:
    """Write each submission's results.json, junit.xml, feedback.md and feedback/ (the page with pictures), in
    `out` itself for a single submission; then the batch's summary.md, gradebook.csv and junit.xml."""
    out.mkdir(parents=True, exist_ok=True)
    for grade in grades:
        folder = out if len(grades) == 1 else student_folder(out, grade.name)
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "results.json").write_text(json.dumps(writers.gradescope_results(grade), indent=2) + "\n",
                                             encoding="utf-8")
        (folder / "feedback.md").write_text(writers.feedback_markdown(grade), encoding="utf-8")
        if grade.attachments:
            (folder / FEEDBACK).mkdir(exist_ok=True)
            for name, data in grade.attachments.items():
                (folder / FEEDBACK / Path(name).name).write_bytes(data)
        if len(grades) > 1:
            (folder / "junit.xml").write_text(writers.junit_xml([grade]), encoding="utf-8")
    (out / "junit.xml").write_text(writers.junit_xml(grades), encoding="utf-8")
    summary = writers.markdown_summary(grades)
    (out / "summary.md").write_text(summary, encoding="utf-8")
    (out / "gradebook.csv").write_text(writers.gradebook_csv(grades), encoding="utf-8")
    step_summary = os.environ.get("GITHUB_STEP_SUMMARY")
    if step_summary:
        with open(step_summary, "a", encoding="utf-8") as handle:
            handle.write(summary)


def student_folder(out: Path, name: str) -> Path:
    """`out/name`, refusing any name that is not one plain folder right inside `out` and no report's name."""
    if not SAFE_NAME.fullmatch(name) or name.lower() in REPORT_NAMES:
        raise ValueError(f"{name!r} is not a safe submission name")
    return out / name
