"""Checks inside the release notebook: `check("2_3_1.ex3")` after an exercise, `check_all()` for the score table.

The code graded is the code as the student ran it: the latest executed version of each graded cell from the
kernel's history (cells that begin `# [graded] 2_3_1...`), completed by the saved notebook's graded cells. It is
written to a temporary module and graded by `pytest graders/<lesson>` in a subprocess, exactly as on the command
line: the student's code runs in the grader's workers, never in the notebook's kernel.
"""

from __future__ import annotations

import ast
import atexit
import base64
import difflib
import html
import json
import os
import re
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

EXERCISE_ID = re.compile(r"^(?P<lesson>\d+_\d+_\d+)\.\w+$")
LESSON_ID = re.compile(r"^\d+_\d+_\d+$")
GRADED_MARKER = re.compile(r"^\s*#\s*\[graded\]\s*(?P<lesson>\d+_\d+_\d+)", re.IGNORECASE)
MAGIC = re.compile(r"^(\s*)([%!].*)$")
SWITCH = "GRADEKIT_NOTEBOOK_CHECKS"
ARTIFACTS = ("*.pt", "*.pth")
SAME_CELL = 0.5  # how alike two runs of a graded cell must be for the later to replace the earlier
_pool: list = []  # the kernel's warm worker pool, once started: [process, socket path]
_judges: list = []  # the kernel's judge server, once asked for: [WarmJudges], or [None] where it cannot start


def _warm_pool() -> str | None:
    """The socket of a worker pool kept warm for this kernel (torch imported once, for every later check)."""
    if _pool and _pool[0].poll() is None:
        return str(_pool[1])
    from .harness.client import DEFAULT_PRELOAD, start_shared_zygote

    socket_path = Path(tempfile.mkdtemp(prefix="gradekit-pool-")) / "workers.sock"
    try:
        process = start_shared_zygote(socket_path, min(2, os.cpu_count() or 1), [*DEFAULT_PRELOAD, "torchvision"])
    except (OSError, RuntimeError):
        return None  # each check then starts its own pool, as on the command line
    if not _pool:
        atexit.register(_stop_pool)
    _pool[:] = [process, socket_path]
    return str(socket_path)


def _stop_pool() -> None:
    if _pool and _pool[0].poll() is None:
        _pool[0].stdin.close()
        _pool[0].wait(timeout=10)


def _judge_server(root: Path):
    """A judge server kept for this kernel (harness/warm_judges.py): each check's `pytest graders/<lesson>` is forked
    from it with pytest and its plugins already imported. None where it cannot start: checks then start afresh."""
    if _judges and (_judges[0] is None or not _judges[0].gone):
        return _judges[0]
    from .harness.warm_judges import start_warm_judges

    if not _judges:
        atexit.register(lambda: _judges[0] is not None and _judges[0].stop())
    _judges[:] = [start_warm_judges(root, dict(os.environ))]
    return _judges[0]


def check(exercise: str, *, notebook: str | Path | None = None, root: str | Path | None = None,
          timeout: float = 900) -> CheckReport | None:
    """Run one exercise's public checks on the code of this notebook; show pass/fail, messages and points."""
    if _switched_off():
        print(f"Checks are switched off in this run ({SWITCH}=off): {exercise} was not checked.")
        return None
    match = EXERCISE_ID.match(str(exercise).strip())
    lesson = match["lesson"] if match else None
    if match is None and re.fullmatch(r"\w+", str(exercise).strip()):
        lesson = _lesson_in_notebook(notebook)
        exercise = f"{lesson}.{str(exercise).strip()}" if lesson else exercise
    if lesson is None:
        return CheckReport(problem=f"{exercise!r} is not an exercise id: write it as in the notebook's headings, "
                                   "e.g. check(\"2_3_1.ex3\")")
    return _grade(lesson, str(exercise).strip(), notebook, root, timeout)


