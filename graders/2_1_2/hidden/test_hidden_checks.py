"""Hidden checks of lesson 2.1.2 (course staff and CI only): other shapes, drawn parameters, a second data set."""

import pytest
from hypothesis import given

from gradekit.checks import close_tensor, expect, grading_settings

from ..test_ex1_grad_of import cases, judge_gradients, with_specs
from ..test_ex2_sgd_step import judge_update
from ..test_ex3_fit_line import judge_trajectory, returned_well


@pytest.mark.exercise("2_1_2.ex1")
@pytest.mark.points(1)
@grading_settings(2)
@given(drawn=cases([(), (2, 3), (1, 4)], count=6))
def test_grad_of_on_0_dim_and_2_dim_points_by_one_recording(run, drawn):
    """grad_of works for a 0-dim and a 2-D x, and calls f on a recording tensor."""
    out = with_specs(run("grad_cases", doing="grad_of(f, x)", cases=drawn), drawn)
    judge_gradients(out)
    for row in out["rows"]:
        expect(row["recording"] and row["calls"] >= 1,
               f"grad_of called f {row['calls']} time(s), not always on a recording tensor: press Record "
               "(requires_grad=True) on the copy of x before calling f.")


@pytest.mark.exercise("2_1_2.ex2")
@pytest.mark.points(1)
def test_sgd_step_on_other_shapes_and_learning_rates(run):
    """sgd_step_ updates any number of parameters of any shape with any learning rate."""
    shapes, lr = [[1], [4, 3], [], [2, 1, 2]], 0.01
    out = run("sgd_case", doing=f"sgd_step_(params, lr={lr})", shapes=shapes, lr=lr)
    judge_update(out)
    expect(all(row["grad"] is None or not abs(row["grad"].array).any() for row in out["params"]),
           "After sgd_step_ a gradient was left behind: clear every parameter's .grad.")


@pytest.mark.exercise("2_1_2.ex3")
@pytest.mark.points(1)
def test_fit_line_on_a_second_data_set(run):
    """fit_line_raw follows the grader's trajectory on other points, learning rate and step count, and returns
    the w and b its last step made."""
    doing = "fit_line_raw(X, y, lr=0.05, steps=25)"
    out = run("fit_line_case", doing=doing, n=12, lr=0.05, steps=25, short_by_a_step=True)
    out = returned_well(out, 25, doing)
    judge_trajectory(out, doing)
    expect(abs(out["w"] - out["reference"]["w"]) <= 1e-4 * (1 + abs(out["reference"]["w"]))
           and abs(out["b"] - out["reference"]["b"]) <= 1e-4 * (1 + abs(out["reference"]["b"])),
           f"After 25 steps fit_line_raw returned w = {out['w']:.5f}, b = {out['b']:.5f}; its own last step makes "
           f"w = {out['reference']['w']:.5f}, b = {out['reference']['b']:.5f}.")


@pytest.mark.exercise("2_1_2.ex4")
@pytest.mark.points(1)
def test_log_predictions_leaves_w_and_b_recording(run):
    """log_predictions leaves w and b as they were: recording leaves, no gradient, same values."""
    out = run("log_predictions_case", doing="log_predictions(X, w, b)", n=16)
    if out["is_tensor"]:
        close_tensor(out["values"], out["expected"], "log_predictions(X, w, b)", rtol=1e-6, atol=1e-6)
    for name in ("w", "b"):
        after = out[f"{name}_after"]
        expect(after["leaf"] and after["requires_grad"],
               f"After log_predictions {name} no longer records (requires_grad={after['requires_grad']}): snip the "
               f"tape of the predictions, not of {name}, or training stops learning.")
        expect(not after["grad"], f"log_predictions gave {name} a gradient: no backward() belongs in a log.")
        expect(after["value"] == out[f"{name}_value"], f"log_predictions changed the value of {name}.")
