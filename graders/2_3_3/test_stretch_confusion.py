"""Stretch (2_3_3.stretch): the confusion matrix agrees with a count by hand, rows true labels."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gradekit.checks import expect, grading_settings

pytestmark = pytest.mark.exercise("2_3_3.stretch")


def check(out: dict, predictions: list[int], labels: list[int]) -> None:
    __tracebackhide__ = True
    expect(out["matrix"] is not None, f"confusion_matrix returned a {out['type']}, not a tensor.")
    matrix = out["matrix"]
    expect(matrix.dtype == "int64" and matrix.shape == (10, 10),
           f"confusion_matrix gave a {matrix.dtype} tensor of shape {list(matrix.shape)}; expected int64 [10, 10].")
    for true in range(10):
        for predicted in range(10):
            count = sum(1 for p, y in zip(predictions, labels) if y == true and p == predicted)
            got = int(matrix.array[true, predicted])
            if got != count:
                transposed = int(matrix.array[predicted, true]) == count
                expect(False, f"matrix[{true}, {predicted}] is {got}, but {count} images of class {true} were "
                              f"predicted as {predicted}" + (" (rows must be the true labels, columns the "
                                                             "predictions: is it transposed?)" if transposed else "."))


@pytest.mark.points(1)
def test_confusion_matrix_counts_pairs(run):
    predictions, labels = [0, 1, 1, 2, 9, 9, 3], [0, 1, 2, 2, 9, 3, 3]
    check(run("confusion_report", doing="confusion_matrix(preds, labels)", predictions=[0, 1, 1, 2, 9, 9, 3],
              labels=[0, 1, 2, 2, 9, 3, 3]), predictions, labels)


@pytest.mark.points(1)
@grading_settings(3)
@given(pairs=st.lists(st.tuples(st.integers(0, 9), st.integers(0, 9)), min_size=1, max_size=80))
def test_confusion_matrix_on_generated_predictions(run, pairs):
    predictions, labels = [p for p, _ in pairs], [y for _, y in pairs]
    check(run("confusion_report", doing="confusion_matrix(preds, labels)", predictions=predictions, labels=labels),
          predictions, labels)
