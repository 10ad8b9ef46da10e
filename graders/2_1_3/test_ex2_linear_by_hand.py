"""Exercise 2 (2_1_3.ex2): nn.Linear IS w*x + b: linear_by_hand computes x @ W.T + b from the layer's tensors."""

import pytest

from gradekit.checks import close_tensor, expect, fail, fmt

pytestmark = pytest.mark.exercise("2_1_3.ex2")

SHAPES = [[4, 3], [4, 4]]  # nn.Linear(4, 3), and a square nn.Linear(4, 4) where a transposed weight still runs
TRANSPOSE = ("nn.Linear stores its weight as (out_features, in_features), the transpose of the raw W of 2.1.2: "
             "multiply by linear.weight.T.")


def judged(out: dict, doing: str) -> None:
    """The verdict on one linear_by_hand call, in the course's words."""
    error = out["error"]
    if error is not None:
        if "cannot be multiplied" in error["message"]:
            fail(f"{doing} raised {error['type']}: {error['message']}{error['where']}. A transposed weight: "
                 f"{TRANSPOSE}")
        fail(f"{doing} raised {error['type']}: {error['message']}{error['where']}")
    got, want = out["returned"], out["expected"]
    expect(got is not None, f"{doing} returned a {out['returned_type']}, not a tensor.")
    if got.shape == want.shape and not got.close(want, 1e-5, 1e-5):
        if "untransposed" in out and got.close(out["untransposed"], 1e-5, 1e-5):
            fail(f"{doing} computed x @ W + b: {fmt(got.array[0])} for the first sample, where linear(x) gives "
                 f"{fmt(want.array[0])}. A transposed weight: {TRANSPOSE}")
        if got.close(out["without_bias"], 1e-5, 1e-5):
            fail(f"{doing} gives {fmt(got.array[0])} for the first sample, linear(x) {fmt(want.array[0])}: they differ "
                 "by exactly the bias. nn.Linear is w*x + b: add linear.bias.")
    close_tensor(got, want, f"{doing} against linear(x)", rtol=1e-5, atol=1e-5)


@pytest.mark.points(2)
def test_linear_by_hand_equals_the_layer(run):
    """linear_by_hand(linear, x) equals linear(x) for an nn.Linear(4, 3) of the grader's weights."""
    out = run("linear_layers_by_hand", doing="linear_by_hand(linear, x)", shapes=SHAPES)[0]
    judged(out, "linear_by_hand(nn.Linear(4, 3), x)")


@pytest.mark.points(1)
def test_linear_by_hand_on_a_square_layer(run):
    """On a square nn.Linear(4, 4), where a transposed weight still runs, linear_by_hand equals linear(x)."""
    out = run("linear_layers_by_hand", doing="linear_by_hand(linear, x)", shapes=SHAPES)[1]
    judged(out, "linear_by_hand(nn.Linear(4, 4), x)")


@pytest.mark.points(1)
def test_linear_by_hand_uses_the_weight_and_bias_not_the_layer(run):
    """linear_by_hand computes x @ W.T + b from linear.weight and linear.bias, without calling linear(x)."""
    out = run("linear_layers_by_hand", doing="linear_by_hand(linear, x)", shapes=SHAPES)[0]
    decoy = out["decoy_returned"]
    if decoy is not None and decoy.shape == out["decoy_called"].shape and decoy.close(out["decoy_called"], 1e-4, 1e-4):
        fail("linear_by_hand called the layer itself (linear(x)): on a layer whose own forward the grader changed, it "
             "returned the changed numbers, so it shows nothing of what the layer computes. Write the formula from "
             "linear.weight and linear.bias: x @ W.T + b. nn.Linear IS w*x + b.")
    judged({key[len("decoy_"):]: value for key, value in out.items() if key.startswith("decoy_")}
           | {"expected": out["expected"], "without_bias": out["without_bias"]}, "linear_by_hand(nn.Linear(4, 3), x)")
