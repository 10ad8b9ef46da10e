"""Mistake: load_model and resume call torch.load without map_location, so a file saved on a GPU does not load on
a machine without one."""
CAUGHT_BY = {"test_load_model_maps_a_cuda_checkpoint_to_the_cpu": "map_location",
             "test_resume_maps_a_cuda_checkpoint_to_the_cpu": "map_location"}


def load_model(model, path, device="cpu"):
    model.load_state_dict(torch.load(path, weights_only=True))
    model.to(device)
    model.eval()
    return model


def resume(path, model, optimizer, device="cpu"):
    checkpoint = torch.load(path, weights_only=False)
    model.load_state_dict(checkpoint["model_state_dict"])
    optimizer.load_state_dict(checkpoint["optimizer_state_dict"])
    return checkpoint["epoch"] + 1
