"""Batch grading throughput of `gradekit grade` on 20 generated lesson 2.3.1 submissions, in one run.

    python bench/bench_batch.py [--count 20] [--jobs 1 2] [--fresh-judges]

The 20 submissions are the reference solution (correct), the reference with one known mistake from
tests/corpus/2_3_1/mistakes (partly wrong) and with one broken cell from tests/corpus/2_3_1/broken (a
crash, a syntax error, a missing function, os._exit), in a fixed rotation. Each --jobs setting grades the
same batch, every check hidden ones included; the bench prints submissions per minute, the ratio between
the settings, and the cost per submission beyond the student's own compute (worker-slot seconds per
submission minus the time spent inside the probes). With --fresh-judges it also grades the batch with a fresh
`python -m pytest` process per judge (no judge server: how batches ran before warm judges), between two warm runs,
and prints the ratio. Target: ≥ 20 submissions a minute on 2 cores.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))

from gradekit.grading.batch import GradeOptions, grade_batch  # noqa: E402
from gradekit.verify import solved_module, with_cell  # noqa: E402

LESSON = "2_3_1"
BROKEN = ("crash_in_save_model", "syntax_error_in_resume_cell", "missing_resume", "os_exit_in_resume")


def replaced_exercise(path: Path) -> str | None:
    """The exercise whose cell a corpus file replaces (its REPLACES line), if any."""
    for line in path.read_text().splitlines():
        if line.startswith("REPLACES = "):
            return line.split("=", 1)[1].strip().strip("\"'")
    return None


def generate(folder: Path, count: int) -> list[Path]:
    """`count` submissions: correct, one mistake, or one broken cell, in rotation."""
    corpus = ROOT / "tests" / "corpus" / LESSON
    mistakes = sorted((corpus / "mistakes").glob("*.py"))
    broken = [corpus / "broken" / f"{name}.py" for name in BROKEN]
    reference = solved_module(ROOT, LESSON, folder).read_text()
    made = []
    for index in range(count):
        kind = ("correct", "mistake", "mistake", "broken")[index % 4]
        extra = {"correct": None, "mistake": mistakes[index % len(mistakes)], "broken": broken[index % len(broken)]}[kind]
        text = reference if extra is None else with_cell(reference, extra.read_text(), replaced_exercise(extra))
        target = folder / f"student{index:02d}" / "saving_and_loading.py"
        target.parent.mkdir()
        target.write_text(text)
        made.append(target.parent)
    return made


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--count", type=int, default=20)
    parser.add_argument("--jobs", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--fresh-judges", action="store_true",
                        help="also grade at the highest --jobs with a fresh process per judge (no judge server), "
                             "interleaved with the warm runs, and print the ratio")
    args = parser.parse_args()
    runs = [(jobs, True) for jobs in args.jobs]
    if args.fresh_judges:
        runs += [(max(args.jobs), False), (max(args.jobs), True)]
    with tempfile.TemporaryDirectory(prefix="bench-batch-") as scratch:
        submissions = generate(Path(scratch), args.count)
        rates: dict[tuple[int, bool], list[float]] = {}
        print(f"{len(submissions)} submissions of lesson {LESSON}, every check (hidden included)")
        print(f"{'jobs':>4} {'judges':>6} {'wall s':>8} {'per minute':>11} {'compute s/sub':>14} {'overhead s/sub':>15}"
              "  scores")
        for number, (jobs, warm) in enumerate(runs):
            started = time.perf_counter()
            grades = grade_batch(ROOT, LESSON, submissions, Path(scratch) / f"out-{number}",
                                 GradeOptions(jobs=jobs, warm_judges=warm))
            wall = time.perf_counter() - started
            compute = sum(g.compute_seconds for g in grades) / len(grades)
            overhead = wall * jobs / len(grades) - compute
            rates.setdefault((jobs, warm), []).append(60 * len(grades) / wall)
            scores = " ".join(f"{g.score:g}" for g in grades)
            print(f"{jobs:>4} {'warm' if warm else 'fresh':>6} {wall:>8.1f} {rates[jobs, warm][-1]:>11.1f} "
                  f"{compute:>14.2f} {overhead:>15.2f}  {scores}")
        rate = {key: max(values) for key, values in rates.items()}
        if len(args.jobs) > 1:
            first, last = min(args.jobs), max(args.jobs)
            print(f"throughput --jobs {last} / --jobs {first}: {rate[last, True] / rate[first, True]:.2f}x")
        if args.fresh_judges:
            top = max(args.jobs)
            print(f"throughput warm judges / fresh judges at --jobs {top} (best of each): "
                  f"{rate[top, True] / rate[top, False]:.2f}x")
        best = max(rate.values())
        print(f"target ≥ 20 submissions/min: {'met' if best >= 20 else 'missed'} ({best:.1f}/min)")


if __name__ == "__main__":
    main()
