"""Exercise 2 (2_3_1.ex2): a checkpoint holds model, optimizer, epoch and loss; files at the right epochs."""

import math
import re

import pytest

from gradekit.checks import expect, fail, fmt, same_tensor

pytestmark = pytest.mark.exercise("2_3_1.ex2")

CHECKPOINT_KEYS = ["epoch", "loss", "model_state_dict", "optimizer_state_dict"]


def rows_of(out: dict, doing: str) -> list[dict]:
    """The history rows a training function returned, or a failure saying what it returned instead."""
    __tracebackhide__ = True
    rows = out["rows"]
    expect(isinstance(rows, list) and all(isinstance(row, dict) for row in rows),
           f"{doing} should return a list of dicts (one per epoch), not {rows}")
    for row in rows:
        missing = {"epoch", "train_loss", "val_loss"} - set(row)
        expect(not missing, f"{doing}: a history row lacks {sorted(missing)}; each row is "
                            '{"epoch", "train_loss", "val_loss"}.')
    diverged = [row["epoch"] for row in rows if any(isinstance(row[k], float) and math.isnan(row[k])
                                                    for k in ("train_loss", "val_loss"))]
    expect(not diverged, f"{doing}: the losses are NaN from epoch {diverged[:1] and diverged[0]} on "
                         f"(val_loss {fmt([row['val_loss'] for row in rows])}). The weights have become NaN, so no "
                         "epoch is ever better than the best so far and best.pt is never written. Train with "
                         "train_one_epoch as the lesson gives it, and check that the first epoch's loss is a number.")
    return rows


def expect_trained(out: dict, course: dict, name: str, epoch: int) -> None:
    """The checkpoint `name` holds the weights the course's loop reaches after `epoch` epochs from the same start:
    the file shows what was actually trained, whatever the history says."""
    __tracebackhide__ = True
    weights, trusted = out["weights"].get(name), course["states"][epoch]
    expect(weights is not None, f"{name} is missing or does not hold model weights readable with weights_only=True.")
    expect(sorted(weights) == sorted(trusted), f"{name} holds the keys {sorted(weights)}; the model's are "
                                               f"{sorted(trusted)}.")
    worst = max(weights[key].max_abs_diff(trusted[key]) for key in trusted)
    expect(worst <= 1e-5 * (1 + max(float(abs(trusted[key].array).max()) for key in trusted)),
           f"{name} does not hold the weights of epoch {epoch} (largest difference {worst:.3g} from the model "
           f"trained {epoch} epochs by train_one_epoch): save the model after training that epoch, with "
           "model.state_dict(), and train every epoch with train_one_epoch.")


@pytest.mark.points(2)
def test_save_checkpoint_keys_and_values(run):
    """save_checkpoint writes one dict: the model's and the optimizer's state, the epoch and the loss."""
    out = run("save_checkpoint_file", doing="save_checkpoint(path, model, optimizer, epoch=7, loss=0.25)",
              epoch=7, loss=0.25)
    expect(out["type"] != "no file", "save_checkpoint(path, ...) wrote no file at `path`.")
    expect(out.get("error") is None, f"The checkpoint does not load with torch.load(path, weights_only=True) "
                                     f"({out.get('error')}): save plain state_dicts and numbers, not objects.")
    expect(out["type"] in ("dict", "OrderedDict"), f"The checkpoint file holds a {out['type']}, not a dict.")
    expect(out["keys"] == CHECKPOINT_KEYS, f"The checkpoint has keys {out['keys']}; expected exactly {CHECKPOINT_KEYS}.")
    expect(out["epoch"] == 7, f"checkpoint['epoch'] is {out['epoch']!r}; save_checkpoint was given epoch=7.")
    expect(out["loss"] == pytest.approx(0.25), f"checkpoint['loss'] is {out['loss']!r}; it was given loss=0.25.")
    expect(out["saved_model"] is not None, "checkpoint['model_state_dict'] is not a state_dict.")
    for key, value in out["model"].items():
        expect(key in out["saved_model"], f"checkpoint['model_state_dict'] lacks {key}.")
        same_tensor(out["saved_model"][key], value, f"checkpoint['model_state_dict']['{key}']")


@pytest.mark.points(2)
def test_checkpoint_holds_the_optimizer_state(run):
    """The checkpoint keeps Adam's state (exp_avg, exp_avg_sq), so a resumed run remembers it."""
    out = run("save_checkpoint_file", doing="save_checkpoint(path, model, optimizer, epoch=7, loss=0.25)",
              epoch=7, loss=0.25)
    saved = out.get("saved_optimizer")
    amnesia = ("Without Adam's state a resumed run starts with an amnesiac optimizer: giving an experienced pilot "
               "amnesia. Save optimizer.state_dict() under 'optimizer_state_dict'.")
    expect(saved is not None, f"checkpoint['optimizer_state_dict'] is missing or not a dict. {amnesia}")
    for param in range(out["param_count"]):
        for name in ("exp_avg", "exp_avg_sq"):
            key = f"{param}.{name}"
            expect(key in saved, f"The checkpoint's optimizer state has no {name} for parameter {param}. {amnesia}")
            same_tensor(saved[key], out["optimizer"][key], f"optimizer state {name} of parameter {param}")


