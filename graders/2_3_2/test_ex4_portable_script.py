"""Exercise 4 (2_3_2.ex4): one portable script: detects the device, AMP on CUDA only, checkpoints, resumes anywhere.

train_portable runs on a CPU-only machine and on a GPU (real, or gradekit's simulated one); a checkpoint written
on one resumes on the other. The comparisons use the lesson's loop on the same seeded batches.
"""

import pytest

from gradekit.checks import expect, fail, fmt, same_tensor

pytestmark = pytest.mark.exercise("2_3_2.ex4")

CALL = "train_portable(model, optimizer, criterion, loader, epochs={epochs}, checkpoint_path)"
WHERE = {"cpu": "on a machine without a GPU", "accelerator": "on a GPU"}
NO_MAP_LOCATION = ("resuming {where} from a checkpoint written {other} failed: {error}. Load checkpoints with "
                   "map_location=device, so the file resumes on whichever device this run has.")
STATE_LEFT_BEHIND = ("resuming {where} from a checkpoint written {other} failed: {error}. The optimizer's state "
                     "(SGD's momentum) is on {state}, the model on {model}: it was loaded before the model moved, "
                     "and optimizer.load_state_dict puts it where the parameters are at that moment. Move the model "
                     "first, model.to(device), then load the checkpoint with map_location=device.")


def no_error(out: dict, doing: str) -> None:
    __tracebackhide__ = True
    error = out["error"]
    if error:
        where = f"\n  at {error['where']}" if error.get("where") else ""
        fail(f"{doing} raised {error['type']}: {error['message'][:400]}{where}")


def losses_of(values, count: int, doing: str) -> list[float]:
    __tracebackhide__ = True
    expect(isinstance(values, list), f"{doing} returned {values}, not a list of per-epoch losses.")
    for value in values:
        if isinstance(value, dict):
            fail(f"{doing} returned {value.get('repr') or 'a tensor'} among its losses: return floats (loss.item()).")
        expect(isinstance(value, (int, float)) and not isinstance(value, bool),
               f"{doing} returned {value!r} among its losses: return floats (loss.item()).")
    expect(len(values) == count, f"{doing} returned {len(values)} losses {fmt(values)}; expected {count}, one per "
                                 "epoch it trained.")
    return [float(v) for v in values]


def readable(checkpoint: dict | None, after: str) -> dict:
    """The checkpoint the grader read back, or a failure saying there is none or the safe loader refused it."""
    __tracebackhide__ = True
    expect(checkpoint is not None, f"{after} there is no checkpoint at checkpoint_path: write it after every "
                                   "epoch, so a crash costs at most one epoch.")
    expect("unreadable" not in checkpoint, f"{after} the checkpoint does not load with torch.load(path, "
                                           f"weights_only=True) ({checkpoint.get('unreadable')}): save the lesson "
                                           "2.3.1 dict of state_dicts and plain numbers.")
    return checkpoint


def close_to(values: list[float], reference: list, rel: float) -> bool:
    """Each epoch's loss equals the lesson loop's, as a mean over batches or over samples."""
    return all(any(abs(v - r) <= rel * abs(r) + 1e-7 for r in refs) for v, refs in zip(values, reference))


@pytest.mark.points(2)
def test_cpu_run_trains_in_float32(run):
    doing = CALL.format(epochs=3) + " " + WHERE["cpu"]
    out = run("portable_run", doing=doing, seed=41, where="cpu", epochs=3)
    if out["error"] and any(w in out["error"]["message"].lower() for w in ("cuda", "nvidia")):
        fail(f"On a machine without a GPU train_portable still reached for one ({out['error']['message'][:160]}). "
             "With device=None detect the device (torch.cuda.is_available()), and use mixed precision only when "
             "device.type == 'cuda'.")
    no_error(out, doing)
    expect(out["devices"] == ["cpu"], f"On a machine without a GPU the model ended up on {out['devices']}.")
    reduced = sorted(name for name, dtype in out["dtypes"].items() if dtype != "float32")
    expect(not reduced, f"On the CPU the layers {reduced} ran in {out['dtypes'].get(reduced[0]) if reduced else ''}: "
                        "autocast should be enabled only on CUDA. On a CPU, mixed precision means bfloat16, usually "
                        "slower and less precise there: train in plain float32.")
    losses = losses_of(out["losses"], 3, doing)
    expect(close_to(losses, out["reference"], 1e-5),
           f"On the CPU train_portable's losses are {fmt(losses)}; the lesson's loop on the same batches gives "
           f"{fmt([r[0] for r in out['reference']])}. Clear, compute, use for every batch.")
    expect(out["checkpoint"] is not None, "train_portable wrote no checkpoint at checkpoint_path.")
    checkpoint = readable(out["checkpoint"], "After epochs=3")
    expect(checkpoint.get("epoch") == 3, f"After epochs=3 the checkpoint says epoch {checkpoint.get('epoch')!r}; "
                                         "expected 3 (the lesson 2.3.1 checkpoint: model_state_dict, "
                                         "optimizer_state_dict, epoch, loss).")


