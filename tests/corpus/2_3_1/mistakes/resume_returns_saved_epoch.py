"""Mistake: resume returns the saved epoch, so the resumed run repeats it."""
CAUGHT_BY = {"test_resume_returns_the_next_epoch": "the resumed run repeats epoch"}


def resume(path, model, optimizer, device="cpu"):
    checkpoint = torch.load(path, map_location=device, weights_only=False)
    model.load_state_dict(checkpoint["model_state_dict"])
    optimizer.load_state_dict(checkpoint["optimizer_state_dict"])
    return checkpoint["epoch"]
