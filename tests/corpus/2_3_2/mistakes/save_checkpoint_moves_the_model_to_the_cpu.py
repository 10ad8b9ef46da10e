"""Mistake: save_checkpoint calls model.cpu() first, to make the file portable, and leaves the model there: the
training that goes on after the checkpoint runs off the GPU."""
CAUGHT_BY = {"test_save_checkpoint_during_gpu_training": "moved the model off the GPU"}


def save_checkpoint(path, model, optimizer, epoch, loss):
    model.cpu()
    torch.save({"model_state_dict": model.state_dict(), "optimizer_state_dict": optimizer.state_dict(),
                "epoch": epoch, "loss": loss}, path)
