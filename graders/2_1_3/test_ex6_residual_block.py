"""Exercise 6 (2_1_3.ex6): ResidualBlock(dim) returns x + branch(x); a zeroed branch gives back the input."""

import pytest

from gradekit.checks import close_tensor, expect, fail, fmt, same_tensor

pytestmark = pytest.mark.exercise("2_1_3.ex6")

DIM = 5
DOING = f"ResidualBlock({DIM})"


def built_or_fail(out: dict) -> None:
    error = out.get("build_error")
    if error is None:
        return
    if "Module.__init__() call" in error["message"]:
        fail(f"{DOING} raised {error['type']}: {error['message']}{error['where']}. Call super().__init__() first "
             "in __init__: it sets up the bookkeeping that registers layers.")
    fail(f"{DOING} raised {error['type']}: {error['message']}{error['where']}")


def registered_or_fail(out: dict) -> None:
    """The block's branch must be registered: plain Python lists and layers made in forward are not."""
    if out["params"]:
        return
    if out["plain_lists"]:
        fail(f"{DOING} keeps its layers in a plain Python list ({', '.join(out['plain_lists'])}): nn.Module cannot see "
             "inside a list, so block.parameters() is empty and the branch could never be trained (or zeroed). Use "
             "nn.ModuleList or nn.Sequential.")
    fail(f"{DOING} has no registered parameters: create the branch's layers in __init__ and assign them to self.")


def ran_or_fail(result: dict, when: str) -> None:
    error = result.get("run_error")
    if error is not None:
        fail(f"{DOING}(x) {when} raised {error['type']}: {error['message']}{error['where']}")
    expect(result["first"] is not None, f"{DOING}(x) returned a {result['returned_type']}, not a tensor.")


@pytest.mark.points(2)
def test_zeroed_branch_gives_back_the_input(run):
    """With every weight and bias of the branch set to zero, the block's output is exactly its input."""
    out = run("residual_block", doing=DOING, dim=DIM)
    built_or_fail(out)
    registered_or_fail(out)
    ran_or_fail(out["zeroed"], "with every parameter zeroed")
    got, x = out["zeroed"]["first"], out["inputs"]
    if got.shape == x.shape and not got.equal(x):
        start = f"With the branch zeroed, {DOING}(x) gives {fmt(got.array[0])} for x = {fmt(x.array[0])}:"
        if not got.array.any():
            fail(f"{start} all zeros, the branch's output alone. The skip path must add the block's input: "
                 "return x + branch(x).")
        if got.array.min() >= 0 and x.array.min() < 0:
            fail(f"{start} the negative inputs became 0, a ReLU after the sum. A residual block returns "
                 "x + branch(x) with no activation after it.")
        fail(f"{start} the residual adds the wrong tensor. Keep the block's input x and add it to the branch's output.")
    same_tensor(got, x, f"{DOING}(x) with the branch zeroed")


@pytest.mark.points(2)
def test_residual_block_adds_the_input_to_the_branch(run):
    """With the grader's weights, the block computes x + Linear(ReLU(Linear(x)))."""
    out = run("residual_block", doing=DOING, dim=DIM)
    built_or_fail(out)
    registered_or_fail(out)
    shapes = sorted(p[1] for p in out["params"])
    expect(shapes == out["expected_shapes"],
           f"{DOING} has parameters {[(p[0], tuple(p[1])) for p in out['params']]}; expected two Linear({DIM}, {DIM}) "
           f"layers: weights ({DIM}, {DIM}), biases ({DIM},).")
    ran_or_fail(out["weighted"], "with the grader's weights")
    got = out["weighted"]["first"]
    expect(got.shape == out["expected"][0].shape,
           f"{DOING}(x) has shape {list(got.shape)} for x of shape {list(out['inputs'].shape)}; a residual block keeps "
           "the shape of its input.")
    for index, want in enumerate(out["expected"]):
        if got.shape == want.shape and got.close(want, 1e-5, 1e-5):
            close_tensor(got, want, f"{DOING}(x)", rtol=1e-5, atol=1e-5)
            return
    want = out["expected"][0]
    start = f"{DOING}(x) gives {fmt(got.array[0])} for the first sample, x + branch(x) is {fmt(want.array[0])}:"
    if any(got.close(b, 1e-5, 1e-5) for b in out["branch_only"] if got.shape == b.shape):
        fail(f"{start} that is branch(x) alone. Add the skip path: return x + branch(x).")
    if any(got.close(b, 1e-5, 1e-5) for b in out["relu_after"] if got.shape == b.shape):
        fail(f"{start} that is relu(x + branch(x)). No activation after the sum in this block.")
    fail(f"{start} the residual adds the wrong tensor. Return the block's input x plus the branch's output.")
