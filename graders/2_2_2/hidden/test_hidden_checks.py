"""Hidden checks of lesson 2.2.2: run by staff and CI, never shipped to students."""

import pytest

from gradekit.checks import close_tensor, expect


@pytest.mark.exercise("2_2_2.ex1")
@pytest.mark.points(1)
def test_softmax_on_very_negative_and_single_rows(run):
    """softmax stays finite when every logit of a row is very negative, and works on a batch of one."""
    out = run("softmax_values", doing="softmax(logits of -1000)", rows=[[-1000.0, -1001.0, -1002.5, -1000.0]])
    close_tensor(out["returned"], out["expected"], "softmax([[-1000, -1001, -1002.5, -1000]])", rtol=1e-4, atol=1e-6)


@pytest.mark.exercise("2_2_2.ex2")
@pytest.mark.points(1)
@pytest.mark.time_limit(5)
def test_cross_entropy_on_a_large_secret_batch(run):
    """cross_entropy matches nn.CrossEntropyLoss on 300 secret rows of ten logits spread wide."""
    out = run("cross_entropy_values", doing="cross_entropy(logits, targets) on 300 rows", count=300, scale=8.0)
    expect(out["is_tensor"], f"cross_entropy returned {out['returned']}, not a tensor.")
    expect(out["shape"] in ([], [1]), f"cross_entropy returned a tensor of shape {out['shape']}, not one number.")
    close_tensor(out["returned"], out["expected"], "cross_entropy on 300 secret rows", rtol=1e-4, atol=1e-5)


@pytest.mark.exercise("2_2_2.ex3")
@pytest.mark.points(1)
def test_accuracy_of_a_single_row(run):
    """accuracy works on a batch of one row: 1.0 or 0.0."""
    out = run("accuracy_values", doing="accuracy(logits, targets) on one row", count=1, correct=1)
    expect("error" not in out, f"accuracy of one row predicted right raised {out.get('error')}.")
    expect(out["returned"] == 1.0, f"accuracy of one row predicted right gives {out['returned']!r}; expected 1.0.")
