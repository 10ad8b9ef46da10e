"""Exercise 4 (2_1_3.ex4): three representations of the same network: raw tensors and nn.Module agree."""

import pytest

from gradekit.checks import close_tensor, expect, fail, figure, fmt

pytestmark = pytest.mark.exercise("2_1_3.ex4")

NETWORKS = [[6, 5, 3], [4, 4, 4]]  # and a square one, where untransposed weights still fit
TRANSPOSE = ("The raw weights of 2.1.2 are stored (in, out); nn.Linear's weight is (out, in). Copy W1.T into "
             "fc1.weight and W2.T into fc2.weight.")


def loaded_or_fail(out: dict, doing: str) -> None:
    """Fail with the course's words when load_raw_weights raised or gave no model."""
    error = out["error"]
    if error is not None:
        message = f"{doing} raised {error['type']}: {error['message']}{error['where']}."
        if "must match" in error["message"] or "size mismatch" in error["message"] or "shape" in error["message"]:
            fail(f"{message} A transposed weight: {TRANSPOSE}")
        if "in-place operation" in error["message"]:
            fail(f"{message} The weights are recording (requires_grad=True, press Record), and autograd refuses an "
                 "in-place change to a recorded leaf. Copy the values in inside `with torch.no_grad():`.")
        if "cannot assign" in error["message"]:
            fail(f"{message} A layer's weight must stay an nn.Parameter: copy the values in with "
                 "model.fc1.weight.copy_(W1.T) inside torch.no_grad(), or wrap them in nn.Parameter(...).")
        fail(message)
    if out.get("run_error") is not None:
        error = out["run_error"]
        fail(f"After {doing}, the model raised {error['type']} on a batch: {error['message']}{error['where']}.")


def same_numbers(out: dict, doing: str) -> None:
    """The module's output on the grader's inputs against raw_forward's, with the transposed reading named."""
    got, want = out["first"], out["expected"]
    expect(got is not None, f"The model {doing} returned gave a {out['returned_type']}, not a tensor.")
    if got.shape == want.shape and not got.close(want, 1e-5, 1e-5):
        if "untransposed" in out and got.close(out["untransposed"], 1e-5, 1e-5):
            fail(f"After {doing}, the module gives {fmt(got.array[0])} for the first sample, raw_forward "
                 f"{fmt(want.array[0])}: the weights went in untransposed. {TRANSPOSE}")
        fail(f"After {doing}, the module gives {fmt(got.array[0])} for the first sample, raw_forward "
             f"{fmt(want.array[0])}: the same weights should give the same numbers. Copy W1.T, b1, W2.T and b2 "
             "into fc1.weight, fc1.bias, fc2.weight and fc2.bias.")
    close_tensor(got, want, f"the module after {doing}, against raw_forward", rtol=1e-5, atol=1e-5)


@pytest.mark.points(2)
def test_module_gives_the_raw_forward_numbers(run):
    """After load_raw_weights, the module gives raw_forward's numbers on the same inputs: one network, two forms."""
    doing = "load_raw_weights(TwoLayerNet(6, 5, 3), W1, b1, W2, b2)"
    out = run("raw_networks_loaded", doing="load_raw_weights(model, W1, b1, W2, b2)", networks=NETWORKS)[0]
    loaded_or_fail(out, doing)
    if out["first"] is not None and out["first"].shape == out["expected"].shape:
        figure("three_representations", kind="lines", title="Same weights, same numbers: first output of 8 samples",
               xlabel="sample", ylabel="output 1",
               series={"raw tensors (raw_forward)": [float(v) for v in out["expected"].array[:, 0]],
                       "nn.Module (after load_raw_weights)": [float(v) for v in out["first"].array[:, 0]]})
    same_numbers(out, doing)


@pytest.mark.points(1)
def test_square_network_is_not_fooled_by_untransposed_weights(run):
    """On a square network (4, 4, 4), where untransposed weights still fit, the module gives raw_forward's numbers."""
    doing = "load_raw_weights(TwoLayerNet(4, 4, 4), W1, b1, W2, b2)"
    out = run("raw_networks_loaded", doing="load_raw_weights(model, W1, b1, W2, b2)", networks=NETWORKS)[1]
    loaded_or_fail(out, doing)
    same_numbers(out, doing)


@pytest.mark.points(1)
def test_loaded_weights_stay_trainable_parameters(run):
    """load_raw_weights returns the model it was given, its four weights and biases still trainable parameters."""
    doing = "load_raw_weights(TwoLayerNet(6, 5, 3), W1, b1, W2, b2)"
    out = run("raw_networks_loaded", doing="load_raw_weights(model, W1, b1, W2, b2)", networks=NETWORKS)[0]
    loaded_or_fail(out, doing)
    expect(out["returned_model"], f"{doing} returned a {out['returned_type']}; return the model you were given, "
                                  "with the values copied in.")
    names = [p[0] for p in out["parameters"]]
    expect(len(names) == 4, f"After {doing} the model has parameters {names}; expected fc1.weight, fc1.bias, "
                            "fc2.weight and fc2.bias.")
    frozen = [p[0] for p in out["parameters"] if not (p[2] and p[3])]
    expect(not frozen, f"After {doing}, {frozen} are no longer trainable parameters (requires_grad=False or not an "
                       "nn.Parameter): copy the values in under torch.no_grad() and leave recording on.")
