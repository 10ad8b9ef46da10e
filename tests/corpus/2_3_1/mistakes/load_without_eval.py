"""Mistake: load_model forgets model.eval(), so Dropout stays active."""
CAUGHT_BY = {"test_load_model_returns_eval_mode": "model.eval()"}


def load_model(model, path, device="cpu"):
    model.load_state_dict(torch.load(path, map_location=device, weights_only=True))
    return model
