"""Prove the graders: the reference solution scores 100 %, the starter 0 %, lesson by lesson.

Grading always goes through `pytest graders/<lesson>` in a subprocess, exactly as a student or CI runs it.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from .assign.pipeline import build, lesson_sources
from .assign.source import read_source
from .grading.service import GradingService
from .lesson_parts import describe, lacking


def grade(root: Path, lesson: str, submission: Path, hidden: bool = True, extra: tuple[str, ...] = (),
          timeout: float = 900, service: GradingService | None = None) -> dict:
    """Run `pytest graders/<lesson> --submission PATH` and return its JSON report (plus the terminal output);
    through `service` when given (its warm pool and judges), else as a process of its own."""
    with tempfile.TemporaryDirectory(prefix="gradekit-verify-") as scratch:
        report = Path(scratch) / "report.json"
        command = [sys.executable, "-m", "pytest", f"graders/{lesson}", "--submission", str(submission),
                   "--grade-json", str(report), "-q", "-p", "no:cacheprovider", *extra]
        if hidden:
            command.append("--hidden")
        if service is None:
            done = subprocess.run(command, cwd=root, capture_output=True, text=True, timeout=timeout)
            terminal, errors = done.stdout, done.stderr
        else:
            exit_code, output = service.run(command, timeout)
            terminal, errors = output.decode("utf-8", errors="replace"), f"exit code {exit_code}"
        if not report.exists():
            raise RuntimeError(f"grading {submission} wrote no report:\n{terminal[-3000:]}\n{errors[-3000:]}")
        data = json.loads(report.read_text())
        data["terminal"] = terminal
        return data


def solved_module(root: Path, lesson: str, folder: Path) -> Path:
    """Write the lesson's reference module (the starter with the solutions in place) into `folder`,
    with the artifacts its graders expect beside it (committed in solutions/<lesson>/, else trained and cached)."""
    text, module = reference_text(root, lesson)
    path = folder / f"{module}.py"
    path.write_text(text, encoding="utf-8")
    for artifact in reference_files(root, lesson, path.resolve(), text):
        shutil.copy(artifact, folder / artifact.name)
    return path


def reference_text(root: Path, lesson: str) -> tuple[str, str]:
    """The reference module's text and module name."""
    from .assign.outputs import starter_module

    source = read_source(next(p for p in lesson_sources(root, [lesson])))
    return starter_module(source, solved=True), source.module


def recipe_of(root: Path, lesson: str) -> Path | None:
    """graders/<lesson>/reference_artifacts.py: what the reference must produce before it is graded, if anything."""
    recipe = (root / "graders" / lesson / "reference_artifacts.py").resolve()
    return recipe if recipe.exists() else None


def artifacts_digest(recipe: Path, text: str) -> str:
    """The version of a reference's artifacts: the reference module's text and its recipe's."""
    return hashlib.sha256((text + recipe.read_text()).encode()).hexdigest()[:16]


def committed_artifacts(root: Path, lesson: str) -> Path:
    """Where the reference's trained artifacts are committed, one folder named by their digest: a fresh clone (CI,
    a new instructor) grades the reference without training it for minutes first."""
    return root / "solutions" / lesson / "reference_artifacts"


def reference_files(root: Path, lesson: str, module: Path, text: str) -> list[Path]:
    """The reference's artifacts for this version of it: the committed ones, else trained once and cached."""
    recipe = recipe_of(root, lesson)
    if recipe is None:
        return []
    digest = artifacts_digest(recipe, text)
    committed = committed_artifacts(root, lesson) / digest
    folder = committed if committed.is_dir() else reference_artifacts(recipe, module, digest)
    return sorted(p for p in folder.iterdir() if p.is_file())


def stale_artifacts(root: Path, lessons: list[str] | None = None) -> list[str]:
    """The lessons whose committed reference artifacts are missing or were made from another version."""
    stale = []
    for path in lesson_sources(root, lessons):
        lesson = path.parent.name
        recipe = recipe_of(root, lesson)
        if recipe is not None and not (committed_artifacts(root, lesson) / artifacts_digest(
                recipe, reference_text(root, lesson)[0])).is_dir():
            stale.append(lesson)
    return stale


def refresh_artifacts(root: Path, lessons: list[str] | None = None) -> list[Path]:
    """Train (or take from the cache) the stale lessons' reference artifacts and commit them in solutions/."""
    written = []
    for lesson in stale_artifacts(root, lessons):
        print(f"{lesson}: the reference's artifacts for this version (graders/{lesson}/reference_artifacts.py: "
              "trained unless this machine's cache holds them, minutes)...", flush=True)
        with tempfile.TemporaryDirectory(prefix="gradekit-artifacts-") as scratch:
            text, module = reference_text(root, lesson)
            path = Path(scratch) / f"{module}.py"
            path.write_text(text, encoding="utf-8")
            recipe = recipe_of(root, lesson)
            digest = artifacts_digest(recipe, text)
            files = reference_artifacts(recipe, path.resolve(), digest)
            shutil.rmtree(committed_artifacts(root, lesson), ignore_errors=True)
            shutil.copytree(files, committed_artifacts(root, lesson) / digest)
        written += sorted((committed_artifacts(root, lesson) / digest).iterdir())
    return written


