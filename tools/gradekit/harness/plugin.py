"""The pytest plugin behind `pytest graders/<lesson>`: options, markers, the `run` fixture, the score table.

Grader tests live in graders/<lesson>/ (public) and graders/<lesson>/hidden/ (CI only). Each carries one
`exercise("2_3_1.ex3")` marker and one `points(n)` marker. They reach the student's code only through the
`run` fixture, which calls a probe in a worker process and hands back plain data.
"""

from __future__ import annotations

import ast
import atexit
import inspect
import json
import os
import re
import sys
import textwrap
from contextlib import nullcontext
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from . import feedback
from .client import DEFAULT_PRELOAD, Limits, Outcome, Zygote, preload_for
from ..reporting.figures import Drawing, checks_draw_figures, warm_up_in_background
from .machine import cannot_grade_here
from ..reporting.report import WaitLine
from .submission import Submission, SubmissionError, choose_in_folder, read_submission

LESSON_DIR = re.compile(r"^\d+_\d+_\d+$")
EXERCISE_ID = re.compile(r"^\d+_\d+_\d+\.\w+$")
DEFAULT_TIME_LIMIT = 20.0  # seconds per worker call; a check may ask for more with time_limit(s)
DEFAULT_JOBS = min(2, os.cpu_count() or 1)
EARLY_POOL = pytest.StashKey[Zygote]()  # the pool started as this plugin loaded, adopted by pytest_configure


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("gradekit", "grading the course's exercises (gradekit)")
    group.addoption("--submission", metavar="PATH",
                    help="grade this .py, .ipynb or folder instead of assignments/<lesson>/")
    group.addoption("--hidden", action="store_true", help="include the hidden checks (course staff and CI)")
    group.addoption("--exercise", action="append", default=[], metavar="ID",
                    help="grade only this exercise, e.g. 2_3_1.ex3 or ex3 (repeatable)")
    group.addoption("--submission-name", metavar="NAME",
                    help="how the reports name the graded file (default: its path from the current or course "
                         "folder, else its name); `gradekit grade` gives the path inside what was submitted")
    group.addoption("--grade-json", metavar="PATH", help="write the per-check results as JSON to PATH")
    group.addoption("--time-limit-factor", type=float, default=1.0, metavar="F",
                    help="scale every check's time limit by F (default 1)")
    group.addoption("--worker-memory-gb", type=float, default=4.0, metavar="GB",
                    help="memory a worker may use beyond the warm process (default 4)")
    group.addoption("--worker-jobs", type=int, default=DEFAULT_JOBS, metavar="N",
                    help="workers running at once (default: 2, or 1 on a one-core machine)")
    group.addoption("--sandbox-layer", choices=("auto", "uid"), default="auto",
                    help="auto: the strongest confinement the machine allows (default); uid: skip namespaces, as "
                         "in a container with Docker's default seccomp (Gradescope), to see what grading there does")
    group.addoption("--feedback-dir", metavar="DIR",
                    help="write the feedback page and its pictures to DIR/<lesson>/ (default: a feedback/ folder "
                         "beside the graded file)")
    group.addoption("--no-feedback-page", action="store_true", help="write no feedback page (and draw no pictures)")
    group.addoption("--progress-file", metavar="PATH",
                    help="keep PATH updated with the checks done so far, as JSON (the notebook's check() reads it)")


def pytest_addhooks(pluginmanager: pytest.PytestPluginManager) -> None:
    """Start the worker pool the moment pytest loads this plugin, when the command line names graders: torch then
    imports while pytest loads its other plugins, reads the options and collects the checks. pytest_configure
    adopts it (or stops it); what the pool learns later (the submission's heavy imports) follows by `configure`."""
    config = pluginmanager.get_plugin("pytestconfig")
    known = getattr(config, "known_args_namespace", None)
    if known is None or any(getattr(known, flag, False) for flag in ("collectonly", "help", "version")):
        return
    if names_graders(getattr(known, "file_or_dir", None) or [], config.invocation_params.dir) \
            and cannot_grade_here() is None:
        pool = Zygote(list(DEFAULT_PRELOAD), jobs=DEFAULT_JOBS)
        pool.start()
        atexit.register(pool.stop)  # a run that stops before pytest_configure (a usage error) leaves nothing
        config.stash[EARLY_POOL] = pool