@pytest.mark.points(2)
def test_checkpoint_files_at_the_right_epochs(run):
    """train_with_checkpoints writes epoch_E.pt every few epochs, as asked, and best.pt."""
    out = run("checkpoint_run", doing="train_with_checkpoints(..., epochs=7, every=3)", seed=7, epochs=7, every=3)
    course = run.reference("course_run", doing="7 epochs of the course's loop", seed=7, epochs=7)
    rows = rows_of(out, "train_with_checkpoints")
    epochs = [row["epoch"] for row in rows]
    expect(epochs == list(range(1, 8)), f"With epochs=7 the history covers epochs {epochs}; expected 1 to 7 "
                                        "(epochs is the number of the last epoch, counted from 1).")
    periodic = sorted(f for f in out["files"] if f != "best.pt")
    expect(periodic == ["epoch_3.pt", "epoch_6.pt"],
           f"With every=3 and 7 epochs the periodic checkpoints are {periodic}; expected ['epoch_3.pt', 'epoch_6.pt'] "
           "(write epoch_{E}.pt when E is a multiple of every, counting epochs from 1).")
    expect("best.pt" in out["files"], "train_with_checkpoints wrote no best.pt.")
    expect_trained(out, course, "epoch_3.pt", 3)
    expect_trained(out, course, "epoch_6.pt", 6)


@pytest.mark.points(2)
def test_best_checkpoint_has_the_lowest_validation_loss(run):
    """best.pt holds the weights of the epoch with the lowest validation loss."""
    out = run("checkpoint_run", doing="train_with_checkpoints(..., epochs=6, every=1)", seed=8, epochs=6, every=1)
    course = run.reference("course_run", doing="6 epochs of the course's loop", seed=8, epochs=6)
    rows = rows_of(out, "train_with_checkpoints")
    expect("best.pt" in out["weights"], "best.pt is missing or holds no model weights.")
    epoch_files = {int(found.group(1)): name for name in out["weights"]
                   if (found := re.fullmatch(r"epoch_(\d+)\.pt", name))}
    expect(sorted(epoch_files) == list(range(1, 7)),
           f"With every=1 there should be 6 epoch files (epoch_1.pt to epoch_6.pt), found {sorted(epoch_files)}.")
    for epoch, name in epoch_files.items():
        expect_trained(out, course, name, epoch)
    best, keys = out["weights"]["best.pt"], sorted(course["states"][1])
    expect(sorted(best) == keys, f"best.pt holds the keys {sorted(best)}; the model's are {keys}.")
    val = {epoch: out["val_losses"][name] for epoch, name in epoch_files.items()}
    best_epoch = min(val, key=val.get)
    matches = [e for e, name in epoch_files.items()
               if all(out["weights"][name][k].equal(v) for k, v in out["weights"]["best.pt"].items())]
    if best_epoch not in matches:
        held = matches[0] if matches else None
        train = [row["train_loss"] for row in rows]
        why = ""
        if held == max(epoch_files):
            why = (" best.pt holds the last epoch: it must be written only when the validation loss improves "
                   "(is it written every epoch, or chosen by training loss, which keeps falling?).")
        fail(f"best.pt should hold the weights of epoch {best_epoch}, the lowest validation loss "
             f"({fmt([val[e] for e in sorted(val)])}), but it holds epoch {held}'s.{why}"
             f" Training losses were {fmt(train)}.")


@pytest.mark.points(1)
def test_resumed_run_numbers_its_epochs(run):
    """A run started at start_epoch numbers its epochs and checkpoints from there."""
    out = run("checkpoint_run", doing="train_with_checkpoints(..., epochs=10, every=5, start_epoch=6)",
              seed=9, epochs=10, every=5, start_epoch=6)
    course = run.reference("course_run", doing="epochs 6 to 10 of the course's loop", seed=9, epochs=10,
                           first_epoch=6)
    rows = rows_of(out, "train_with_checkpoints")
    epochs = [row["epoch"] for row in rows]
    expect(epochs == [6, 7, 8, 9, 10], f"With start_epoch=6, epochs=10 the history covers {epochs}; expected 6 to 10.")
    periodic = sorted(f for f in out["files"] if f != "best.pt")
    expect(periodic == ["epoch_10.pt"], f"With start_epoch=6, epochs=10, every=5 the periodic checkpoints are "
                                        f"{periodic}; expected ['epoch_10.pt'].")
    expect_trained(out, course, "epoch_10.pt", 10)
