"""Exercise 5 (2_1_3.ex5): make_mlp(sizes) is an nn.Sequential of Linear layers with ReLU between them."""

import pytest

from gradekit.checks import close_tensor, expect, fail, fmt

pytestmark = pytest.mark.exercise("2_1_3.ex5")

SIZES = [5, 7, 6, 3]
DOING = f"make_mlp({SIZES})"


def names(layers: list) -> str:
    return ", ".join(f"{k}({a}, {b})" if a is not None else f"{k}()" for k, a, b in layers)


def built_or_fail(out: dict, doing: str) -> None:
    error = out.get("build_error")
    if error is not None:
        fail(f"{doing} raised {error['type']}: {error['message']}{error['where']}")
    expect(out["is_sequential"], f"{doing} returned a {out['type']}; return an nn.Sequential: "
                                 "nn.Sequential(*layers) runs its layers in order and writes forward for you.")


def layers_match(out: dict, doing: str) -> None:
    """The layer stack against Linear, ReLU, ..., Linear, naming a ReLU after the last layer or none between."""
    got, want = out["layers"], out["expected_layers"]
    if got == want:
        return
    shown = f"{doing} holds [{names(got)}]; expected [{names(want)}]."
    if got == want + [["ReLU", None, None]]:
        fail(f"{shown} A ReLU after the last layer clips every negative output to 0: the last layer gives raw "
             "scores. Put a ReLU between layers only.")
    if got == [layer for layer in want if layer[0] == "Linear"]:
        fail(f"{shown} Without a ReLU between them, stacked Linear layers collapse into a single linear map.")
    fail(f"{shown} One nn.Linear(sizes[i], sizes[i + 1]) per pair of sizes, an nn.ReLU() between consecutive ones.")


@pytest.mark.points(2)
def test_make_mlp_builds_the_layer_stack(run):
    """make_mlp([5, 7, 6, 3]) is nn.Sequential(Linear(5, 7), ReLU(), Linear(7, 6), ReLU(), Linear(6, 3))."""
    out = run("mlp_values", doing=DOING, sizes=SIZES)
    built_or_fail(out, DOING)
    layers_match(out, DOING)


@pytest.mark.points(2)
def test_make_mlp_forward_matches_the_math(run):
    """With the grader's weights loaded, make_mlp's network computes the Linear-ReLU stack on a batch."""
    out = run("mlp_values", doing=DOING, sizes=SIZES)
    built_or_fail(out, DOING)
    error = out.get("run_error")
    if error is not None:
        fail(f"{DOING}(x) for x of shape (8, 5) raised {error['type']}: {error['message']}{error['where']}")
    expect(out["first"] is not None, f"{DOING}(x) returned a {out['returned_type']}, not a tensor.")
    got, want = out["first"], out["expected"]
    if got.shape == want.shape and not got.close(want, 1e-5, 1e-5):
        if got.close(out["relu_last"], 1e-5, 1e-5):
            fail(f"{DOING}(x) gives {fmt(got.array[0])} for the first sample, expected {fmt(want.array[0])}: no "
                 "output is ever negative, a ReLU after the last layer. The last layer gives raw scores.")
        if got.close(out["no_relu"], 1e-5, 1e-5):
            fail(f"{DOING}(x) gives {fmt(got.array[0])} for the first sample, expected {fmt(want.array[0])}: the "
                 "network is one linear map. Put an nn.ReLU() between consecutive Linear layers.")
        fail(f"{DOING}(x) gives {fmt(got.array[0])} for the first sample, expected {fmt(want.array[0])} "
             "(Linear, ReLU, ..., Linear with the grader's weights).")
    close_tensor(got, want, f"{DOING}(x)", rtol=1e-5, atol=1e-5)