def names_graders(args, base: Path | str = ".") -> bool:
    """Whether a command line's paths reach into graders/ (then this run grades and needs the worker pool)."""
    return any("graders" in (Path(base) / str(arg).split("::")[0]).resolve().parts for arg in args)


def pytest_configure(config: pytest.Config) -> None:
    for line in (
        "exercise(id): the exercise a grader check belongs to, e.g. exercise('2_3_1.ex3')",
        "points(n): what a grader check is worth (required; 0 = shown, not scored)",
        "hidden: a check that only course staff and CI run (--hidden)",
        "time_limit(seconds): wall-clock limit for each worker call of a check",
    ):
        config.addinivalue_line("markers", line)
    session = GradingSession(config)
    config.pluginmanager.register(session, "gradekit-session")
    session.wait_line = WaitLine.for_terminal(sys.stdout, session.terminal_line)
    early = config.stash.get(EARLY_POOL, None)
    if not config.option.collectonly and names_graders(config.args):
        problem = None if early is not None else cannot_grade_here()  # the early pool's start asked already
        if problem:  # one line before any check (Windows), never a failure that blames the student's code
            raise pytest.UsageError(problem)
        session.zygote = early
        session.start_zygote(session.preload_for_args(config.args))  # torch imports while pytest collects
        exit_without_collecting(config)
        if not config.getoption("no_feedback_page") and checks_draw_figures(config.args):
            warm_up_in_background()
    elif early is not None:
        early.stop()


@dataclass
class Lesson:
    """One lesson's grading context: its grader folder, manifest and the submission being graded."""

    id: str
    graders: Path
    root: Path
    manifest: dict
    submission: Submission | None = None
    problem: str = ""

    def exercise_title(self, exercise_id: str) -> str:
        """The exercise's title from the manifest (its notebook heading)."""
        for exercise in self.manifest.get("exercises", []):
            if exercise["id"] == exercise_id:
                return exercise["title"]
        return ""

    def preload(self) -> list[str]:
        """The modules worth importing once in the pool for this lesson: its submission's and its probes'."""
        if self.submission is None:
            return []
        probes = self.graders / "probes.py"
        return preload_for(self.submission, probes.read_text(encoding="utf-8") if probes.exists() else "")


@dataclass
class CheckResult:
    """One check's verdict, as the score table and the JSON report show it."""

    nodeid: str
    name: str
    lesson: str
    exercise: str
    max_points: float
    hidden: bool
    title: str = ""  # the sentence a learner reads: the check's docstring, or its name made readable
    status: str = "not run"
    message: str = ""
    seconds: float = 0.0
    worker_seconds: float = 0.0  # time spent inside the student's code (and the probe), for benchmarks
    sandbox: set = field(default_factory=set)  # how its workers were confined: "namespaces", "uid" or "process"
    figures: list = field(default_factory=list)  # figure specs the check recorded (feedback.figure)
    figure_paths: list = field(default_factory=list)  # the PNGs drawn from them, once written

    @property
    def points(self) -> float:
        """Points earned: all of them on a pass, none otherwise (a skip earns nothing)."""
        return self.max_points if self.status == "passed" else 0.0


