"""Exercise 1 (2_1_3.ex1): TwoLayerNet registers its layers in __init__ and computes fc2(relu(fc1(x))) in forward."""

import pytest

from gradekit.checks import close_tensor, expect, fail, fmt

pytestmark = pytest.mark.exercise("2_1_3.ex1")

SIZES = [6, 5, 3]  # in_features, hidden_features, out_features
DOING = "TwoLayerNet(6, 5, 3)"


def built_or_fail(out: dict) -> None:
    """Fail with the course's words when the module could not even be built."""
    error = out.get("build_error")
    if error is None:
        return
    if "Module.__init__() call" in error["message"]:
        fail(f"{DOING} raised {error['type']}: {error['message']}{error['where']}. Call super().__init__() first in "
             "__init__: nn.Module's own __init__ sets up the bookkeeping that registers layers, so assigning "
             "self.fc1 before it fails.")
    fail(f"{DOING} raised {error['type']}: {error['message']}{error['where']}")


def unregistered(out: dict, what: str) -> str:
    """Why model.parameters() finds nothing: a plain list, or layers created inside forward."""
    if out.get("plain_lists"):
        return (f"{what} keeps its layers in a plain Python list ({', '.join(out['plain_lists'])}): nn.Module cannot "
                "see inside a list, so model.parameters() misses them and no optimizer would ever train them. Use "
                "nn.ModuleList (or nn.Sequential), or assign each layer to its own attribute.")
    changed = "first" in out and "second" in out and out["first"] is not None and not out["first"].equal(out["second"])
    twice = " Two calls on the same input gave different outputs: new random weights at every call." if changed else ""
    return (f"{what} has no registered parameters: model.parameters() is empty.{twice} Create the layers in __init__ "
            "and assign them to self (self.fc1 = nn.Linear(...)); a layer created inside forward is new at every "
            "call and is never part of the model. __init__ says what, forward says how.")


@pytest.mark.points(2)
def test_layers_are_registered_in_init(run):
    """TwoLayerNet's parameters are its two layers' weights and biases, registered in __init__."""
    out = run("two_layer_net", doing=DOING, sizes=SIZES)
    built_or_fail(out)
    expect(out["params"], unregistered(out, DOING))
    shapes = sorted(p[1] for p in out["params"])
    expect(shapes == out["expected_shapes"],
           f"{DOING} has parameters {[(p[0], tuple(p[1])) for p in out['params']]}; expected two nn.Linear layers: "
           "weights (5, 6) and (3, 5), biases (5,) and (3,). nn.Linear(in_features, out_features) stores its weight "
           "as (out_features, in_features): fc1 = nn.Linear(6, 5), fc2 = nn.Linear(5, 3).")
    frozen = [p[0] for p in out["params"] if not p[2]]
    expect(not frozen, f"Parameters {frozen} have requires_grad=False: nn.Linear records them by itself, leave it on.")


@pytest.mark.points(2)
def test_forward_computes_the_two_layer_math(run):
    """With the grader's weights loaded, forward(x) gives relu(x @ W1.T + b1) @ W2.T + b2."""
    out = run("two_layer_net", doing=DOING, sizes=SIZES)
    built_or_fail(out)
    expect(out["params"], unregistered(out, DOING))
    error = out.get("run_error")
    if error is not None:
        fail(f"{DOING}(x) for x of shape (8, 6) raised {error['type']}: {error['message']}{error['where']}")
    expect(out["first"] is not None, f"{DOING}(x) returned a {out['returned_type']}, not a tensor.")
    if not out["first"].equal(out["second"]):
        fail(f"{DOING}(x) gave different outputs for the same x on two calls (largest difference "
             f"{out['first'].max_abs_diff(out['second']):.3g}): forward creates new layers, with new random weights, "
             "at every call. Create them once in __init__.")
    got, want = out["first"], out["expected"]
    if got.shape == want.shape and not got.close(want, 1e-5, 1e-5):
        fail(f"With the grader's weights, {DOING}(x) gives {fmt(got.array[0])} for the first sample; "
             f"relu(x @ W1.T + b1) @ W2.T + b2 is {fmt(want.array[0])}. forward should be fc2(relu(fc1(x))): "
             "ReLU between the layers, none after fc2.")
    close_tensor(got, want, f"{DOING}(x)", rtol=1e-5, atol=1e-5)