@pytest.mark.points(2)
def test_gpu_run_uses_mixed_precision(run):
    doing = CALL.format(epochs=3) + " " + WHERE["accelerator"]
    out = run("portable_run", doing=doing, seed=42, where="accelerator", epochs=3)
    no_error(out, doing)
    expect(out["devices"] == ["cuda"], f"With a GPU available and device=None the model trained on {out['devices']}: "
                                       "detect the device (get_device()) and move the model there.")
    expect(all(e.get("inputs") == "cuda" for e in out["events"]), "The batches did not all reach the model on the "
                                                                   "GPU: move each batch inside the loop.")
    skipped = [name for name in out["linear_layers"] if name not in out["dtypes"]]  # MNISTNet's, named by the probe
    expect(not skipped, f"On the GPU train_portable never ran the Linear layers {skipped}: train the model it is "
                        "given, a batch at a time, model(inputs).")
    full = sorted(name for name, dtype in out["dtypes"].items() if dtype != "float16")
    ran_in = ", ".join(sorted({out["dtypes"][name] for name in full}))
    expect(not full, f"On the GPU the layers {full} ran in {ran_in}, not float16: use torch.autocast(device.type) "
                     "(float16 on CUDA, with the GradScaler) for forward and loss when device.type == 'cuda'.")
    ratio = (out["logit_grad"] or 0.0) / out["unscaled_logit_grad"]
    expect(ratio > 8, f"On the GPU the gradients were not scaled (they were {ratio:.3g} times the unscaled ones): "
                      "create an enabled torch.amp.GradScaler('cuda') and call scaler.scale(loss).backward(), "
                      "scaler.step(optimizer), scaler.update(). Without it, tiny float16 gradients vanish.")
    losses = losses_of(out["losses"], 3, doing)
    expect(close_to(losses, out["reference"], 1e-3),
           f"On the GPU train_portable's losses are {fmt(losses)}; the lesson's mixed-precision loop on the same "
           f"batches gives {fmt([r[0] for r in out['reference']])}. Step through the scaler: "
           "scaler.step(optimizer) unscales the gradients before the update.")


@pytest.mark.points(1)
def test_a_checkpoint_is_written_every_epoch(run):
    doing = CALL.format(epochs=4) + ", crashing at the start of epoch 3"
    out = run("portable_crash", doing=doing, seed=43, where="cpu", epochs=4, crash_at_epoch=3)
    no_error(out, doing)
    expect(out["crashed"], "train_portable carried on after its data loader crashed; let the error through.")
    expect(out["checkpoint"] is not None, "Training crashed in epoch 3 and there is no checkpoint at "
                                          "checkpoint_path: write it after every epoch, so a crash costs at most one "
                                          "epoch.")
    checkpoint = readable(out["checkpoint"], "Training crashed in epoch 3 and")
    expect(checkpoint.get("epoch") == 2, f"Training crashed in epoch 3, and the checkpoint holds epoch "
                                         f"{checkpoint.get('epoch')!r}: write it after every epoch (here: after 2).")
    weights = checkpoint.get("weights") or {}
    for key, value in out["trusted_at_crash"].items():
        expect(key in weights, f"The checkpoint's model_state_dict lacks {key}.")
        if not weights[key].equal(value) and key in out["at_crash"] and weights[key].equal(out["at_crash"][key]):
            fail(f"The checkpoint after epoch 2 holds your model's weights, but they are not the weights two epochs "
                 f"of the lesson's loop give from the same start on the same batches ({key} differs by up to "
                 f"{weights[key].max_abs_diff(value):.3g}): train with clear, compute, use for every batch.")
        same_tensor(weights[key], value, f"checkpoint {key} (the weights after epoch 2)")


def resume_doing(first: str, second: str) -> str:
    return f"{CALL.format(epochs=2)} {WHERE[first]}, then {CALL.format(epochs=4)} {WHERE[second]}"