def check_all(lesson: str | None = None, *, notebook: str | Path | None = None, root: str | Path | None = None,
              timeout: float = 1800) -> CheckReport | None:
    """Run every exercise's public checks of the lesson (found from the notebook's graded cells); show the score."""
    if _switched_off():
        print(f"Checks are switched off in this run ({SWITCH}=off): nothing was checked.")
        return None
    lesson = lesson or _lesson_in_notebook(notebook)
    if lesson is None or not LESSON_ID.match(str(lesson)):
        return CheckReport(problem="No lesson to check: run the notebook's graded cells first, or name it, "
                                   "e.g. check_all(\"2_3_1\")")
    return _grade(str(lesson), None, notebook, root, timeout)


def _switched_off() -> bool:
    """True when the environment turns notebook checks off (the project's notebook tests do, to stay quick)."""
    return os.environ.get(SWITCH, "").strip().lower() in ("off", "0", "no", "false")


# ---- what to grade ----------------------------------------------------------------------------------------


@dataclass
class GradedCell:
    """One graded cell's code, and where it came from (the kernel's history or the saved notebook)."""

    source: str
    origin: str

    @property
    def first_line(self) -> str:
        return next((line.strip() for line in self.source.splitlines() if line.strip()), "")

    @property
    def names(self) -> set[str]:
        """The names the cell defines at top level (empty when it does not parse)."""
        try:
            tree = ast.parse(_without_magics(self.source))
        except SyntaxError:
            return set()
        found = set()
        for node in tree.body:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                found.add(node.name)
            elif isinstance(node, (ast.Assign, ast.AnnAssign)):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                found |= {n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name)}
            elif isinstance(node, (ast.Import, ast.ImportFrom)):
                found |= {(alias.asname or alias.name).split(".")[0] for alias in node.names}
        return found


def _without_magics(source: str) -> str:
    """IPython magics and shell escapes (`%time`, `!pip`) commented out, as the grader reads notebooks."""
    return "\n".join(MAGIC.sub(r"\1# \2", line) for line in source.split("\n"))


def _likeness(a: GradedCell, b: GradedCell) -> float:
    """How likely two graded cells are versions of one cell: shared names, or shared text when one won't parse."""
    if a.first_line != b.first_line:
        return 0.0
    names_a, names_b = a.names, b.names
    if names_a and names_b:
        return len(names_a & names_b) / len(names_a | names_b)
    return difflib.SequenceMatcher(None, a.source, b.source).ratio()


def latest_versions(saved: list[GradedCell], ran: list[GradedCell]) -> list[GradedCell]:
    """The saved notebook's graded cells in notebook order, each replaced in its place by its latest run in the
    kernel; cells run that match no saved one follow, in the order run.

    Notebook order matters: the given code (imports, `nn`) must run before an exercise cell that was never run
    in this kernel is read from the saved notebook, exactly as when the saved notebook itself is graded.
    """
    chosen = list(saved)
    for cell in ran:
        scores = [(_likeness(cell, old), number) for number, old in enumerate(chosen)]
        best = max(scores, default=(0.0, -1))
        if best[0] >= SAME_CELL:
            chosen[best[1]] = cell
        else:
            chosen.append(cell)
    return chosen


def _is_graded(source: str, lesson: str | None) -> bool:
    first = next((line for line in source.splitlines() if line.strip()), "")
    match = GRADED_MARKER.match(first)
    return bool(match) and (lesson is None or match["lesson"] == lesson)


def history_cells(lesson: str | None) -> list[GradedCell]:
    """Graded cells in the order this kernel ran them (every run of each), from IPython's input history."""
    shell = _shell()
    if shell is None:
        return []
    raw = list(getattr(shell.history_manager, "input_hist_raw", []) or [])
    return [GradedCell(text, f"notebook cell run [{number}]") for number, text in enumerate(raw)
            if isinstance(text, str) and _is_graded(text, lesson)]


