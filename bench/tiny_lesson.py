"""A throwaway 2.1-sized lesson whose exercises compute almost nothing: what grading it costs is the harness's own.

`write_tiny_lesson(folder)` lays out a course folder (graders/9_9_1/, assignments/9_9_1/manifest.json) and a
solved submission, so `pytest graders/9_9_1 --submission <it>` run there measures the fixed cost of a grading run:
pytest, the judge, the pool's torch import, a dozen sandboxed workers (each a secret input and one tiny tensor
operation), the reports. Used by bench_grading.py until the 2.1 lessons are on main.
"""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

LESSON = "9_9_1"
# exercise -> (function, its body on tensors a and b, what the check says)
EXERCISES = {
    "ex1": ("add", "a + b", "adds two tensors element by element"),
    "ex2": ("scale", "a * b", "multiplies two tensors element by element"),
    "ex3": ("matmul", "a @ b.T", "multiplies a by b's transpose"),
    "ex4": ("flatten_sum", "(a + b).flatten().sum()", "sums the flattened tensor"),
}
SIZES = (2, 5, 9)  # one check per size: three distinct worker calls per exercise

PROBES = '''
"""Probes of the throwaway lesson: secret inputs, the student's result and the grader's, side by side."""

import torch

from gradekit.probe import secret_seed, student_step

REFERENCE = {REFERENCE}


@student_step
def call(sub, name, a, b):
    return getattr(sub, name)(a, b)


def apply(student, name, n):
    generator = torch.Generator().manual_seed(secret_seed())
    a, b = torch.randn(n, 4, generator=generator), torch.randn(n, 4, generator=generator)
    return {{"returned": student.call(call, name=name, a=a, b=b), "expected": REFERENCE[name](a, b)}}
'''

CHECKS = '''
import pytest

from gradekit.checks import close_tensor

pytestmark = pytest.mark.exercise("{lesson}.{exercise}")
{checks}
'''

CHECK = '''

@pytest.mark.points(1)
def test_{name}_{n}_rows(run):
    """{name}(a, b) {says} ({n} rows)."""
    out = run("apply", doing="{name}(a, b)", name="{name}", n={n})
    close_tensor(out["returned"], out["expected"], "{name}(a, b)")
'''


def write_tiny_lesson(folder: Path) -> Path:
    """Write the lesson's graders and manifest into `folder` (a course folder); return the solved submission."""
    graders = folder / "graders" / LESSON
    graders.mkdir(parents=True, exist_ok=True)
    reference = "{" + ", ".join(f'"{name}": lambda a, b: {body}' for name, body, _ in EXERCISES.values()) + "}"
    (graders / "probes.py").write_text(PROBES.format(REFERENCE=reference).lstrip())
    for exercise, (name, _, says) in EXERCISES.items():
        checks = "".join(CHECK.format(name=name, n=n, says=says) for n in SIZES)
        (graders / f"test_{exercise}_{name}.py").write_text(CHECKS.format(lesson=LESSON, exercise=exercise,
                                                                          checks=checks).lstrip())
    assignments = folder / "assignments" / LESSON
    assignments.mkdir(parents=True, exist_ok=True)
    manifest = {"lesson": LESSON, "title": "9.9.1 · Tiny tensors", "module": "tiny.py", "notebook": "tiny.ipynb",
                "exercises": [{"id": f"{LESSON}.{e}", "title": name} for e, (name, _, _) in EXERCISES.items()]}
    (assignments / "manifest.json").write_text(json.dumps(manifest, indent=1))
    cells = ["# %%\n# Tiny tensors: nothing but the harness costs time here.\n"]
    for exercise, (name, body, _) in EXERCISES.items():
        cells.append(textwrap.dedent(f'''\
            # %% tags=["graded"]
            # [graded] {LESSON}.{exercise} — the grader runs the code in this cell
            import torch


            def {name}(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
                return {body}
            '''))
    submission = folder / "solved" / "tiny.py"
    submission.parent.mkdir(parents=True, exist_ok=True)
    submission.write_text("\n\n".join(cells))
    return submission


def checks_count() -> int:
    return len(EXERCISES) * len(SIZES)