@dataclass(eq=False)  # a pytest plugin object must stay hashable (pluggy keeps plugins in sets)
class GradingSession:
    """State of one pytest run that grades: lessons, the shared zygote and every check's result."""

    config: pytest.Config
    lessons: dict[str, Lesson] = field(default_factory=dict)
    results: dict[str, CheckResult] = field(default_factory=dict)
    zygote: Zygote | None = None
    memo: dict = field(default_factory=dict)  # identical probe calls within a run are made once
    pages: dict = field(default_factory=dict)  # lesson id -> its feedback page, once written
    page_problems: list = field(default_factory=list)
    drawing: Drawing = field(default_factory=Drawing)
    wait_line: WaitLine | None = None

    # ---- finding lessons and submissions ------------------------------------------------------

    def lesson_of(self, path: Path) -> Lesson | None:
        """The lesson whose grader folder is or holds `path` (graders/<lesson>/...), or None for other tests."""
        for folder in [path, *path.parents]:
            if LESSON_DIR.match(folder.name) and folder.parent.name == "graders":
                if folder.name not in self.lessons:
                    self.lessons[folder.name] = self._open_lesson(folder)
                return self.lessons[folder.name]
        return None

    def preload_for_args(self, args) -> list[str]:
        """The modules worth importing once for the lessons a command line names (graders/<lesson>/..., or graders/
        for all of them): torch, and what their submissions import (torchvision only where one does)."""
        names = list(DEFAULT_PRELOAD)
        for arg in args:
            path = Path(str(arg).split("::")[0]).resolve()
            places = [path / name for name in sorted(os.listdir(path)) if LESSON_DIR.match(name)] \
                if path.name == "graders" and path.is_dir() else [path]
            for place in places:
                lesson = self.lesson_of(place)
                if lesson is not None:
                    names += lesson.preload()
        return list(dict.fromkeys(names))

    def _open_lesson(self, graders: Path) -> Lesson:
        """Read a lesson's manifest and resolve its submission; problems are kept for the report."""
        root = graders.parent.parent
        manifest_path = root / "assignments" / graders.name / "manifest.json"
        lesson = Lesson(id=graders.name, graders=graders, root=root, manifest={})
        try:
            lesson.manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            lesson.problem = f"{manifest_path} is missing or unreadable: run `gradekit build` first"
            return lesson
        try:
            lesson.submission = self._resolve_submission(lesson)
        except SubmissionError as error:
            lesson.problem = str(error)
        return lesson

    def _resolve_submission(self, lesson: Lesson) -> Submission:
        """Pick the file to grade: --submission, else the edited file in assignments/<lesson>/."""
        manifest = lesson.manifest
        option = self.config.getoption("submission")
        folder = lesson.root / "assignments" / lesson.id
        pristine = manifest.get("starter_sha256", {})
        note = ""
        if option:
            target = Path(option).expanduser().resolve()
            if target.is_dir():
                folder = target / lesson.id if (target / lesson.id).is_dir() else target
            elif target.exists():
                folder, note = None, "named with --submission"
            else:
                raise SubmissionError(f"--submission {option}: no such file or folder")
        if folder is not None:
            target, note = choose_in_folder(folder, manifest["module"], manifest["notebook"], pristine)
        submission = read_submission(target, Path(manifest["module"]).stem, tuple(manifest.get("graded_cells", ())))
        submission.note = "; ".join(x for x in (note, submission.note) if x)
        submission.shown = self.config.getoption("submission_name") or known_name(target, lesson.root)
        return submission

    # ---- collection ---------------------------------------------------------------------------

    def pytest_ignore_collect(self, collection_path: Path, config: pytest.Config):
        """Leave hidden checks unread unless --hidden: nothing of them is imported in a student's run."""
        if not config.getoption("hidden") and collection_path.name == "hidden":
            parent = collection_path.parent
            if LESSON_DIR.match(parent.name) and parent.parent.name == "graders":
                return True
        return None

    @pytest.hookimpl(trylast=True)
    def pytest_collection_modifyitems(self, config: pytest.Config, items: list[pytest.Item]) -> None:
        """Check every grader test's markers, drop hidden checks unless --hidden, apply --exercise."""
        wanted = [w if "." in w else None for w in config.getoption("exercise")]
        short = {w for w in config.getoption("exercise") if "." not in w}
        keep, drop = [], []
        for item in items:
            lesson = self.lesson_of(Path(item.path))
            if lesson is None:
                keep.append(item)
                continue
            if "hidden" in Path(item.path).relative_to(lesson.graders).parts[:-1]:
                item.add_marker(pytest.mark.hidden)
            markers = list(item.iter_markers("exercise"))
            if len(markers) != 1 or not EXERCISE_ID.match(str(markers[0].args[0] if markers[0].args else "")):
                raise pytest.UsageError(f"{item.nodeid}: a grader check needs exactly one @pytest.mark.exercise('id')")
            exercise = markers[0].args[0]
            selected = (not (wanted or short)) or exercise in wanted or exercise.split(".")[-1] in short
            if (item.get_closest_marker("hidden") and not config.getoption("hidden")) or not selected:
                drop.append(item)
                continue
            points = item.get_closest_marker("points")
            if (points is None or len(points.args) != 1 or isinstance(points.args[0], bool)
                    or not isinstance(points.args[0], (int, float)) or not points.args[0] >= 0):
                raise pytest.UsageError(f"{item.nodeid}: a grader check needs @pytest.mark.points(n) with a number "
                                        f"n >= 0 (0 for a check that is shown but not scored)")
            self.results[item.nodeid] = CheckResult(
                nodeid=item.nodeid, name=item.name, lesson=lesson.id, exercise=exercise,
                max_points=float(points.args[0]),
                hidden=item.get_closest_marker("hidden") is not None, title=check_title(item),
            )
            keep.append(item)
        if drop:
            config.hook.pytest_deselected(items=drop)
            items[:] = keep

    def pytest_collection_finish(self, session: pytest.Session) -> None:
        """Start the warm worker pool now, so torch imports while the first checks are being set up."""
        if self.results and len(self.results) == len(session.items) and self.config.option.tbstyle == "auto":
            self.config.option.tbstyle = "no"  # the score table carries each failure's message
            self.config.option.reportchars = ""
        self._progress()
        submissions = [lesson.submission for lesson in self.lessons.values() if lesson.submission]
        if self.results and submissions and not self.config.option.collectonly:
            self.start_zygote(sorted({name for lesson in self.lessons.values() for name in lesson.preload()}))
            self.prefetch(session.items)
            import numpy  # noqa: F401 - replies' tensors are decoded with it: imported now, while the workers run

    def prefetch(self, items: list[pytest.Item]) -> None:
        """Queue every probe call a check makes with literal arguments, so workers run ahead of the checks."""
        for item in items:
            lesson = self.lesson_of(Path(item.path))
            if item.nodeid not in self.results or lesson.problem or not lesson.submission or lesson.submission.problems:
                continue
            for probe, args, time_limit, reference in planned_calls(item):
                key, probe_files, limits = self._call_spec(item, lesson, probe, args, time_limit, reference)
                if key not in self.memo:
                    self.memo[key] = self.zygote.submit(None if reference else lesson.submission, probe_files,
                                                        probe, args, limits)

    def terminal_line(self) -> str:
        """What pytest has written so far on the terminal's current line (a progress bar puts it back)."""
        terminal = self.config.pluginmanager.get_plugin("terminalreporter")
        return getattr(getattr(terminal, "_tw", None), "_current_line", "")

    def pytest_report_header(self, config: pytest.Config) -> list[str]:
        return [f"gradekit: hidden checks {'included' if config.getoption('hidden') else 'not included'}"]

    # ---- running ------------------------------------------------------------------------------

    def start_zygote(self, preload: list[str]) -> None:
        """Start the warm worker pool once; later calls tell the one already importing what else to import."""
        if self.zygote is None:
            self.zygote = Zygote(preload, jobs=self.config.getoption("worker_jobs"))
            self.zygote.start()
        else:
            self.zygote.configure(preload, jobs=self.config.getoption("worker_jobs"))

    def _call_spec(self, item: pytest.Item, lesson: Lesson, probe: str, args: dict, time_limit: float | None,
                   reference: bool = False):
        """The probe files and limits of one call, and the key identical calls share."""
        probe_files = [lesson.graders / "probes.py"]
        local = Path(item.path).parent / "probes.py"
        if local != probe_files[0] and local.exists():
            probe_files.append(local)
        marker = item.get_closest_marker("time_limit")
        seconds = time_limit or (marker.args[0] if marker else DEFAULT_TIME_LIMIT)
        limits = Limits(seconds=seconds * self.config.getoption("time_limit_factor"),
                        memory_bytes=int(self.config.getoption("worker_memory_gb") * 1024**3),
                        sandbox=self.config.getoption("sandbox_layer"))
        key = (lesson.id, tuple(map(str, probe_files)), probe, args_key(args), limits.seconds, reference)
        return key, probe_files, limits

    def run_probe(self, item: pytest.Item, probe: str, args: dict, time_limit: float | None,
                  reference: bool = False) -> Outcome:
        """Call `probe` from the item's lesson probes in a fresh worker (a @reference_run: without the submission)."""
        lesson = self.lesson_of(Path(item.path))
        if lesson.problem or lesson.submission is None:
            feedback.fail(lesson.problem or "nothing to grade")
        if lesson.submission.problems and not reference:
            feedback.fail("; ".join(lesson.submission.problems))
        key, probe_files, limits = self._call_spec(item, lesson, probe, args, time_limit, reference)
        found = self.memo.get(key)
        if isinstance(found, Outcome):
            return found
        if self.zygote is None:
            self.start_zygote(lesson.preload())
        if found is None:
            found = self.zygote.submit(None if reference else lesson.submission, probe_files, probe, args, limits)
        with self._waiting(item, probe, limits.seconds):
            outcome = self.zygote.result(found)
        if item.nodeid in self.results:
            self.results[item.nodeid].worker_seconds += outcome.compute_seconds
            if outcome.sandbox:
                self.results[item.nodeid].sandbox.add(outcome.sandbox)
        self.memo[key] = outcome
        return outcome

    def _waiting(self, item: pytest.Item, probe: str, seconds: float):
        """A progress bar on the terminal while this call runs long (a no-op off a terminal)."""
        result = self.results.get(item.nodeid)
        if self.wait_line is None or result is None:
            return nullcontext()
        done = sum(r.status != "not run" for r in self.results.values())
        return self.wait_line.waiting(f"{result.exercise} {item.name} ({probe})", seconds, done, len(self.results))

    def _keep_figures(self, result: CheckResult) -> None:
        """Take the figures the check just recorded and start drawing them (never a hidden check's)."""
        specs = feedback.take_figures()
        if result.hidden or self.config.getoption("no_feedback_page"):
            return
        for spec in specs:
            self.drawing.start((result.nodeid, len(result.figures)), spec)
            result.figures.append(spec)

    def pytest_runtest_logstart(self, nodeid: str, location) -> None:
        if nodeid in self.results:
            self._progress(self.results[nodeid].name)

    def pytest_runtest_logfinish(self, nodeid: str, location) -> None:
        if nodeid in self.results:
            self._progress()

    def _progress(self, current: str = "") -> None:
        """Keep --progress-file up to date: checks done of total, and the one running."""
        path = self.config.getoption("progress_file")
        if path:
            from ..reporting.report import write_progress

            write_progress(Path(path), list(self.results.values()), current)

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_makereport(self, item: pytest.Item, call):
        report = yield
        result = self.results.get(item.nodeid)
        if result is None:
            return report
        if report.when == "setup":
            feedback.take_figures()  # nothing left over from a check that did not finish
        elif report.when == "call":
            self._keep_figures(result)
        if report.when == "call" or report.outcome != "passed":
            result.seconds += report.duration
            if report.passed:
                result.status, result.message = "passed", ""
            elif report.skipped:
                result.status, result.message = "failed", "the check was skipped, so it earns nothing"
            else:
                result.status = "failed"
                result.message = self._message(call)
            if result.status == "failed" and result.max_points == 0:
                not_scored(report, result)
        grading = [("exercise", result.exercise), ("points", result.points), ("max_points", result.max_points),
                   ("hidden", result.hidden)]
        for holder in (item, report):  # the report copied the item's properties already: update both
            holder.user_properties[:] = [p for p in holder.user_properties if p[0] not in dict(grading)] + grading
        return report

    @staticmethod
    def _message(call) -> str:
        """The student's message for a failure: the check's own words, or a short note on a grader error."""
        if call.excinfo is None:
            return "failed"
        error = call.excinfo.value
        if isinstance(error, pytest.fail.Exception):
            return str(error.msg)
        if isinstance(error, AssertionError):
            return str(error).split("\nassert ")[0] or "a check's condition did not hold"
        return f"the grader itself failed ({type(error).__name__}: {error}); please report this to course staff"

    # ---- reporting ----------------------------------------------------------------------------

    def pytest_terminal_summary(self, terminalreporter, exitstatus, config: pytest.Config) -> None:
        if not self.results:
            return
        from ..reporting.report import score_table

        terminalreporter.write("\n" + score_table(self.lessons, list(self.results.values())) + "\n")
        for lesson_id, page in sorted(self.pages.items()):
            pictures = sum(len(r.figure_paths) for r in self.results.values() if r.lesson == lesson_id)
            terminalreporter.write(f"\nFeedback page ({lesson_id}): {shown_path(page)}"
                                   + (f" (with {pictures} picture{'s' * (pictures != 1)})" if pictures else "")
                                   + (" · outside assignments/, so not part of what you hand in"
                                      if in_course_feedback(self.lessons[lesson_id], page) else "") + "\n")
        for problem in self.page_problems:
            terminalreporter.write(f"\n{problem}\n")

    def pytest_sessionfinish(self, session: pytest.Session, exitstatus) -> None:
        if self.zygote is not None:
            self.zygote.close_input()  # it exits while the pages are written; stopped (waited for) below
        if self.results:
            drop_idle_hypothesis_plugin(self.config)
        if self.results and not self.config.getoption("no_feedback_page"):
            self.write_feedback()
        self.drawing.close()
        if self.zygote is not None:
            self.zygote.stop()
        if self.wait_line is not None:
            self.wait_line.close()
        path = self.config.getoption("grade_json")
        if path and self.results:
            from ..reporting.report import json_report

            report = json_report(self.lessons, list(self.results.values()), self.pages)
            Path(path).write_text(json.dumps(report, indent=2) + "\n")

    def write_feedback(self) -> None:
        """Draw each check's pictures and write every lesson's feedback page (see --feedback-dir)."""
        from ..reporting.feedback_page import write_pages

        option = self.config.getoption("feedback_dir")
        for lesson_id in sorted({r.lesson for r in self.results.values()}):
            lesson = self.lessons[lesson_id]
            rows = [r for r in self.results.values() if r.lesson == lesson_id]
            if not option and lesson.submission is None:
                continue
            folder = Path(option) / lesson_id if option else default_feedback_folder(lesson)
            try:
                folder.mkdir(parents=True, exist_ok=True)
                used: set[str] = set()
                for row in rows:
                    row.figure_paths = [path for number, spec in enumerate(row.figures)
                                        if (path := self._draw(folder, row, number, spec, used))]
                self.pages[lesson_id] = write_pages(folder, lesson, rows).resolve()
            except OSError as error:
                self.page_problems.append(f"Could not write the feedback page for {lesson_id} in {folder}: {error}")

    def _draw(self, folder: Path, row: CheckResult, number: int, spec: dict, used: set[str]) -> Path | None:
        """Write one check's figure as `<exercise>-<name>.png` in `folder`; None (and a note) if drawing failed."""
        stem = re.sub(r"[^\w.-]+", "-", f"{row.exercise.split('.')[-1]}-{spec['name']}")
        name = next(f"{stem}{suffix}.png" for suffix in ["", *(f"-{n}" for n in range(2, 1000))]
                    if f"{stem}{suffix}.png" not in used)
        used.add(name)
        try:
            png = self.drawing.png((row.nodeid, number))
        except Exception as error:  # a grader's figure spec is wrong: say so, keep the rest of the page
            self.page_problems.append(f"Could not draw the picture {spec['name']!r} of {row.name}: "
                                      f"{type(error).__name__}: {error}; please report this to course staff")
            return None
        (folder / name).write_bytes(png)
        return (folder / name).resolve()