def saved_notebook(notebook: str | Path | None, lesson: str | None, root: Path | None = None) -> Path | None:
    """The notebook file on disk: as named, as the Jupyter session or VS Code names it, or the lesson's own."""
    shell = _shell()
    candidates = [notebook, os.environ.get("JPY_SESSION_NAME"),
                  shell.user_ns.get("__vsc_ipynb_file__") if shell is not None else None]
    if root is not None and lesson is not None:
        manifest = _manifest(root, lesson)
        if manifest.get("notebook"):
            candidates.append(Path.cwd() / manifest["notebook"])
    for candidate in candidates:
        if candidate and Path(candidate).suffix == ".ipynb" and Path(candidate).is_file():
            return Path(candidate).resolve()
    return None


def notebook_cells(path: Path | None, lesson: str | None) -> list[GradedCell]:
    """The graded cells of a saved notebook, in notebook order (none when it cannot be read)."""
    if path is None:
        return []
    try:
        cells = json.loads(path.read_text(encoding="utf-8")).get("cells", [])
    except (OSError, ValueError, AttributeError):
        return []
    from .harness.submission import cell_labels

    labels = cell_labels(path.name, cells) if isinstance(cells, list) else {}
    found = []
    for number, cell in enumerate(cells, start=1):
        source = cell.get("source", "") if isinstance(cell, dict) else ""
        source = "".join(source) if isinstance(source, list) else str(source)
        if cell.get("cell_type") == "code" and _is_graded(source, lesson):
            found.append(GradedCell(source, labels.get(number, f"{path.name}, cell {number}")))
    return found


def _lesson_in_notebook(notebook: str | Path | None) -> str | None:
    """The lesson whose graded cells this kernel ran (or the saved notebook holds)."""
    for cell in history_cells(None) or notebook_cells(saved_notebook(notebook, None), None):
        return GRADED_MARKER.match(cell.first_line)["lesson"]
    return None


def _shell():
    """The running IPython shell, or None outside IPython."""
    try:
        from IPython import get_ipython
    except ImportError:
        return None
    return get_ipython()


# ---- where the graders are --------------------------------------------------------------------------------


def find_root(lesson: str, start: Path, given: str | Path | None = None) -> Path | None:
    """The course folder holding graders/<lesson>: given, at or above `start`, the one folder right inside
    `start` holding it (a bundle unzipped into Colab's /content, the kernel's folder there), $GRADEKIT_ROOT, or
    this package's own."""
    above = [start, *start.parents]
    for folder in [*([Path(given)] if given else []), *above, *_one_bundle_inside(start, lesson),
                   *([Path(os.environ["GRADEKIT_ROOT"])] if os.environ.get("GRADEKIT_ROOT") else []),
                   Path(__file__).resolve().parents[2]]:
        if (folder / "graders" / lesson).is_dir():
            return folder.resolve()
    return None


def _one_bundle_inside(start: Path, lesson: str) -> list[Path]:
    """The folder right inside `start` that holds graders/<lesson>, when exactly one does (else none: no guess)."""
    try:
        found = [folder for folder in start.iterdir() if (folder / "graders" / lesson).is_dir()]
    except OSError:
        return []
    return found if len(found) == 1 else []


