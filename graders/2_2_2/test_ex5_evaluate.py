"""Exercise 5 (2_2_2.ex5): evaluate counts every sample, in eval mode, without recording gradients.

evaluate runs on a lookup model over samples the worker drew (secret): it predicts right only in eval mode under
no_grad (with gradients recorded it predicts the next class, in train mode a dropout scrambles it), so every
verdict rests on the value evaluate returns, against counts made in the worker.
"""

import pytest

from gradekit.checks import expect, fail

pytestmark = pytest.mark.exercise("2_2_2.ex5")

COUNT, BATCH = 45, 16  # batches of 16, 16 and 13: the last one predicted right far less often than the rest


def evaluated(run) -> dict:
    __tracebackhide__ = True
    return run("evaluate_report", doing="evaluate(model, loader)", count=COUNT, batch_size=BATCH)


def same(a, b) -> bool:
    return isinstance(a, float) and abs(a - b) < 1e-6


@pytest.mark.points(2)
def test_evaluate_counts_every_sample(run):
    """evaluate(model, loader) is the accuracy over every sample the loader serves, not over its last batch."""
    out = evaluated(run)
    got, want = out["first"], out["expected"]
    expect(isinstance(got, float), f"evaluate returned {got!r}: return the accuracy as a float between 0 and 1.")
    if same(got, want):
        return
    if same(got, out["last_batch"]):
        hint = " That is the last batch's accuracy alone: count correct predictions over every batch."
    elif same(got, out["batch_mean"]):
        hint = (" That is the mean of the per-batch accuracies, which weighs the last batch of 13 like a full one: "
                "count correct predictions and samples over all batches, then divide.")
    elif got > 1:
        hint = " Report a fraction, not a percentage."
    else:
        hint = " (In train mode, or with gradients recorded, the grader's model answers differently: see the checks below.)"
    fail(f"evaluate gives {got:.4f} on {COUNT} samples in batches of {BATCH}, of which {round(want * COUNT)} are "
         f"predicted right ({want:.4f}).{hint}")


@pytest.mark.points(1)
def test_evaluate_runs_the_model_in_eval_mode(run):
    """evaluate switches the model to eval mode: Dropout off, so two evaluations of the same model agree."""
    out = evaluated(run)
    first, second, want = out["first"], out["second"], out["expected"]
    if same(first, want) and same(second, want):
        return
    if any(call.get("training") for call in out["calls"] if isinstance(call, dict)) or not same(first, second):
        fail(f"evaluate ran the model in train mode: Dropout stays on, and two evaluations of the same model gave "
             f"{first} and {second} (in eval mode: {want:.4f}). Call model.eval() first.")
    fail(f"evaluate gave {first} twice; the model's accuracy in eval mode is {want:.4f}.")


@pytest.mark.points(1)
def test_evaluate_records_no_gradients(run):
    """evaluate runs the model under torch.no_grad(): nothing to record when only measuring."""
    out = evaluated(run)
    first, want = out["first"], out["expected"]
    if same(first, want):
        return
    if any(call.get("grad") for call in out["calls"] if isinstance(call, dict)) or same(first, out["with_gradients"]):
        fail("evaluate recorded gradients (press Record while only measuring): wrap the loop in torch.no_grad(). "
             f"The grader's model answers differently when recording, and evaluate gave {first} instead of {want:.4f}.")
    fail(f"evaluate gave {first}; the model's accuracy in eval mode, without gradients, is {want:.4f}.")
