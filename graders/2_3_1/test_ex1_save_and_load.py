"""Exercise 1 (2_3_1.ex1): save_model writes a state_dict; load_model restores it, in eval mode."""

import pytest

from gradekit.checks import expect, fail, same_tensor

pytestmark = pytest.mark.exercise("2_3_1.ex1")

MNIST_KEYS = ["fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias", "fc3.weight", "fc3.bias"]


@pytest.mark.points(2)
@pytest.mark.parametrize("path_type", ["str"])
def test_save_model_writes_a_state_dict(run, path_type):
    """save_model writes the model's state_dict, not the pickled model, to the path it is given."""
    out = run("save_model_file", doing="save_model(model, path)", path_type=path_type)
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
    """load_model puts the saved values into a fresh MNISTNet and returns that model."""
    out = run("load_model_from_state_dict", doing="load_model(MNISTNet(), path)", path_type=path_type)
    expect(out["is_module"], f"load_model returned a {out['returned_type']}; return the model you loaded into "
                             "(load_state_dict returns a report of keys, not the model).")
    for key in MNIST_KEYS:
        same_tensor(out["weights"][key], out["original"][key], f"{key} after load_model")
    same_tensor(out["eval_logits"], out["expected_logits"], "predictions of the loaded model (in eval mode)")


@pytest.mark.points(1)
def test_load_model_returns_eval_mode(run):
    """load_model returns the model in eval mode, ready to predict (Dropout off)."""
    out = run("load_model_from_state_dict", doing="load_model(MNISTNet(), path)", path_type="str")
    expect(out["is_module"], f"load_model returned a {out['returned_type']}, not the model.")
    if out["training"] or not out["first_call"].equal(out["expected_logits"]):
        diff = out["first_call"].max_abs_diff(out["second_call"])
        if out["training"]:
            fail("load_model returned the model in training mode: Dropout is still active, so two predictions on "
                 f"the same batch differ (by up to {diff:.3g}). Call model.eval() before returning it for inference.")
        fail("The model load_model returned does not predict what the saved model predicts in eval mode (largest "
             f"difference {out['first_call'].max_abs_diff(out['expected_logits']):.3g}): load the saved state_dict "
             "into the model and call model.eval() before returning it.")


@pytest.mark.points(1)
@pytest.mark.parametrize("path_type", ["str", "Path"])
def test_round_trip_predictions_match(run, path_type):
    """A model saved by save_model and loaded by load_model predicts exactly as before."""
    saved = run("round_trip_save", doing="save_model(model, path)", path_type=path_type)
    expect(saved["file"] is not None, "save_model(model, path) wrote no file at `path`.")
    out = {**saved, **run("round_trip_load", doing="load_model(MNISTNet(), path) on the file save_model wrote",
                          file=saved["file"], inputs=saved["inputs"], path_type=path_type)}
    expect(out["after"] is not None, "load_model did not return a model.")
    for key in MNIST_KEYS:
        same_tensor(out["params_after"][key], out["params_before"][key], f"{key} after the round trip")
    same_tensor(out["after"], out["before"], "predictions after save_model → load_model")