def with_cell(module_text: str, cell: str, replaces: str | None = None) -> str:
    """A module with one more cell, or with `cell` in place of exercise `replaces`'s graded cell (a variant
    of the reference: a known mistake, a broken cell, another correct reading)."""
    if not replaces:
        return module_text + "\n\n# %%\n" + cell
    cells = module_text.split("\n# %%\n")
    index = next(i for i, c in enumerate(cells) if c.startswith(f"# [graded] {replaces} "))
    cells[index] = cell
    return "\n# %%\n".join(cells)


def reference_artifacts(recipe: Path, module: Path, digest: str) -> Path:
    """Run the lesson's reference_artifacts.build(module, folder) once per version (`digest`) on this machine, in the
    user's cache; return the folder."""
    cache = Path(os.environ.get("GRADEKIT_CACHE", Path.home() / ".cache" / "gradekit")) / recipe.parent.name / digest
    if (cache / "done").exists():
        return cache / "files"
    files = cache / "files"
    files.mkdir(parents=True, exist_ok=True)
    with open(cache / "lock", "w") as lock:  # tests in parallel (pytest -n 2) wait for one training, not run two
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (cache / "done").exists():
            _build_artifacts(recipe, module, files)
            (cache / "done").touch()
    return files


def _build_artifacts(recipe: Path, module: Path, files: Path) -> None:
    """Run the recipe's build(module, files) in a fresh interpreter, inside `files`."""
    script = (
        "import importlib.util, sys; from pathlib import Path\n"
        "def load(name, path):\n"
        "    spec = importlib.util.spec_from_file_location(name, path); m = importlib.util.module_from_spec(spec)\n"
        "    sys.modules[name] = m; spec.loader.exec_module(m); return m\n"
        f"module = load({module.stem!r}, {str(module)!r})\n"
        f"load('reference_artifacts', {str(recipe)!r}).build(module, Path({str(files)!r}))\n"
    )
    subprocess.run([sys.executable, "-c", script], cwd=files, check=True, timeout=1800)


def score(report: dict, lesson: str) -> tuple[float, float]:
    """Points earned and possible for one lesson in a report."""
    data = report["lessons"].get(lesson, {"points": 0.0, "max_points": 0.0})
    return data["points"], data["max_points"]


def verify(root: Path, lessons: list[str] | None = None, hidden: bool = True) -> int:
    """Build, then grade each lesson's reference and starter; print the table; 0 when every claim holds."""
    result = build(root, lessons)
    for path in result.written + refresh_artifacts(root, lessons):
        print(f"wrote {path.relative_to(root)}")
    graded = [p.parent.name for p in lesson_sources(root, lessons) if (root / "graders" / p.parent.name).is_dir()]
    rows, ok = [], True
    with tempfile.TemporaryDirectory(prefix="gradekit-reference-") as scratch, GradingService(root) as service:
        for lesson in graded:
            reference = solved_module(root, lesson, Path(scratch))
            manifest = json.loads((root / "assignments" / lesson / "manifest.json").read_text())
            starter = root / "assignments" / lesson / manifest["module"]
            got_ref, max_ref = score(grade(root, lesson, reference, hidden, service=service), lesson)
            got_start, max_start = score(grade(root, lesson, starter, hidden, service=service), lesson)
            good = max_ref > 0 and got_ref == max_ref and got_start == 0
            ok &= good
            rows.append((lesson, got_ref, max_ref, got_start, max_start, good))
    print(f"\n{'lesson':8}{'reference solution':>22}{'starter':>18}   verdict")
    for lesson, got_ref, max_ref, got_start, max_start, good in rows:
        ref = f"{got_ref:g}/{max_ref:g} ({100 * got_ref / max_ref if max_ref else 0:.0f} %)"
        start = f"{got_start:g}/{max_start:g} ({100 * got_start / max_start if max_start else 0:.0f} %)"
        print(f"{lesson:8}{ref:>22}{start:>18}   {'ok' if good else 'WRONG: expected 100 % and 0 %'}")
    checks = "all checks, hidden included" if hidden else "public checks"
    print(f"\n{len(rows)} lesson(s) graded with {checks}: {'every claim holds' if ok else 'some claims fail'}")
    missing = [describe(lesson, parts) for lesson in graded if (parts := lacking(root, lesson))]
    print("\n" + "\n".join(missing) if missing else
          "Every lesson has its corpus of mistakes and correct variants, attack tests, notebook test and hidden checks.")
    return 0 if ok and rows else 1
