"""Mistake: resume restores the model but not the optimizer (pilot amnesia)."""
CAUGHT_BY = {"test_resume_restores_model_and_optimizer": "pilot amnesia",
             "test_resumed_loss_continues_smoothly": "spike"}


def resume(path, model, optimizer, device="cpu"):
    checkpoint = torch.load(path, map_location=device, weights_only=False)
    model.load_state_dict(checkpoint["model_state_dict"])
    return checkpoint["epoch"] + 1