def exit_without_collecting(config: pytest.Config) -> None:
    """A grading run ends without the garbage collector's full passes over pytest's, numpy's and matplotlib's
    objects (0.1-0.2 s of a run of 2-3 s), which free memory the exit gives back anyway: pytest's own pass, made
    to find unraisable exceptions, is left out (no student code runs in this process: nothing of theirs to report),
    and at interpreter exit the heap is frozen first."""
    try:
        from _pytest.unraisableexception import gc_collect_iterations_key
    except ImportError:  # another pytest: its pass stays
        pass
    else:
        config.stash[gc_collect_iterations_key] = 0
    if not getattr(exit_without_collecting, "registered", False):
        import gc

        atexit.register(gc.freeze)
        exit_without_collecting.registered = True


def drop_idle_hypothesis_plugin(config: pytest.Config) -> None:
    """Hypothesis's pytest plugin imports all of Hypothesis in its terminal summary (half a second, a third of a
    tiny grading run) to report on Hypothesis tests; where no check imported Hypothesis there are none: unregister
    it before the summary."""
    plugin = config.pluginmanager.get_plugin("hypothesispytest")
    if plugin is not None and "hypothesis" not in sys.modules:
        config.pluginmanager.unregister(plugin)


NOT_SCORED = "not scored (0 points)"


