"""Mistake: the checkpoint leaves out the optimizer's state."""
CAUGHT_BY = {"test_checkpoint_holds_the_optimizer_state": "pilot amnesia",
             "test_save_checkpoint_keys_and_values": "expected exactly"}


def save_checkpoint(path, model, optimizer, epoch, loss):
    torch.save({"model_state_dict": model.state_dict(), "epoch": epoch, "loss": loss}, path)
