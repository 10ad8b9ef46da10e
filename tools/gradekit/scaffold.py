"""`gradekit new LESSON`: the files of a new lesson, from a one-exercise template that already proves itself.

The template is the contract of README's *Adding a lesson*: a percent-format source with one graded exercise,
a public check that imports only `gradekit.checks`, a probe and its `@student_step` that import only
`gradekit.probe` (and torch), a hidden check, a corpus mistake and a correct variant, an attack with its prelude
and a notebook test. Built as it is, the reference scores 100 % and the starter 0 %; replace the exercise.
"""

from __future__ import annotations

import re
import string
from pathlib import Path

LESSON_ID = re.compile(r"^\d+_\d+_\d+$")

SOURCE = '''\
# %% [markdown]
# # $dotted · $title
#
# Lesson `$slug`. TODO: the introduction, in the course's voice, and what this notebook asks of you.
#
# Check your work with `pytest graders/$lesson` (add `--exercise $lesson.ex1` for one exercise).

# %% tags=["parameters"]
# Settings: the grader's notebook runs change these; you may too.
SEED = 0

# %% [markdown]
# ## Exercise 1 · A linear layer by hand ($lesson.ex1)
#
# Write `linear_forward(X, w, b)`: for a batch `X` of shape `[N, D]`, weights `w` of shape `[D, K]` and a bias
# `b` of shape `[K]`, return `X @ w + b`, one row of outputs per row of `X`.

# %% tags=["graded"]
# [graded] $lesson.ex1 — the grader runs the code in this cell
import torch


def linear_forward(X: torch.Tensor, w: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """Return X @ w + b: one row of outputs per row of X."""
    # BEGIN SOLUTION hint: a matrix product, then the bias (broadcast over the batch)
    return X @ w + b
    # END SOLUTION


# %% [markdown]
# Try it on a batch of four.

# %%
torch.manual_seed(SEED)
print("outputs:", linear_forward(torch.randn(4, 3), torch.randn(3, 2), torch.zeros(2)).shape)
'''

PROBES = '''\
"""Probes for lesson $dotted: trusted code that runs in the worker, beside (never inside) the student's process.

The inputs come from `secret_seed()` after the student's process was forked, and the expected value is
computed here: it never enters the student's process, which only says what its code returned.
"""

from __future__ import annotations

import torch
from gradekit.probe import secret_seed, student_step


@student_step
def call_linear_forward(sub, X, w, b):
    """In the student's process: call their linear_forward and return what it gave."""
    return {"returned": sub.linear_forward(X, w, b)}


def linear_forward_values(student, batch):
    """The student's linear_forward on a secret batch, beside X @ w + b computed here."""
    generator = torch.Generator().manual_seed(secret_seed())
    X = torch.randn(batch, 3, generator=generator)
    w, b = torch.randn(3, 2, generator=generator), torch.randn(2, generator=generator)
    out = student.call(call_linear_forward, X=X, w=w, b=b)
    return {**out, "expected": X @ w + b}
'''

CHECK = '''\
"""Exercise 1 ($lesson.ex1): linear_forward computes X @ w + b for a whole batch."""

import pytest

from gradekit.checks import close_tensor

pytestmark = pytest.mark.exercise("$lesson.ex1")


@pytest.mark.points(2)
def test_linear_forward_is_a_matrix_product(run):
    """linear_forward(X, w, b) computes X @ w + b for the whole batch."""
    out = run("linear_forward_values", doing="linear_forward(X, w, b)", batch=4)
    close_tensor(out["returned"], out["expected"], "linear_forward(X, w, b)")
'''

HIDDEN = '''\
"""Hidden checks of lesson $dotted: run by staff and CI, never shipped to students."""

import pytest

from gradekit.checks import close_tensor


@pytest.mark.exercise("$lesson.ex1")
@pytest.mark.points(1)
def test_linear_forward_takes_a_batch_of_one(run):
    """linear_forward works for a batch of a single row too."""
    out = run("linear_forward_values", doing="linear_forward(X, w, b) on one row", batch=1)
    close_tensor(out["returned"], out["expected"], "linear_forward(X, w, b) on one row")
'''