def not_scored(report: pytest.TestReport, result: CheckResult) -> None:
    """A failing check worth no points (a stretch goal, provided code) does not fail the run: pytest reports it
    like an expected failure ("xfailed", exit code 0 when every scored check passed). Its result stays "failed",
    with its message, in the score table, the JSON report and every grade."""
    report.outcome = "skipped"
    report.wasxfail = f"{NOT_SCORED}: {result.message.strip().splitlines()[0] if result.message.strip() else ''}"


def known_name(path: Path, course: Path) -> str:
    """A graded file as the student knows it: its path from the current folder or the course folder when it lies
    inside one of them, else its file name alone (never a folder of the grader's)."""
    path = Path(path).resolve()
    for base in (Path.cwd(), course):
        try:
            return path.relative_to(Path(base).resolve()).as_posix()
        except ValueError:
            continue
    return path.name


def check_title(item: pytest.Item) -> str:
    """The sentence a learner reads for a check: the first line of its docstring, else its name made readable
    (`test_resume_returns_the_next_epoch` → "resume returns the next epoch"); a parametrised check adds its case."""
    doc = inspect.getdoc(getattr(item, "function", None)) if getattr(item, "function", None) else None
    first = doc.strip().splitlines()[0].strip() if doc and doc.strip() else ""
    name = getattr(item, "originalname", None) or item.name.split("[")[0]
    title = first or name.removeprefix("test_").replace("_", " ").strip()
    case = getattr(getattr(item, "callspec", None), "id", "")
    return f"{title} [{case}]" if case else title


