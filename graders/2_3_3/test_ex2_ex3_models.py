"""Exercises 2 and 3 (2_3_3.ex2, 2_3_3.ex3): the baseline, and the regularized model and its optimizer.

The model checks judge a trusted rebuild of the student's network (probes.py): the layers it runs and the outputs
it gives on weights and inputs the grader chose, checked against the student's model first.
"""

import pytest

from gradekit.checks import expect, fail
from gradekit.course.layers import every_layer


def expected_layers(hidden: list[int], dropout: float, batchnorm: bool) -> list[str]:
    layers, size = ["Flatten"], 784
    for width in hidden:
        layers += [f"Linear {size}→{width}"] + (["BatchNorm1d"] if batchnorm else []) + ["ReLU", f"Dropout {dropout}"]
        size = width
    return layers + [f"Linear {size}→10"]


@pytest.mark.exercise("2_3_3.ex2")
@pytest.mark.points(0)  # provided code: caught if broken, worth nothing
def test_baseline_is_the_mnist_architecture(run):
    out = run("baseline_layers", doing="BaselineMLP()")
    expect("rebuild_error" not in out, out.get("rebuild_error"))
    got = [d for d in every_layer(out["layers"]) if d != "ReLU"]
    expect(got == ["Flatten", "Linear 784→256", "Linear 256→128", "Linear 128→10"],
           f"BaselineMLP runs {got}; the provided baseline is the MNIST network 784 → 256 → 128 → 10 with ReLU.")
    expect(out["output"] == [64, 10], f"BaselineMLP gives outputs of shape {out['output']}; expected [64, 10].")


@pytest.mark.exercise("2_3_3.ex3")
@pytest.mark.points(2)
@pytest.mark.parametrize("hidden, dropout, batchnorm", [([512, 256], 0.3, True), ([128], 0.1, False)])
def test_build_model_layers_in_order(run, hidden, dropout, batchnorm):
    out = run("model_report", doing=f"build_model({tuple(hidden)}, {dropout}, {batchnorm})", hidden_sizes=hidden,
              dropout=dropout, batchnorm=batchnorm, seed=0)
    expect("rebuild_error" not in out, out.get("rebuild_error"))
    got, want = every_layer(out["layers"]), expected_layers(hidden, dropout, batchnorm)  # F.relu shows as ReLU
    expect(got == want, f"build_model(hidden_sizes={tuple(hidden)}, dropout={dropout}, batchnorm={batchnorm}) runs\n"
                        f"  {got}\nexpected\n  {want}\n(Flatten, then per hidden layer Linear → BatchNorm1d → ReLU → "
                        "Dropout, then Linear to 10).")
    expect(out["output_shape"] == [64, 10], f"The model's output has shape {out['output_shape']}; expected [64, 10].")
    nonlinear = out["eval_double"].max_abs_diff(out["eval_out"]) > 0 and \
        abs(out["eval_double"].array - 2 * out["eval_out"].array).max() > 1e-3
    expect(nonlinear, "The model is linear in its input: is there an activation (ReLU) between the layers?")


@pytest.mark.exercise("2_3_3.ex3")
@pytest.mark.points(1)
def test_model_outputs_raw_logits(run):
    out = run("model_report", doing="build_model((512, 256), 0.3, True)", hidden_sizes=[512, 256], dropout=0.3,
              batchnorm=True, seed=0)
    expect("rebuild_error" not in out, out.get("rebuild_error"))
    rows = out["eval_out"].array
    if (rows >= 0).all() and abs(rows.sum(axis=1) - 1).max() < 1e-4:
        fail("The model's outputs are probabilities (each row sums to 1): a softmax before CrossEntropyLoss. "
             "nn.CrossEntropyLoss takes raw logits and applies log-softmax itself; remove the Softmax.")
    import numpy as np

    if abs(np.exp(rows).sum(axis=1) - 1).max() < 1e-4:
        fail("The model's outputs are log-probabilities (LogSoftmax at the end). CrossEntropyLoss takes raw logits.")


@pytest.mark.exercise("2_3_3.ex3")
@pytest.mark.points(1)
def test_train_and_eval_modes_change_the_output(run):
    out = run("model_report", doing="build_model((512, 256), 0.3, True)", hidden_sizes=[512, 256], dropout=0.3,
              batchnorm=True, seed=0)
    expect("rebuild_error" not in out, out.get("rebuild_error"))
    expect(out["train_a"].max_abs_diff(out["train_b"]) > 0,
           "In train mode two forward passes gave the same output: with Dropout(0.3) they should differ.")
    expect(out["eval_out"].equal(out["eval_again"]), "In eval mode two forward passes differ: eval() must switch "
                                                     "Dropout off and make BatchNorm use its running statistics.")


@pytest.mark.exercise("2_3_3.ex3")
@pytest.mark.points(1)
def test_make_optimizer_is_adam_with_weight_decay(run):
    out = run("optimizer_report", doing="make_optimizer(model, lr=0.002, weight_decay=0.0005)", lr=0.002,
              weight_decay=0.0005)
    expect(out["type"] == "Adam", f"make_optimizer returned {out['type']}; the lesson uses torch.optim.Adam.")
    expect(set(out["lr"]) == {0.002}, f"The optimizer's learning rate is {out['lr']}; it was asked for 0.002.")
    expect(set(out["weight_decay"]) == {0.0005}, f"The optimizer's weight_decay is {out['weight_decay']}; it was "
                                                 "asked for 0.0005 (L2 regularization through the optimizer).")
    expect(out["all_parameters"], "The optimizer does not hold all of the model's parameters: pass model.parameters().")
    expect(out["steps_like_adam"], "make_optimizer's optimizer says it is Adam with lr 0.002 and weight_decay 0.0005, "
                                   "but two of its steps do not move the parameters as torch.optim.Adam(model."
                                   "parameters(), lr=0.002, weight_decay=0.0005) does"
                                   + (f" (it left {', '.join(out['unmoved'])} unchanged)" if out["unmoved"] else "")
                                   + ": return that optimizer itself.")