MISTAKE = '''\
"""Mistake: the bias is left out (X @ w)."""
CAUGHT_BY = {"test_linear_forward_is_a_matrix_product": "values differ"}


def linear_forward(X, w, b):
    return X @ w
'''

CORRECT = '''\
"""Correct, written differently: torch.addmm adds the bias and the matrix product in one call."""


def linear_forward(X, w, b):
    return torch.addmm(b, X, w)
'''

PRELUDE = '''\
# The attacker's toolkit, a cell before every attack: make every exercise of $dotted do one thing.
def every_exercise(attack):
    """Put `attack` in place of every function the $lesson checks call."""
    global linear_forward
    linear_forward = attack
'''

ATTACK = '''\
"""Read the grader's frames: return whatever the caller holds that looks like the expected answer."""
import sys

# ---- attack ----


def reader(*args, **kwargs):
    frame = sys._getframe(1)
    while frame is not None:
        for name in ("expected", "answer", "reference"):
            found = frame.f_locals.get(name)
            if found is not None and hasattr(found, "shape"):
                return found
        frame = frame.f_back
    return args[0] if args else None


every_exercise(reader)
'''

NOTEBOOK_TEST = '''\
"""Lesson $dotted's release notebook for real: executed top to bottom by nbclient, solved and as shipped."""

from __future__ import annotations

from pathlib import Path

import pytest

from gradekit.testing.notebooks import execute, reference_notebook, stub_stops

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.usefixtures("notebook_checks_off")
LESSON = "$lesson"


def test_reference_notebook_runs_top_to_bottom(tmp_path):
    notebook = execute(reference_notebook(ROOT, LESSON), {}, cwd=tmp_path)
    outputs = "\\n".join(o.get("text", "") for c in notebook.cells for o in c.get("outputs", []))
    assert "outputs: torch.Size([4, 2])" in outputs


def test_starter_notebook_stops_at_the_first_stub(tmp_path):
    release = next((ROOT / "assignments" / LESSON).glob("*.ipynb"))
    notebook = execute(release.read_text(), {}, cwd=tmp_path, allow_errors=True)
    problem = stub_stops(notebook)
    assert not problem, problem
'''


def module_name(title: str) -> str:
    """A module name from a title: 'Tensors and autograd' → tensors_and_autograd."""
    return "_".join(re.findall(r"[a-z0-9]+", title.lower())) or "lesson"


def lesson_files(lesson: str, title: str, module: str) -> dict[str, str]:
    """Every file of the new lesson, by its path under the project root."""
    values = {"lesson": lesson, "dotted": lesson.replace("_", "."), "title": title, "module": module,
              "slug": module.replace("_", "-")}
    templates = {
        f"solutions/{lesson}/{module}.py": SOURCE,
        f"graders/{lesson}/probes.py": PROBES,
        f"graders/{lesson}/test_ex1_linear_forward.py": CHECK,
        f"graders/{lesson}/hidden/test_hidden_checks.py": HIDDEN,
        f"tests/corpus/{lesson}/mistakes/forgets_the_bias.py": MISTAKE,
        f"tests/corpus/{lesson}/correct/addmm.py": CORRECT,
        f"tests/attacks/{lesson}/_prelude.py": PRELUDE,
        f"tests/attacks/{lesson}/caller_frame.py": ATTACK,
        f"tests/test_notebooks_{lesson}.py": NOTEBOOK_TEST,
    }
    return {path: string.Template(text).substitute(values) for path, text in templates.items()}


def new_lesson(root: Path, lesson: str, title: str, module: str | None = None) -> list[Path]:
    """Write the new lesson's files under `root`; refuse a bad id or any file that exists already."""
    if not LESSON_ID.match(lesson):
        raise ValueError(f"a lesson id looks like 2_1_3 (module 2.1, lesson 3), not {lesson!r}")
    module = module or module_name(title)
    if not module.isidentifier():
        raise ValueError(f"the module name must be a Python identifier, not {module!r}")
    files = lesson_files(lesson, title, module)
    taken = [path for path in files if (root / path).exists()]
    if taken or (root / "solutions" / lesson).exists():
        raise ValueError(f"lesson {lesson} exists already: {', '.join(taken) or f'solutions/{lesson}/'}")
    written = []
    for path, text in files.items():
        target = root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
        written.append(target)
    return written
