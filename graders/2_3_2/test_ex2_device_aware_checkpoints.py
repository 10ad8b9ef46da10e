"""Exercise 2 (2_3_2.ex2): checkpoints saved during GPU training load on a CPU-only machine, and onto the GPU."""

import pytest

from gradekit.checks import expect, fail, same_tensor

pytestmark = pytest.mark.exercise("2_3_2.ex2")

CHECKPOINT_KEYS = {"epoch", "loss", "model_state_dict", "optimizer_state_dict"}
NO_MAP_LOCATION = ("load_checkpoint could not read, on a machine without a GPU, a checkpoint written during GPU "
                   "training: torch.load tried to put every tensor back on cuda:0, where it was saved ({error}). "
                   "Pass map_location=device to torch.load: it remaps the tensors to the device you are on, so the "
                   "same file loads anywhere.")


def failed_load(out: dict, doing: str) -> None:
    __tracebackhide__ = True
    error = out["error"]
    if error is None:
        return
    text = f"{error['type']}: {error['message'][:200]}"
    if "deserialize object on a CUDA device" in error["message"] or "map_location" in error["message"]:
        fail(NO_MAP_LOCATION.format(error=text))
    where = f"\n  at {error['where']}" if error.get("where") else ""
    fail(f"{doing} raised {text}{where}")


def restored(out: dict, what: str) -> None:
    """Model and optimizer state after load_checkpoint equal the saved ones."""
    __tracebackhide__ = True
    for key, value in out["saved_model"].items():
        expect(key in out["restored_model"], f"After load_checkpoint the model lacks {key}.")
        same_tensor(out["restored_model"][key], value, f"model {key} after {what}")
    expect(out["restored_optimizer"], "After load_checkpoint the optimizer has no state: restore it with "
                                      "optimizer.load_state_dict(checkpoint['optimizer_state_dict']).")
    for key, value in out["saved_optimizer"].items():
        expect(key in out["restored_optimizer"], f"After load_checkpoint the optimizer lacks state {key}.")
        same_tensor(out["restored_optimizer"][key], value, f"optimizer state {key} after {what}")


def next_epoch(out: dict, saved: int) -> None:
    __tracebackhide__ = True
    returned = out["returned"]
    if returned == saved:
        fail(f"load_checkpoint returned {saved}, the epoch saved in the checkpoint. That epoch is done: return "
             "checkpoint['epoch'] + 1, the next epoch to run.")
    expect(returned == saved + 1, f"load_checkpoint returned {returned!r} for a checkpoint saved after epoch {saved}; "
                                  f"expected {saved + 1} (the next epoch to run).")


@pytest.mark.points(1)
def test_save_checkpoint_during_gpu_training(run):
    out = run("save_during_gpu_training", doing="save_checkpoint(path, model_on_gpu, optimizer, epoch=7, loss=0.25)",
              seed=21, epoch=7, loss=0.25)
    if out["error"]:
        fail(f"save_checkpoint raised {out['error']['type']}: {out['error']['message'][:300]}")
    expect(out["exists"], "save_checkpoint(path, ...) wrote no file at `path`.")
    expect(not out["unreadable"], f"The checkpoint does not load with torch.load(path, weights_only=True) "
                                  f"({out['unreadable']}). A checkpoint holds state_dicts and plain numbers "
                                  "(epoch, loss.item()): nothing the safe loader refuses.")
    expect(out["devices"] == ["cuda"], "save_checkpoint moved the model off the GPU; training continues after a "
                                       "checkpoint, so leave the model where it is.")
    expect(out["type"] in ("dict", "OrderedDict"), f"The checkpoint file holds a {out['type']}, not a dict.")
    missing = CHECKPOINT_KEYS - set(out["keys"])
    expect(not missing, f"The checkpoint lacks {sorted(missing)}; it holds {out['keys']}. A checkpoint is the lesson "
                        "2.3.1 dict: model_state_dict, optimizer_state_dict, epoch and loss.")
    expect(out["epoch"] == 7, f"checkpoint['epoch'] is {out['epoch']!r}; save_checkpoint was given epoch=7.")
    expect(out["loss"] == pytest.approx(0.25), f"checkpoint['loss'] is {out['loss']!r}; it was given loss=0.25.")
    expect(out["saved_model"] is not None, "checkpoint['model_state_dict'] is not a state_dict.")
    for key, value in out["model"].items():
        expect(key in out["saved_model"], f"checkpoint['model_state_dict'] lacks {key}.")
        same_tensor(out["saved_model"][key], value, f"checkpoint['model_state_dict']['{key}']")
    expect(out["saved_optimizer"], "checkpoint['optimizer_state_dict'] holds no optimizer state: a resumed run would "
                                   "start with an amnesiac optimizer. Save optimizer.state_dict().")
    for key, value in out["optimizer"].items():
        expect(key in out["saved_optimizer"], f"The checkpoint's optimizer state lacks {key}.")
        same_tensor(out["saved_optimizer"][key], value, f"optimizer state {key}")


@pytest.mark.points(2)
def test_a_gpu_checkpoint_loads_on_a_cpu_only_machine(run):
    out = run("load_gpu_checkpoint_on_cpu",
              doing="load_checkpoint(path_saved_on_a_gpu, model, optimizer, device=cpu) on a machine without a GPU",
              seed=22)
    failed_load(out, "load_checkpoint(path_saved_on_a_gpu, model, optimizer, device=cpu)")
    next_epoch(out, out["saved_epoch"])
    restored(out, "loading a GPU checkpoint on the CPU")
    expect(out["devices"] == ["cpu"] and out["optimizer_devices"] == ["cpu"],
           f"With device=cpu the model ended up on {out['devices']} and the optimizer state on "
           f"{out['optimizer_devices']}.")


@pytest.mark.points(2)
def test_load_checkpoint_puts_model_and_optimizer_on_the_device(run):
    out = run("load_checkpoint_onto_gpu", doing="load_checkpoint(cpu_checkpoint, model_on_gpu, optimizer, device=cuda)",
              seed=23)
    failed_load(out, "load_checkpoint(cpu_checkpoint, model_on_gpu, optimizer, device=cuda)")
    next_epoch(out, out["saved_epoch"])
    restored(out, "loading a CPU checkpoint onto the GPU")
    expect(out["devices"] == ["cuda"], f"After load_checkpoint(..., device=cuda) the model is on {out['devices']}; "
                                       "it should be on the GPU.")
    expect(out["optimizer_devices"] == ["cuda"],
           f"After load_checkpoint(..., device=cuda) the optimizer's state (Adam's exp_avg, exp_avg_sq) is on "
           f"{out['optimizer_devices']}, not with the parameters on the GPU: the next step mixes devices. Load the "
           "optimizer state after the model is on the device; optimizer.load_state_dict moves it to the parameters.")
    if out.get("train_error"):
        error = out["train_error"]
        fail(f"Training on after load_checkpoint(..., device=cuda) failed: {error['type']}: {error['message'][:300]}")