def default_feedback_folder(lesson: Lesson) -> Path:
    """Where the feedback page goes without --feedback-dir: `feedback/<lesson>/` in the course folder for a file
    in `assignments/` (never inside the lesson folder a student hands in); beside any other graded file."""
    graded = lesson.submission.path.resolve()
    if (lesson.root / "assignments").resolve() in graded.parents:
        return lesson.root.resolve() / "feedback" / lesson.id
    return graded.parent / "feedback" / lesson.id


def in_course_feedback(lesson: Lesson, page: Path) -> bool:
    """Whether a feedback page lies in the course folder's own `feedback/` (the default for assignments/)."""
    return (lesson.root.resolve() / "feedback") in Path(page).resolve().parents


def shown_path(path: Path) -> str:
    """A path as a student types it: relative to the current folder when inside it, else absolute."""
    try:
        return str(Path(path).resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def args_key(args: dict) -> str:
    """A short key for a call's arguments (they may hold files and tensors), equal for equal arguments."""
    import hashlib

    from .wire import encode

    tree, blobs = encode(args)
    digest = hashlib.sha256(json.dumps(tree, sort_keys=True).encode())
    for blob in blobs:
        digest.update(hashlib.sha256(blob).digest())
    return digest.hexdigest()


def planned_calls(item: pytest.Item) -> list[tuple[str, dict, float | None, bool]]:
    """The `run("probe", ...)` and `run.reference("probe", ...)` calls in a check's source whose arguments are
    literals or params."""
    function = getattr(item, "function", None)
    try:
        tree = ast.parse(textwrap.dedent(inspect.getsource(function)))
    except (TypeError, OSError, SyntaxError):
        return []
    params = getattr(getattr(item, "callspec", None), "params", {})
    calls = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant)
                and isinstance(node.args[0].value, str)):
            continue
        reference = isinstance(node.func, ast.Attribute) and node.func.attr == "reference" \
            and isinstance(node.func.value, ast.Name) and node.func.value.id == "run"
        if not (reference or isinstance(node.func, ast.Name) and node.func.id == "run"):
            continue
        args, time_limit, literal = {}, None, len(node.args) == 1
        for keyword in node.keywords:
            if keyword.arg is None:
                literal = False
            elif keyword.arg == "doing":
                continue
            elif isinstance(keyword.value, ast.Name) and keyword.value.id in params:
                args[keyword.arg] = params[keyword.value.id]
            else:
                try:
                    args[keyword.arg] = ast.literal_eval(keyword.value)
                except ValueError:
                    literal = False
        if literal:
            time_limit = args.pop("time_limit", None)
            calls.append((node.args[0].value, args, time_limit, reference))
    return calls


