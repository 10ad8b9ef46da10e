"""Exercise 1 (2_3_1.ex1): save_model writes a state_dict; load_model restores it, in eval mode."""

import pytest

from gradekit.harness.feedback import expect, fail, same_tensor

pytestmark = pytest.mark.exercise("2_3_1.ex1")

MNIST_KEYS = ["fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias", "fc3.weight", "fc3.bias"]


@pytest.mark.points(2)
@pytest.mark.parametrize("path_type", ["str"])
def test_save_model_writes_a_state_dict(run, path_type):
    out = run("save_model_file", doing="save_model(model, path)", seed=1, path_type=path_type)
    expect(out["exists"], "save_model(model, path) wrote no file at `path`.")
    info = out["file"]
    if info["is_module"]:
        fail("save_model pickled the whole model (torch.save(model)). Save model.state_dict() instead: "
             "architecture in code, values in file. A pickled model breaks as soon as the class moves or is "
             "renamed, and it cannot be loaded with weights_only=True.")
    expect(info["weights_only"], f"The file save_model wrote does not load with torch.load(path, weights_only=True) "
                                 f"({info.get('error', '')}). A state_dict holds only tensors; save model.state_dict().")
    expect(info["type"] in ("OrderedDict", "dict"), f"The file holds a {info['type']}, not a state_dict.")
    expect(sorted(info["keys"]) == sorted(MNIST_KEYS),
           f"The saved state_dict has keys {info['keys']}; MNISTNet's state_dict has {MNIST_KEYS}.")
    for key in MNIST_KEYS:
        same_tensor(info["tensors"][key], out["original"][key], f"saved {key}")


@pytest.mark.points(2)
@pytest.mark.parametrize("path_type", ["str", "Path"])
def test_load_model_restores_the_values(run, path_type):
    out = run("load_model_from_state_dict", doing="load_model(MNISTNet(), path)", seed=2, path_type=path_type)
    expect(out["is_module"], f"load_model returned a {out['returned_type']}; return the model you loaded into "
                             "(load_state_dict returns a report of keys, not the model).")
    for key in MNIST_KEYS:
        same_tensor(out["weights"][key], out["original"][key], f"{key} after load_model")
    same_tensor(out["eval_logits"], out["expected_logits"], "predictions of the loaded model (in eval mode)")


@pytest.mark.points(1)
def test_load_model_returns_eval_mode(run):
    out = run("load_model_from_state_dict", doing="load_model(MNISTNet(), path)", seed=2, path_type="str")
    expect(out["is_module"], f"load_model returned a {out['returned_type']}, not the model.")
    if out["training"]:
        diff = out["first_call"].max_abs_diff(out["second_call"])
        fail("load_model returned the model in training mode: Dropout is still active, so two predictions on the "
             f"same batch differ (by up to {diff:.3g}). Call model.eval() before returning it for inference.")


@pytest.mark.points(1)
@pytest.mark.parametrize("path_type", ["str", "Path"])
def test_round_trip_predictions_match(run, path_type):
    out = run("round_trip", doing="save_model then load_model", seed=4, path_type=path_type)
    expect(out["after"] is not None, "load_model did not return a model.")
    for key in MNIST_KEYS:
        same_tensor(out["params_after"][key], out["params_before"][key], f"{key} after the round trip")
    same_tensor(out["after"], out["before"], "predictions after save_model → load_model")
