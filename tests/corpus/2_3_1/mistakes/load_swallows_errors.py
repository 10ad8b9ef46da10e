"""Mistake: load_model wraps the load in try/except and returns the model untouched when it fails, so a file
carrying pickled code (or any bad file) is accepted without complaint."""
CAUGHT_BY = {"test_load_model_does_not_run_code_from_the_file": "without complaint"}


def load_model(model, path, device="cpu"):
    try:
        model.load_state_dict(torch.load(path, map_location=device, weights_only=True))
    except Exception:
        pass
    return model.eval()
