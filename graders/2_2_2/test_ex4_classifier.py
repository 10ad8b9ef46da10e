"""Exercise 4 (2_2_2.ex4): MNISTClassifier runs Flatten → [Linear → BatchNorm1d → ReLU → Dropout]... → Linear.

The model checks judge a trusted rebuild of the student's network (gradekit.course.rebuild): the layers it runs and
the outputs it gives on weights and inputs the grader chose, checked against the student's model first.
"""

import pytest

from gradekit.checks import expect, fail
from gradekit.course.layers import every_layer

pytestmark = pytest.mark.exercise("2_2_2.ex4")


def expected_layers(hidden: list[int], dropout: float) -> list[str]:
    layers, size = ["Flatten"], 784
    for width in hidden:
        layers += [f"Linear {size}→{width}", "BatchNorm1d", "ReLU", f"Dropout {dropout:g}"]
        size = width
    return layers + [f"Linear {size}→10"]


@pytest.mark.points(2)
@pytest.mark.parametrize("hidden, dropout", [([256, 128], 0.2), ([64], 0.1)])
def test_classifier_runs_the_layers_in_order(run, hidden, dropout):
    """MNISTClassifier(hidden_sizes, dropout) runs Flatten, then Linear → BatchNorm1d → ReLU → Dropout per hidden
    size, then Linear to 10."""
    out = run("model_report", doing=f"MNISTClassifier(hidden_sizes={tuple(hidden)}, dropout={dropout})",
              settings={"hidden_sizes": hidden, "dropout": dropout})
    expect("rebuild_error" not in out, out.get("rebuild_error"))
    got, want = every_layer(out["layers"]), expected_layers(hidden, dropout)
    expect(got == want, f"MNISTClassifier(hidden_sizes={tuple(hidden)}, dropout={dropout}) runs\n  {got}\nexpected\n"
                        f"  {want}\n(Flatten, then per hidden size Linear → BatchNorm1d → ReLU → Dropout, then Linear "
                        "to 10).")
    expect(out["output_shape"] == [64, 10], f"The model's output has shape {out['output_shape']}; expected [64, 10].")


@pytest.mark.points(1)
def test_classifier_outputs_raw_logits(run):
    """MNISTClassifier(**MODEL_CONFIG) returns raw logits: no softmax at the end."""
    out = run("model_report", doing="MNISTClassifier(**MODEL_CONFIG)")
    expect("rebuild_error" not in out, out.get("rebuild_error"))
    import numpy as np

    rows = out["eval_out"].array
    if (rows >= 0).all() and abs(rows.sum(axis=1) - 1).max() < 1e-4:
        fail("The model's outputs are probabilities (each row sums to 1): a softmax before CrossEntropyLoss. "
             "nn.CrossEntropyLoss takes raw logits and applies log-softmax itself; remove the Softmax (training "
             "through it stalls: the loss cannot fall below 1.46).")
    if abs(np.exp(rows).sum(axis=1) - 1).max() < 1e-4:
        fail("The model's outputs are log-probabilities (LogSoftmax at the end). CrossEntropyLoss takes raw logits.")
    expect(out["output_shape"][1:] == [10], f"The model's output has shape {out['output_shape']}: ten logits a row.")


@pytest.mark.points(1)
def test_dropout_works_in_train_mode_only(run):
    """In train mode two forward passes differ (Dropout on); in eval mode they agree."""
    out = run("model_report", doing="MNISTClassifier(**MODEL_CONFIG)")
    expect("rebuild_error" not in out, out.get("rebuild_error"))
    expect(out["train_a"].max_abs_diff(out["train_b"]) > 0,
           "In train mode two forward passes gave the same output: is there a Dropout with p > 0 in MODEL_CONFIG?")
    expect(out["eval_out"].equal(out["eval_again"]), "In eval mode two forward passes differ: eval() must switch "
                                                     "Dropout off and make BatchNorm use its running statistics.")
