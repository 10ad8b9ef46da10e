"""Grading speed of this tree against an earlier revision, side by side in one run, runs interleaved.

    python bench/bench_before_after.py [--baseline REV] [--repeat 3] [--count 20] [--jobs 2]

The earlier revision is checked out into a temporary git worktree and graded with its own package, graders
and assignments (PYTHONPATH points each run at its tree). Both trees grade the same files:

- one submission: `pytest graders/2_3_1 --submission <reference> --hidden`, the median of `--repeat` runs;
- a batch: the 20 generated 2.3.1 submissions of bench_batch.py (correct, a known mistake, a broken cell), every
  check, with `grade_batch(..., jobs=N)`: submissions per minute (target ≥ 20 on 2 cores).

The two trees alternate (before, after, before, after ...), so a busy machine slows both alike.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
sys.path.insert(0, str(ROOT / "bench"))

from bench_batch import generate  # noqa: E402
from gradekit.verify import solved_module  # noqa: E402

LESSON = "2_3_1"
BATCH = """
import json, sys
from pathlib import Path
from gradekit.grading.batch import GradeOptions, grade_batch
folders = [Path(p) for p in json.loads(sys.argv[1])]
grades = grade_batch(Path.cwd(), "2_3_1", folders, Path(sys.argv[2]), GradeOptions(jobs=int(sys.argv[3])))
print(json.dumps([g.score for g in grades]))
"""


def run_in(tree: Path, command: list[str]) -> tuple[float, str]:
    """Wall seconds and output of a command run in `tree` with that tree's package first on the path."""
    env = {**os.environ, "PYTHONPATH": str(tree / "tools")}
    started = time.perf_counter()
    done = subprocess.run(command, cwd=tree, env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if done.returncode not in (0, 1):
        raise RuntimeError(f"{command[:4]} in {tree} failed ({done.returncode}): {done.stderr[-2000:]}")
    return seconds, done.stdout


def one_submission(tree: Path, reference: Path) -> float:
    """Seconds to grade the reference with every check, in `tree` (it must earn every point)."""
    seconds, out = run_in(tree, [sys.executable, "-m", "pytest", f"graders/{LESSON}", "--submission", str(reference),
                                 "--hidden", "-q", "-p", "no:cacheprovider", "--no-feedback-page"])
    if "failed" in out.splitlines()[-1]:
        raise RuntimeError(f"the reference does not pass in {tree}: {out[-500:]}")
    return seconds


def batch(tree: Path, folders: list[Path], out: Path, jobs: int) -> tuple[float, list[float]]:
    """Seconds to grade the batch in `tree`, and the scores."""
    seconds, printed = run_in(tree, [sys.executable, "-c", BATCH, json.dumps([str(f) for f in folders]), str(out),
                                     str(jobs)])
    return seconds, json.loads(printed.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--baseline", default="b8ce675", help="the earlier revision (default: before the grading rule)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--count", type=int, default=20)
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-before-after-") as scratch:
        scratch = Path(scratch)
        before = scratch / "before"
        subprocess.run(["git", "worktree", "add", "--detach", str(before), args.baseline], cwd=ROOT, check=True,
                       capture_output=True)
        try:
            trees = {"before": before, "after": ROOT}
            reference = solved_module(ROOT, LESSON, scratch)
            singles = {name: [] for name in trees}
            for _ in range(args.repeat):
                for name, tree in trees.items():
                    singles[name].append(one_submission(tree, reference))
            (scratch / "batch").mkdir()
            folders = generate(scratch / "batch", args.count)
            batches, scores = {}, {}
            for name, tree in trees.items():
                batches[name], scores[name] = batch(tree, folders, scratch / f"out-{name}", args.jobs)
        finally:
            subprocess.run(["git", "worktree", "remove", "--force", str(before)], cwd=ROOT, capture_output=True)
    print(f"lesson {LESSON}, before = {args.baseline}, after = this tree; runs interleaved\n")
    print(f"{'':8}{'one submission, all checks (median of ' + str(args.repeat) + ')':>46}"
          f"{f'batch of {args.count}, --jobs {args.jobs}':>26}{'per minute':>12}")
    for name in trees:
        rate = 60 * args.count / batches[name]
        print(f"{name:8}{statistics.median(singles[name]):>45.2f}s{batches[name]:>25.1f}s{rate:>12.1f}")
    ratio = statistics.median(singles["after"]) / statistics.median(singles["before"])
    print(f"\none submission: after / before = {ratio:.2f}×; batch: "
          f"{60 * args.count / batches['after']:.1f}/min after (target ≥ 20)")
    print(f"scores before: {' '.join(f'{s:g}' for s in scores['before'])}")
    print(f"scores after:  {' '.join(f'{s:g}' for s in scores['after'])}")


if __name__ == "__main__":
    main()
