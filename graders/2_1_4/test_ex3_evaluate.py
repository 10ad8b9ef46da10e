"""Exercise 3 (2_1_4.ex3): evaluate measures the loss in eval mode, with recording paused."""

import pytest

from gradekit.checks import expect, fail

pytestmark = pytest.mark.exercise("2_1_4.ex3")

DOING = "evaluate(model, X, y, criterion), twice, on a model with Dropout(0.5) handed in training mode"


@pytest.mark.points(2)
def test_evaluate_switches_dropout_off(run):
    """evaluate puts the model in eval mode: the loss of the whole network, the same on every call."""
    out = run("evaluate_run", doing=DOING)
    first, second = out["values"] if out["values"] else (None, None)
    expect(isinstance(first, float) and isinstance(second, float),
           f"evaluate returned {out['returned_type']}, not a number (return criterion(...).item()).")
    want = out["eval_loss"]
    if first != second:
        fail(f"Two calls of evaluate on the same model and data gave {first:.5f} and {second:.5f}: dropout is still "
             f"on. Call model.eval() first; in eval mode the loss is {want:.5f}.")
    expect(abs(first - want) <= out["relative_tolerance"] * (1 + abs(want)),
           f"evaluate returned {first:.5f}, but in eval mode the model's loss is {want:.5f}. "
           "Call model.eval(), then criterion(model(X), y).")


@pytest.mark.points(1)
def test_evaluate_pauses_recording(run):
    """evaluate runs the forward pass under torch.no_grad() and returns a plain float."""
    out = run("evaluate_run", doing=DOING)
    expect(out["recorded"], "evaluate never called the criterion it was given.")
    if any(out["recorded"]):
        fail("evaluate's forward pass was recorded: the prediction reached the criterion with requires_grad=True, so "
             "PyTorch built a graph for a backward pass that never comes. Wrap the forward pass and the loss in "
             "`with torch.no_grad():` (press Record off).")
    expect(out["tensors"] == 0 and out["returned_type"] == "float",
           f"evaluate returned a {out['returned_type']}; return the loss as a Python float with .item().")