def resumed(run, out: dict, seed: int, first: str, second: str) -> dict:
    """The first half's checkpoint, and only it, resumed to epoch 4 in another worker; both halves' results."""
    if out["error"]:
        return out
    expect(out["file"] is not None, f"After {CALL.format(epochs=2)} {WHERE[first]} there is no checkpoint at "
                                    "checkpoint_path to resume from: write it after every epoch.")
    resumed = run("portable_second_half", doing=resume_doing(first, second), seed=seed, second=second,
                  crash_after=2, epochs=4, file=out["file"])
    return {**out, **resumed}


def check_resumed(out: dict, first: str, second: str) -> None:
    """The second call resumed after epoch 2, trained epochs 3 and 4 only, and continued the loss curve."""
    __tracebackhide__ = True
    error = out["error"]
    if error and out["stage"] == "second" and ("deserialize object on a CUDA device" in error["message"]
                                               or "map_location" in error["message"]):
        fail(NO_MAP_LOCATION.format(where=WHERE[second], other=WHERE[first],
                                    error=f"{error['type']}: {error['message'][:160]}"))
    left_behind = sorted(set(out.get("optimizer_devices") or []) - set(out.get("devices") or []))
    if error and out["stage"] == "second" and "same device" in error["message"] and left_behind:
        fail(STATE_LEFT_BEHIND.format(where=WHERE[second], other=WHERE[first], state=left_behind,
                                      model=out["devices"], error=f"{error['type']}: {error['message'][:160]}"))
    no_error(out, resume_doing(first, second))
    first_losses = losses_of(out["first"], 2, CALL.format(epochs=2))
    rel = 1e-3 if first == "accelerator" else 1e-5
    expect(close_to(first_losses, out["reference_first"], rel),
           f"{WHERE[first].capitalize()}, epochs 1 and 2 gave losses {fmt(first_losses)}; the lesson's loop from the "
           f"same start on the same batches gives {fmt([r[0] for r in out['reference_first']])}: there is no "
           "honest state after epoch 2 to resume from. Clear, compute, use for every batch.")
    second_losses = out["second"]
    rel = 1e-3 if second == "accelerator" else 1e-5
    if isinstance(second_losses, list) and len(second_losses) == 4:
        numbers = [v for v in second_losses if isinstance(v, (int, float)) and not isinstance(v, bool)]
        if len(numbers) == 4 and close_to(numbers[:2], out["reference"], rel):
            fail(f"Resumed after epoch 2 with epochs=4, train_portable trained 4 more epochs (3 to 6), losses "
                 f"{fmt(numbers)}: epochs is the number of the last epoch, not how many epochs to train in this "
                 "call. Train from the checkpoint's epoch + 1 up to epochs, here epochs 3 and 4.")
        fail("Called again with epochs=4 after a run to epoch 2, train_portable started over from epoch 1: when "
             "checkpoint_path exists, resume from it and train epochs 3 and 4 only.")
    if isinstance(second_losses, list) and len(second_losses) == 3:
        fail("Resumed after epoch 2 with epochs=4, train_portable trained 3 epochs: start at the checkpoint's epoch "
             "+ 1 (epoch 2 is done) and stop after epoch 4 (epochs is the number of the last epoch).")
    losses = losses_of(second_losses, 2, CALL.format(epochs=4) + " after a run to epoch 2")
    expect(out["devices"] == (["cuda"] if second == "accelerator" else ["cpu"]),
           f"The resumed run {WHERE[second]} trained on {out['devices']}.")
    expect(close_to(losses, out["reference"], rel),
           f"Resumed {WHERE[second]}, epochs 3 and 4 gave losses {fmt(losses)}; continuing from the weights and the "
           f"optimizer state after epoch 2 gives {fmt([r[0] for r in out['reference']])}. Restore both from the "
           "checkpoint (model_state_dict and optimizer_state_dict) and the loss curve continues without a spike.")


@pytest.mark.points(2)
def test_a_resumed_run_continues_to_the_last_epoch(run):
    out = run("portable_first_half", doing=CALL.format(epochs=2) + " " + WHERE["cpu"], seed=44, first="cpu",
              second="cpu", crash_after=2, epochs=4)
    check_resumed(resumed(run, out, 44, "cpu", "cpu"), "cpu", "cpu")


@pytest.mark.points(1)
@pytest.mark.parametrize("first,second", [("accelerator", "cpu"), ("cpu", "accelerator")],
                         ids=["gpu_to_cpu", "cpu_to_gpu"])
def test_a_checkpoint_moves_between_devices(run, first, second):
    out = run("portable_first_half", doing=CALL.format(epochs=2) + " " + WHERE[first], seed=45, first=first,
              second=second, crash_after=2, epochs=4)
    check_resumed(resumed(run, out, 45, first, second), first, second)
