"""Mistake: load_checkpoint restores model and optimizer but returns a fixed next epoch (4: the demo's crash after
epoch 3, plus one) instead of checkpoint['epoch'] + 1. When the checkpoint's epoch was the 2 to 6 epochs it was
trained, this passed on 1 draw in 5."""
CAUGHT_BY = {"test_a_gpu_checkpoint_loads_on_a_cpu_only_machine": "for a checkpoint saved after epoch",
             "test_load_checkpoint_puts_model_and_optimizer_on_the_device": "for a checkpoint saved after epoch",
             "test_gpu_training_resumes_on_the_cpu_without_a_spike": "for a checkpoint saved after epoch"}


def load_checkpoint(path, model, optimizer, device):
    checkpoint = torch.load(path, map_location=device, weights_only=True)
    model.to(device)
    model.load_state_dict(checkpoint["model_state_dict"])
    optimizer.load_state_dict(checkpoint["optimizer_state_dict"])
    return 4
