"""Grading time of a lesson's reference solution, side by side with `python -c "import torch"`, in one run.

    python bench/bench_grading.py [LESSON ...] [--repeat N] [--tiny] [--baseline REV]

Without a lesson, every lesson in graders/. `--tiny` first times the harness's fixed cost: a throwaway lesson
whose 12 checks compute almost nothing (bench/tiny_lesson.py, written into a temporary course folder), graded with
all checks, against import torch (target: ≤ 1.5 ×). `--baseline REV` grades the same files with the revision REV
too (a temporary git worktree, its own package first on the path), runs interleaved, and prints both.

For each lesson: the median wall time of `pytest graders/<lesson>` on the reference (public checks, then
all checks), the time spent inside the solution's own code during grading (its training), and the ratios
the targets are stated in: all checks ≤ 1.5 × import torch (module 2.1), ≤ 1.5 × (import torch + the solution's
own time), public ≤ 5 s. Where the lesson's code makes torch import more of itself lazily (torch._dynamo, about a
second, the first time any optimizer is built), `python -c "import torch, <those>"` is timed too: the least any
process that runs the lesson's code spends in torch's imports, and the grading's ratio to it.
Where a lesson has one check worth timing alone (2.3.3's and 2.2.2's accuracy checks, from the learner's
checkpoint, on the real test set), its run is timed too, and compared with import torch (target: ≤ 2 s beyond it).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ALONE = {"2_3_3": "test_best_model_reaches_88_percent",  # the checkpoint on the 10 000 real test images
         "2_2_2": "test_mnist_model_reaches_97_percent"}
sys.path.insert(0, str(ROOT / "tools"))
sys.path.insert(0, str(ROOT / "bench"))

from gradekit.verify import solved_module  # noqa: E402
from tiny_lesson import LESSON as TINY, checks_count, write_tiny_lesson  # noqa: E402


def timed(command: list[str]) -> float:
    """Wall seconds of one command run from the project root (it must succeed)."""
    started = time.perf_counter()
    subprocess.run(command, cwd=ROOT, check=True, capture_output=True)
    return time.perf_counter() - started


def grading(lesson: str, submission: Path, hidden: bool, report: Path, only: str | None = None,
            course: Path = ROOT, package: Path | None = None) -> float:
    """Wall seconds of `pytest graders/<lesson>` on `submission`, run in `course` (with `package`'s gradekit first
    on the path: a baseline's); the JSON report lands in `report`."""
    command = [sys.executable, "-m", "pytest", f"graders/{lesson}", "--submission", str(submission), "-q",
               "-p", "no:cacheprovider", "--grade-json", str(report)] + (["--hidden"] if hidden else [])
    command += ["-k", only] if only else []
    env = {**os.environ, **({"PYTHONPATH": str(package)} if package else {})}
    started = time.perf_counter()
    subprocess.run(command, cwd=course, capture_output=True, env=env)
    return time.perf_counter() - started


def all_passed(report: Path, count: int | None = None) -> bool:
    """Whether the run's JSON report has every check passed (and `count` of them)."""
    checks = json.loads(report.read_text())["checks"]
    return all(c["status"] == "passed" for c in checks) and (count is None or len(checks) == count)


def every_lesson() -> list[str]:
    return sorted(p.name for p in (ROOT / "graders").iterdir() if re.fullmatch(r"\d+_\d+_\d+", p.name))


def baseline_tree(revision: str, scratch: Path) -> Path:
    """A git worktree of `revision` in `scratch` (removed again by `drop_tree`)."""
    tree = scratch / "baseline"
    subprocess.run(["git", "worktree", "add", "--detach", str(tree), revision], cwd=ROOT, check=True,
                   capture_output=True)
    return tree


def drop_tree(tree: Path) -> None:
    subprocess.run(["git", "worktree", "remove", "--force", str(tree)], cwd=ROOT, capture_output=True)


def tiny(folder: Path, repeat: int, torch_import: float, baseline: Path | None) -> None:
    """The fixed cost: grading a lesson whose checks compute almost nothing, beside import torch."""
    submission = write_tiny_lesson(folder / "tiny")
    report = folder / "tiny.json"
    trees = {"this tree": ROOT / "tools", **({"baseline": baseline / "tools"} if baseline else {})}
    times: dict[str, list[float]] = {name: [] for name in trees}
    torch_runs = [torch_import]
    for _ in range(repeat):  # interleaved, so a busy machine slows every column alike
        torch_runs.append(timed([sys.executable, "-c", "import torch"]))
        for name, package in trees.items():
            times[name].append(grading(TINY, submission, True, report, course=folder / "tiny", package=package))
            assert all_passed(report, checks_count()), f"{name}: the tiny lesson must pass all {checks_count()} checks"
    torch_median = statistics.median(torch_runs)
    print(f"tiny lesson ({checks_count()} checks, all, almost no compute), import torch {torch_median:.2f} s:")
    for name, runs in times.items():
        median = statistics.median(runs)
        print(f"  {name:10} {median:6.2f} s  = {median / torch_median:.2f} × import torch "
              f"(runs {', '.join(f'{r:.2f}' for r in runs)})  target ≤ 1.5 ×: {'yes' if median <= 1.5 * torch_median else 'no'}")
    print()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("lessons", nargs="*", help="lessons to time (default: every lesson in graders/)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--tiny", action="store_true", help="time the harness's fixed cost on a throwaway lesson")
    parser.add_argument("--tiny-only", action="store_true", help="only that")
    parser.add_argument("--baseline", metavar="REV", help="also time the revision REV (tiny lesson and -k runs)")
    parser.add_argument("-k", dest="only", metavar="EXPR", help="time only the checks pytest's -k selects")
    args = parser.parse_args()
    lessons = [] if args.tiny_only else (args.lessons or every_lesson())
    torch_import = statistics.median(timed([sys.executable, "-c", "import torch"]) for _ in range(args.repeat))
    print(f"python -c 'import torch': {torch_import:.2f} s (median of {args.repeat})\n")
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        baseline = baseline_tree(args.baseline, folder) if args.baseline else None
        try:
            if args.tiny or args.tiny_only:
                tiny(folder, args.repeat, torch_import, baseline)
            if args.only:
                selected(folder, lessons, args.only, args.repeat, baseline)
            else:
                whole(folder, lessons, args.repeat, torch_import)
        finally:
            if baseline is not None:
                drop_tree(baseline)


def selected(folder: Path, lessons: list[str], only: str, repeat: int, baseline: Path | None) -> None:
    """All checks that `-k only` selects, per lesson, beside import torch (and the baseline, interleaved)."""
    for lesson in lessons:
        reference = solved_module(ROOT, lesson, folder)
        report = folder / "report.json"
        trees = {"this tree": (ROOT, ROOT / "tools"), **({"baseline": (baseline, baseline / "tools")} if baseline else {})}
        times: dict[str, list[float]] = {name: [] for name in trees}
        torch_runs = []
        for _ in range(repeat):
            torch_runs.append(timed([sys.executable, "-c", "import torch"]))
            for name, (course, package) in trees.items():
                times[name].append(grading(lesson, reference, True, report, only, course=course, package=package))
        torch_median = statistics.median(torch_runs)
        print(f"{lesson} -k {only!r}, import torch {torch_median:.2f} s:")
        for name, runs in times.items():
            median = statistics.median(runs)
            print(f"  {name:10} {median:6.2f} s  = {median / torch_median:.2f} × import torch "
                  f"(runs {', '.join(f'{r:.2f}' for r in runs)})")


def torch_imports(lesson: str, reference: Path) -> list[str]:
    """What torch imports lazily for this lesson's code or probes, beyond `import torch` (torch._dynamo where an
    optimizer is built): the pool imports it once, and no process that runs the lesson's code can skip it."""
    from gradekit.harness.client import IMPORTED_BY_TORCH, preload_for
    from gradekit.harness.submission import read_submission

    probes = ROOT / "graders" / lesson / "probes.py"
    wanted = preload_for(read_submission(reference, reference.stem), probes.read_text() if probes.exists() else "")
    return [name for name in wanted if name in IMPORTED_BY_TORCH]


def whole(folder: Path, lessons: list[str], repeat: int, torch_import: float) -> None:
    """Each lesson's reference with the public checks and with all checks, beside import torch, beside torch with
    what it imports lazily for the lesson's code, and beside import torch plus the solution's own compute."""
    if lessons:
        print(f"{'lesson':8}{'public':>9}{'all':>9}{'all / import torch':>20}{'torch + lazy imports':>22}"
              f"{'all / that':>12}{'solution code':>15}{'all / (torch + code)':>23}{'public ≤ 5 s':>14}")
    lazy_times: dict[tuple[str, ...], float] = {(): torch_import}
    for lesson in lessons:
        reference = solved_module(ROOT, lesson, folder)
        lazy = tuple(torch_imports(lesson, reference))
        if lazy not in lazy_times:
            lazy_times[lazy] = statistics.median(timed([sys.executable, "-c", f"import torch, {', '.join(lazy)}"])
                                                 for _ in range(repeat))
        report = folder / "report.json"
        public = statistics.median(grading(lesson, reference, False, report) for _ in range(repeat))
        runs = []
        for _ in range(repeat):
            runs.append(grading(lesson, reference, True, report))
            data = json.loads(report.read_text())
            assert all(c["status"] == "passed" for c in data["checks"]), "the reference must pass every check"
        everything = statistics.median(runs)
        own = sum(c["worker_seconds"] for c in data["checks"])
        ratio = everything / (torch_import + own)
        floor = lazy_times[lazy]
        print(f"{lesson:8}{public:>8.2f}s{everything:>8.2f}s{everything / torch_import:>19.2f}×{floor:>21.2f}s"
              f"{everything / floor:>11.2f}×{own:>14.2f}s{ratio:>22.2f}×{'yes' if public <= 5 else 'no':>14}")
        if lesson in ALONE:
            alone = statistics.median(grading(lesson, reference, False, report, ALONE[lesson])
                                      for _ in range(repeat))
            print(f"{'':8}{ALONE[lesson]} alone: {alone:.2f} s, {alone - torch_import:+.2f} s beyond import torch")
    for lazy, seconds in lazy_times.items():
        if lazy:
            print(f"torch + lazy imports: python -c 'import torch, {', '.join(lazy)}': {seconds:.2f} s")


if __name__ == "__main__":
    main()
