"""Mistake: load_checkpoint calls torch.load without map_location; a GPU checkpoint fails on a CPU-only machine."""
CAUGHT_BY = {"test_a_gpu_checkpoint_loads_on_a_cpu_only_machine": "map_location=device"}


def load_checkpoint(path, model, optimizer, device):
    checkpoint = torch.load(path, weights_only=False)
    model.to(device)
    model.load_state_dict(checkpoint["model_state_dict"])
    optimizer.load_state_dict(checkpoint["optimizer_state_dict"])
    return checkpoint["epoch"] + 1