@pytest.fixture
def submission_file(request: pytest.FixtureRequest) -> Path:
    """The file being graded: checks that grade an artifact the student made (a checkpoint) look beside it."""
    session: GradingSession = request.config.pluginmanager.get_plugin("gradekit-session")
    lesson = session.lesson_of(Path(request.node.path))
    if lesson.problem or lesson.submission is None:
        feedback.fail(lesson.problem or "nothing to grade")
    return lesson.submission.path


@pytest.fixture
def run(request: pytest.FixtureRequest):
    """Call a probe of this lesson on the submission: `run("round_trip", seed=0)` returns its plain result.

    A failure of the student's code (an exception, a timeout, a crash, a missing name) fails the check with
    a message in the course's terms; `doing` names what was being called. `run.outcome(...)` returns the raw
    Outcome instead, for checks that expect the student's code to refuse something. `run.reference(...)` calls a
    @reference_run probe: the grader's own code on the arguments alone, the same for every submission.
    """
    session: GradingSession = request.config.pluginmanager.get_plugin("gradekit-session")
    item = request.node

    def call(probe: str, doing: str | None = None, time_limit: float | None = None, **args):
        __tracebackhide__ = True
        outcome = session.run_probe(item, probe, args, time_limit)
        if outcome.status != "ok" or outcome.tampered:
            feedback.fail(feedback.explain(outcome, doing or probe.replace("_", " ")))
        return outcome.value

    def raw(probe: str, time_limit: float | None = None, **args) -> Outcome:
        __tracebackhide__ = True
        outcome = session.run_probe(item, probe, args, time_limit)
        if outcome.tampered:  # a check reading the raw outcome must not pass on a tampered run either
            feedback.fail(feedback.explain(outcome, probe.replace("_", " ")))
        return outcome

    def reference(probe: str, doing: str | None = None, time_limit: float | None = None, **args):
        __tracebackhide__ = True
        outcome = session.run_probe(item, probe, args, time_limit, reference=True)
        if outcome.status != "ok":
            feedback.fail(feedback.explain(outcome, doing or probe.replace("_", " ")))
        return outcome.value

    call.outcome = raw
    call.reference = reference
    return call