def _manifest(root: Path, lesson: str) -> dict:
    try:
        return json.loads((root / "assignments" / lesson / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


# ---- grading ----------------------------------------------------------------------------------------------


def _grade(lesson: str, exercise: str | None, notebook, given_root, timeout: float) -> CheckReport:
    """Write the graded cells to a temporary module, grade it with pytest in a subprocess, read its report."""
    from .harness.machine import cannot_grade_here

    what = exercise or lesson
    unable = cannot_grade_here()
    if unable:
        return CheckReport(problem=f"{what}: {unable}")
    root = find_root(lesson, Path.cwd().resolve(), given_root)
    if root is None:
        return CheckReport(problem=f"{what}: the graders (graders/{lesson}) are not in this folder, above it or in a "
                                   "folder right inside it: open the notebook from the course bundle's folder (in "
                                   "Colab: unzip the bundle in /content), or set GRADEKIT_ROOT to the bundle's folder")
    manifest = _manifest(root, lesson)
    exercises = {ex["id"]: ex["title"] for ex in manifest.get("exercises", [])}
    if exercise is not None and exercises and exercise not in exercises:
        return CheckReport(problem=f"{exercise} is not an exercise of lesson {lesson}; its exercises are "
                                   f"{', '.join(exercises)}")
    saved = saved_notebook(notebook, lesson, root)
    cells = latest_versions(notebook_cells(saved, lesson), history_cells(lesson))
    if not cells:
        return CheckReport(problem=f"{what}: no graded cell (one starting `# [graded] {lesson}`) has run in this "
                                   "notebook yet: run the exercise's cells, then check again")
    folder = saved.parent if saved else Path.cwd()
    with tempfile.TemporaryDirectory(prefix="gradekit-check-") as scratch:
        scratch = Path(scratch)
        module = scratch / (manifest.get("module") or f"lesson_{lesson}.py")
        module.write_text(_module_text(cells, lesson), encoding="utf-8")
        _bring_artifacts(folder, scratch)
        report = _run_pytest(root, lesson, exercise, module, scratch, timeout)
    report.titles = exercises
    report.graded = _origins(cells)
    return report


def _module_text(cells: list[GradedCell], lesson: str) -> str:
    """The graded cells as a `# %%` module, magics commented out, each cell labelled by where it came from."""
    parts = [f'"""Lesson {lesson}: the graded cells of a notebook, as check() grades them."""']
    parts += [f"# %% {cell.origin}\n{_without_magics(cell.source).strip()}" for cell in cells]
    return "\n\n".join(parts) + "\n"


def _origins(cells: list[GradedCell]) -> str:
    ran = sum(cell.origin.startswith("notebook cell run") for cell in cells)
    saved = len(cells) - ran
    parts = ([f"{ran} graded cell{'s' * (ran != 1)} as last run"] if ran else []) + \
            ([f"{saved} from the saved notebook"] if saved else [])
    return ", ".join(parts)


def _bring_artifacts(folder: Path, scratch: Path) -> None:
    """Put the checkpoints the student made (best_model.pt) beside the temporary module, where checks look."""
    for pattern in ARTIFACTS:
        for path in folder.glob(pattern):
            if path.is_file():
                try:
                    os.link(path, scratch / path.name)
                except OSError:
                    shutil.copy2(path, scratch / path.name)


def _run_pytest(root: Path, lesson: str, exercise: str | None, module: Path, scratch: Path,
                timeout: float) -> CheckReport:
    """Grade `module` with `pytest graders/<lesson>` in a subprocess, showing progress while it runs."""
    report_path, progress_path, log_path = scratch / "report.json", scratch / "progress.json", scratch / "pytest.log"
    command = [sys.executable, "-m", "pytest", f"graders/{lesson}", "--submission", str(module),
               "--grade-json", str(report_path), "--feedback-dir", str(scratch / "feedback"),
               "--progress-file", str(progress_path), "-q", "-p", "no:cacheprovider", "--assert=plain"]
    if exercise:
        command += ["--exercise", exercise]
    env = {**os.environ, "MPLBACKEND": "Agg"}
    pool = _warm_pool()
    if pool:
        from .harness.client import SHARED_ZYGOTE

        env[SHARED_ZYGOTE] = pool
    what = exercise or f"lesson {lesson}"
    from .harness.warm_judges import kill_judge, start_judge

    progress = Progress(what)
    start = time.monotonic()
    with open(log_path, "w", encoding="utf-8") as log:
        process = start_judge(command, root, env, log.fileno(), _judge_server(root))
        try:
            while process.poll() is None:
                if time.monotonic() - start > timeout:
                    kill_judge(process)
                    process.wait()
                    progress.finish("")
                    return CheckReport(problem=f"{what}: checking took longer than {timeout:.0f} s and was stopped")
                progress.show(_read_json(progress_path), time.monotonic() - start)
                time.sleep(0.25)
        except KeyboardInterrupt:
            kill_judge(process)
            process.wait()
            progress.finish("")
            return CheckReport(problem=f"{what}: checking was interrupted")
    seconds = time.monotonic() - start
    data = _read_json(report_path)
    if not data:
        progress.finish("")
        tail = log_path.read_text(encoding="utf-8", errors="replace")[-1500:]
        return CheckReport(problem=f"{what}: the checks could not run (pytest exited with code {process.returncode})."
                                   f"\n{tail}")
    checks = data.get("checks", [])
    progress.finish(f"{len(checks)}/{len(checks)} checks done in {seconds:.1f} s")
    pictures = {check["nodeid"]: [Path(p).read_bytes() for p in check.get("figures", []) if Path(p).is_file()]
                for check in checks}
    lesson_data = data.get("lessons", {}).get(lesson, {})
    return CheckReport(lesson=lesson, exercise=exercise, checks=checks, pictures=pictures,
                       problems=lesson_data.get("problems", []), seconds=seconds)


def _read_json(path: Path) -> dict:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


class Progress:
    """"3/7 checks done" while the checks run: an updating display in Jupyter, a rewritten line elsewhere."""

    def __init__(self, what: str) -> None:
        self.what, self.handle, self.text = what, None, ""

    def show(self, state: dict, elapsed: float) -> None:
        if not state:
            text = f"Checking {self.what}: starting the grader … {elapsed:.0f} s"
        else:
            text = f"Checking {self.what}: {state.get('done', 0)}/{state.get('total', 0)} checks done · {elapsed:.0f} s"
        self._update(text, state.get("done", 0), state.get("total", 0))

    def finish(self, text: str) -> None:
        self._update(text, 1, 1)
        if self.handle is None and self.text:
            print()

    def _update(self, text: str, done: int, total: int) -> None:
        if text == self.text:
            return
        previous, self.text = self.text, text
        if _shell() is None:
            print("\r" + text.ljust(len(previous)), end="", flush=True)
            return
        from IPython.display import display

        bar = f"<progress value='{done}' max='{max(total, 1)}'></progress> {html.escape(text)}" if text else ""
        bundle = {"text/html": bar, "text/plain": text}
        if self.handle is None:
            self.handle = display(bundle, raw=True, display_id=True)
        else:
            self.handle.update(bundle, raw=True)


# ---- showing the result -----------------------------------------------------------------------------------


def _mark(row: dict) -> str:
    """✓ passed, ✗ failed, ○ failed but worth no points (not scored: it costs nothing)."""
    if row["status"] == "passed":
        return "✓"
    return "○ not scored" if not row["max_points"] else "✗"


def _title(row: dict) -> str:
    """How a check reads in the notebook: its sentence (the check's docstring), else its name."""
    return str(row.get("title") or row["name"])


@dataclass
class CheckReport:
    """What check() and check_all() found: each check's verdict, message and points, with its pictures."""

    lesson: str = ""
    exercise: str | None = None
    checks: list = field(default_factory=list)
    pictures: dict = field(default_factory=dict)
    problems: list = field(default_factory=list)
    problem: str = ""
    seconds: float = 0.0
    titles: dict = field(default_factory=dict)
    graded: str = ""

    @property
    def passed(self) -> bool:
        """True when every check ran and passed."""
        return not self.problem and bool(self.checks) and all(c["status"] == "passed" for c in self.checks)

    @property
    def points(self) -> tuple[float, float]:
        return sum(c["points"] for c in self.checks), sum(c["max_points"] for c in self.checks)

    def _exercises(self) -> list[str]:
        return sorted({c["exercise"] for c in self.checks})

    def _listed(self) -> list:
        """The checks to list one by one: all of one exercise's; for the whole lesson, those that failed."""
        return self.checks if self.exercise else [c for c in self.checks if c["status"] != "passed"]

    def _headline(self, exercise: str | None) -> str:
        rows = [c for c in self.checks if exercise is None or c["exercise"] == exercise]
        passed = sum(c["status"] == "passed" for c in rows)
        earned, total = sum(c["points"] for c in rows), sum(c["max_points"] for c in rows)
        verdict = f"all {len(rows)} checks passed" if passed == len(rows) else f"{passed} of {len(rows)} checks passed"
        name = exercise if exercise else f"Lesson {self.lesson}"
        title = self.titles.get(exercise, "") if exercise else ""
        return f"{name}{' · ' + title if title else ''}: {verdict} · {earned:g}/{total:g} points"

    def __repr__(self) -> str:
        if self.problem:
            return self.problem
        lines = [self._headline(self.exercise)]
        lines += [f"problem: {p}" for p in self.problems]
        if self.exercise is None:
            lines += ["  " + self._headline(ex) for ex in self._exercises()]
            lines += ["What to fix:"] if self._listed() else []
        for row in self._listed():
            mark = _mark(row)
            lines.append(f"  {mark} {row['exercise']} {_title(row)} · {row['points']:g}/{row['max_points']:g}")
            if row["status"] != "passed" and row["message"]:
                lines += ["      " + line for line in row["message"].strip().splitlines()]
            count = len(self.pictures.get(row["nodeid"], []))
            if count:
                lines.append(f"      ({count} picture{'s' * (count != 1)}: shown in Jupyter)")
        if self.graded:
            lines.append(f"(graded: {self.graded}; {self.seconds:.1f} s)")
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        if self.problem:
            return f"<pre>{html.escape(self.problem)}</pre>"
        out = [f"<p><b>{html.escape(self._headline(self.exercise))}</b></p>"]
        out += [f"<p style='color:#b22222'>problem: {html.escape(p)}</p>" for p in self.problems]
        if self.exercise is None:
            out.append("<table><tr><th>exercise</th><th>checks passed</th><th>points</th></tr>")
            for ex in self._exercises():
                rows = [c for c in self.checks if c["exercise"] == ex]
                out.append(f"<tr><td>{ex} {html.escape(self.titles.get(ex, ''))}</td>"
                           f"<td>{sum(c['status'] == 'passed' for c in rows)}/{len(rows)}</td>"
                           f"<td>{sum(c['points'] for c in rows):g}/{sum(c['max_points'] for c in rows):g}</td></tr>")
            out.append("</table>")
        listed = self._listed()
        if listed:
            out.append("<table><tr><th>exercise</th><th>check</th><th></th><th>points</th><th>message</th></tr>")
        for row in listed:
            good = row["status"] == "passed"
            colour = "#2a7a2a" if good else ("#8a6d00" if not row["max_points"] else "#b22222")
            mark = f"<span style='color:{colour}'>{_mark(row)}</span>"
            message = "" if good else html.escape(row["message"].strip())
            out.append(f"<tr><td>{row['exercise']}</td><td title='{html.escape(row['name'], quote=True)}'>"
                       f"{html.escape(_title(row))}</td><td>{mark}</td>"
                       f"<td>{row['points']:g}/{row['max_points']:g}</td>"
                       f"<td style='text-align:left;white-space:pre-wrap'>{message}</td></tr>")
        if listed:
            out.append("</table>")
        for row in self.checks:
            for png in self.pictures.get(row["nodeid"], []):
                encoded = base64.b64encode(png).decode("ascii")
                out.append(f"<p>{html.escape(_title(row))}:</p><img src='data:image/png;base64,{encoded}'>")
        if self.graded:
            out.append(f"<p style='color:#777'>graded: {html.escape(self.graded)}; {self.seconds:.1f} s</p>")
        return "\n".join(out)
