"""Grading time of a lesson's reference solution, side by side with `python -c "import torch"`, in one run.

    python bench/bench_grading.py [LESSON ...] [--repeat N]     (no LESSON: every lesson with graders)

For each lesson: the median wall time of `pytest graders/<lesson>` on the reference (public checks, then
all checks), the time spent inside the solution's own code during grading (its training), and the ratios
the targets are stated in: all checks ≤ 1.5 × (import torch + the solution's own time), public ≤ 5 s.
Where a lesson has one check worth timing alone (2.3.3's accuracy check on the real test set), its run
is timed too, and compared with import torch (target: ≤ 2 s beyond it).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ALONE = {"2_3_3": "test_best_model_reaches_88_percent"}
sys.path.insert(0, str(ROOT / "tools"))

from gradekit.assign.pipeline import lesson_sources  # noqa: E402
from gradekit.verify import solved_module  # noqa: E402


def timed(command: list[str]) -> float:
    """Wall seconds of one command run from the project root (it must succeed)."""
    started = time.perf_counter()
    subprocess.run(command, cwd=ROOT, check=True, capture_output=True)
    return time.perf_counter() - started


def grading(lesson: str, submission: Path, hidden: bool, report: Path, only: str | None = None) -> float:
    """Wall seconds of `pytest graders/<lesson>` on `submission`; the JSON report lands in `report`."""
    command = [sys.executable, "-m", "pytest", f"graders/{lesson}", "--submission", str(submission), "-q",
               "-p", "no:cacheprovider", "--grade-json", str(report)] + (["--hidden"] if hidden else [])
    command += ["-k", only] if only else []
    started = time.perf_counter()
    subprocess.run(command, cwd=ROOT, capture_output=True)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("lessons", nargs="*", help="lesson ids (default: every lesson with graders)")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    args.lessons = args.lessons or [source.parent.name for source in lesson_sources(ROOT)
                                    if (ROOT / "graders" / source.parent.name).is_dir()]
    torch_import = statistics.median(timed([sys.executable, "-c", "import torch"]) for _ in range(args.repeat))
    print(f"python -c 'import torch': {torch_import:.2f} s (median of {args.repeat})\n")
    print(f"{'lesson':8}{'public':>9}{'all':>9}{'solution code':>15}{'all / (torch + code)':>23}{'public ≤ 5 s':>14}")
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        for lesson in args.lessons:
            reference = solved_module(ROOT, lesson, folder)
            report = folder / "report.json"
            public = statistics.median(grading(lesson, reference, False, report) for _ in range(args.repeat))
            runs = []
            for _ in range(args.repeat):
                runs.append(grading(lesson, reference, True, report))
                data = json.loads(report.read_text())
                assert all(c["status"] == "passed" for c in data["checks"]), "the reference must pass every check"
            everything = statistics.median(runs)
            own = sum(c["worker_seconds"] for c in data["checks"])
            ratio = everything / (torch_import + own)
            print(f"{lesson:8}{public:>8.2f}s{everything:>8.2f}s{own:>14.2f}s{ratio:>22.2f}×"
                  f"{'yes' if public <= 5 else 'no':>14}")
            if lesson in ALONE:
                alone = statistics.median(grading(lesson, reference, False, report, ALONE[lesson])
                                          for _ in range(args.repeat))
                print(f"{'':8}{ALONE[lesson]} alone: {alone:.2f} s, {alone - torch_import:+.2f} s beyond import torch")


if __name__ == "__main__":
    main()
