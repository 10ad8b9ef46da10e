"""What a lesson's grader checks (graders/<lesson>/test_*.py) use: the one API for check authors.

A check is a pytest test in `graders/<lesson>/`, marked with its exercise and its points (both required):

    pytestmark = pytest.mark.exercise("2_1_1.ex2")

    @pytest.mark.points(2)
    def test_linear_forward_is_a_matrix_product(run):
        \"\"\"linear_forward(X, w, b) computes X @ w + b for the whole batch.\"\"\"   # the title a learner reads
        out = run("linear_forward_values", doing="linear_forward(X, w, b)", batch=4)
        close_tensor(out["returned"], out["expected"], "linear_forward(X, w, b)")

`run(probe, doing=..., **args)` asks a sandboxed worker to run `probe(student, **args)` from the lesson's
`probes.py` (see `gradekit.probe` for the probe side) and returns its reply: plain data, `WireTensor`s for
tensors. When the student's code raised, hung or crashed, `run` fails the check itself with a message naming
`doing` and the student's line. `run.reference(probe, **args)` runs a `@reference_run` probe (the grader's
own code, no student process), computed once per batch. `run.attempt(...)` returns the outcome instead of
failing, for checks that judge the error itself.

What comes back from the student's process is the student's word, its shape included: a loop over the answers to
the grader's cases goes through `each_case(answers, cases, what)`, which fails the check unless there is exactly one
answer per case (an empty reply would pass the loop with nothing checked); probes use `one_per_case` likewise.

`expect(condition, message)` / `fail(message)` end the check with a message in the course's words and the
numbers that show what went wrong, never a grader traceback. `same_tensor` compares exactly, `close_tensor`
within tolerance (rtol, atol). `figure(...)` attaches a picture (a loss curve, per-class bars) to the
feedback page. `grading_settings(n)` is the Hypothesis profile for checks that draw their inputs.

The probes module is importable from checks as `lesson_probes` (hidden checks: `lesson_probes_1`) only inside
the worker; checks never import student code or probe code directly.
"""

from __future__ import annotations

from .harness.feedback import close_tensor, each_case, expect, fail, figure, fmt, same_tensor
from .harness.wire import WireTensor


def grading_settings(max_examples: int):
    """Hypothesis settings for a grader check (harness/hypothesis_settings.py); Hypothesis is imported only by
    lessons whose checks use it, not by every grading run."""
    from .harness.hypothesis_settings import grading_settings as settings

    return settings(max_examples)


__all__ = ["expect", "fail", "each_case", "same_tensor", "close_tensor", "figure", "fmt", "grading_settings",
           "WireTensor"]
