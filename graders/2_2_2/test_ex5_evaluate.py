"""Exercise 5 (2_2_2.ex5): evaluate counts every sample, in eval mode, without recording gradients.

evaluate runs on a lookup model whose predictions and labels the judge chose; the judge counts by hand.
"""

import pytest

from gradekit.checks import expect, fail

pytestmark = pytest.mark.exercise("2_2_2.ex5")

# 45 samples in batches of 16: the last batch holds 13, and is right less often than the rest.
PREDICTIONS = [i % 10 for i in range(45)]
LABELS = [i % 10 if i % 4 else (i + 3) % 10 for i in range(32)] + [(i + 1) % 10 if i % 3 else i % 10
                                                                  for i in range(32, 45)]


def counted() -> float:
    return sum(p == y for p, y in zip(PREDICTIONS, LABELS)) / len(LABELS)


def evaluated(run) -> dict:
    __tracebackhide__ = True
    return run("evaluate_report", doing="evaluate(model, loader)", predictions=PREDICTIONS, labels=LABELS,
               batch_size=16)


@pytest.mark.points(2)
def test_evaluate_counts_every_sample(run):
    """evaluate(model, loader) is the accuracy over every sample the loader serves, not over its last batch."""
    out = evaluated(run)
    got, want = out["first"], counted()
    expect(isinstance(got, float), f"evaluate returned {got!r}: return the accuracy as a float between 0 and 1.")
    last = LABELS[32:]
    last_batch = sum(p == y for p, y in zip(PREDICTIONS[32:], last)) / len(last)
    if abs(got - want) > 1e-6:
        hint = " That is the last batch's accuracy alone: count correct predictions over every batch." \
            if abs(got - last_batch) < 1e-6 else \
            " Count correct predictions and samples over all batches, then divide (a mean of per-batch accuracies " \
            "weighs the last, smaller batch like a full one)." if 0 <= got <= 1 else " Report a fraction, not a percentage."
        fail(f"evaluate gives {got:.4f} on 45 samples in batches of 16, of which {round(want * 45)} are predicted "
             f"right ({want:.4f}).{hint}")


@pytest.mark.points(1)
def test_evaluate_runs_the_model_in_eval_mode(run):
    """evaluate switches the model to eval mode: Dropout off, so two evaluations agree."""
    out = evaluated(run)
    calls = out["calls"]
    expect(calls, "evaluate never called the model.")
    if any(call["training"] for call in calls):
        fail(f"evaluate ran the model in train mode: Dropout stays on, and two evaluations of the same model gave "
             f"{out['first']} and {out['second']}. Call model.eval() first.")


@pytest.mark.points(1)
def test_evaluate_records_no_gradients(run):
    """evaluate runs the model under torch.no_grad(): nothing to record when only measuring."""
    out = evaluated(run)
    expect(out["calls"], "evaluate never called the model.")
    if any(call["grad"] for call in out["calls"]):
        fail("evaluate recorded gradients (press Record while only measuring): wrap the loop in torch.no_grad().")
