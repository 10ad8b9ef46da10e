"""Exercises 1 to 3 (2_2_2.ex1-ex3): softmax and cross-entropy by hand, and accuracy.

Logits come from Hypothesis (drawn in the judge) or from the worker's secret seed; torch's softmax,
nn.CrossEntropyLoss and its gradients are computed in the worker beside the student's answers.
"""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gradekit.checks import close_tensor, expect, fail, grading_settings

finite = st.floats(-30, 30, allow_nan=False, allow_infinity=False, width=32)


@st.composite
def logits_and_targets(draw):
    """A batch of 1 to 12 rows of 2 to 10 logits, and a target class per row."""
    rows, classes = draw(st.integers(1, 12)), draw(st.integers(2, 10))
    logits = draw(st.lists(st.lists(finite, min_size=classes, max_size=classes), min_size=rows, max_size=rows))
    targets = draw(st.lists(st.integers(0, classes - 1), min_size=rows, max_size=rows))
    return logits, targets


def not_a_number(out) -> int:
    import numpy as np

    values = out["returned"].array.astype(np.float64) if hasattr(out["returned"], "array") else np.array([0.0])
    return int((~np.isfinite(values)).sum())


@pytest.mark.exercise("2_2_2.ex1")
@pytest.mark.points(2)
@grading_settings(3)
@given(case=logits_and_targets())
def test_softmax_matches_torch_softmax_on_drawn_logits(run, case):
    """softmax(logits) gives, row by row, the probabilities torch.softmax(logits, dim=1) gives."""
    logits, _ = case
    out = run("softmax_values", doing="softmax(logits)", rows=logits)
    expect(hasattr(out["returned"], "shape") and list(out["returned"].shape) == [len(logits), len(logits[0])],
           f"softmax returned {getattr(out['returned'], 'shape', out['returned'])!s} for logits of shape "
           f"[{len(logits)}, {len(logits[0])}]: one row of probabilities per row of logits, same shape.")
    sums = out["returned"].array.sum(axis=1) if not not_a_number(out) else None
    if sums is not None and abs(sums - 1).max() > 1e-4:
        fail(f"softmax's rows sum to {[round(float(s), 4) for s in sums[:4]]}, not 1: normalize each row over the "
             "classes (dimension 1, keepdim=True), not over the batch or the whole tensor.")
    close_tensor(out["returned"], out["expected"], f"softmax(logits) on {len(logits)}×{len(logits[0])} logits",
                 rtol=1e-4, atol=1e-6)
    expect(out["input_unchanged"], "softmax changed the logits it was given: compute a new tensor, do not "
                                   "subtract the max in place.")


@pytest.mark.exercise("2_2_2.ex1")
@pytest.mark.points(1)
def test_softmax_is_stable_for_large_logits(run):
    """softmax stays finite for logits of 1000: no overflow to inf or nan."""
    rows = [[1000.0, 999.0, 998.0], [1000.0, 0.0, -1000.0], [500.0, 500.0, 500.0]]
    out = run("softmax_values", doing="softmax(logits of 1000)", rows=rows)
    bad = not_a_number(out)
    if bad:
        fail(f"softmax([[1000, 999, 998], ...]) gave {bad} values that are nan or inf: exp(1000) overflows to inf in "
             "float32, and inf / inf is nan. Subtract each row's maximum before exponentiating: softmax does not "
             "change, and the largest exponent becomes exp(0) = 1.")
    close_tensor(out["returned"], out["expected"], "softmax(logits of 1000)", rtol=1e-4, atol=1e-6)


@pytest.mark.exercise("2_2_2.ex2")
@pytest.mark.points(2)
@pytest.mark.time_limit(5)  # a dozen rows of logits: an endless loop is stopped early
@grading_settings(3)
@given(case=logits_and_targets())
def test_cross_entropy_equals_nn_cross_entropy_loss(run, case):
    """cross_entropy(logits, targets) equals nn.CrossEntropyLoss()(logits, targets), and so do its gradients."""
    logits, targets = case
    out = run("cross_entropy_values", doing="cross_entropy(logits, targets)", rows=logits, targets=targets)
    expect(out["is_tensor"], f"cross_entropy returned {out['returned']}, not a tensor: return a 0-dimensional "
                             "tensor, so that loss.backward() works.")
    expect(out["shape"] in ([], [1]), f"cross_entropy returned a tensor of shape {out['shape']}: the loss is the mean "
                                      "over the batch of −log p_correct, one number.")
    expect(hasattr(out["returned"], "array") and out["returned"].array.size == 1,
           f"cross_entropy returned {out['returned']!r}: return the loss as a tensor holding one number.")
    got, want = float(out["returned"].array), float(out["expected"].array)
    if abs(got - want) > 1e-4 * max(1.0, abs(want)):
        per_sum = want * len(targets)
        hint = " That is the sum over the batch: take the mean." if abs(got - per_sum) < 1e-3 * max(1, per_sum) else \
            " The loss is −log of the probability of each row's correct class (log-softmax, then pick the target), " \
            "averaged over the batch; do not apply a softmax to the logits first."
        fail(f"cross_entropy gives {got:.6f} on {len(targets)} rows of {len(logits[0])} logits; nn.CrossEntropyLoss "
             f"gives {want:.6f}.{hint}")
    expect(out.get("grad") is not None, "No gradient reached the logits through cross_entropy: compute it with "
                                        "torch operations on the logits (no .item(), .detach() or numpy).")
    close_tensor(out["grad"], out["expected_grad"], "the gradient of cross_entropy with respect to the logits",
                 rtol=1e-3, atol=1e-6)


@pytest.mark.exercise("2_2_2.ex3")
@pytest.mark.points(2)
@pytest.mark.parametrize("count, correct", [(37, 23), (10, 7)])
def test_accuracy_is_the_fraction_of_rows_predicted_right(run, count, correct):
    """accuracy(logits, targets) is the fraction of rows whose largest logit is the target, as a float."""
    out = run("accuracy_values", doing=f"accuracy(logits, targets) on {count} rows", count=count, correct=correct)
    if "error" in out:
        fail(f"accuracy(logits, targets) on {count} rows of 10 logits raised {out['error']}. The predicted class of a "
             "row is logits.argmax(dim=1): over the classes, not over the batch (dim=0), which gives one index per "
             "class instead of one per row.")
    got = out["returned"]
    expect(isinstance(got, float), f"accuracy returned {got!r}: return a Python float between 0 and 1.")
    if abs(got - out["expected"]) > 1e-6:
        fail(f"accuracy gives {got:.4f} on {count} rows of 10 logits, of which {correct} have their largest logit at "
             f"the target ({out['expected']:.4f}). The predicted class of a row is logits.argmax(dim=1): over the "
             "classes, not over the batch (dim=0)" + (", and report a fraction, not a percentage." if got > 1 else "."))
    expect(out["type"] == "float", f"accuracy returned a {out['type']}: return a Python float (.item()).")
