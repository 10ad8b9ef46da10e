"""Exercise 1 (2_3_2.ex1): the portable device, a training loop whose batches ride the truck, timing an epoch.

The loop runs on a GPU (real, or gradekit's simulated one on CPU-only machines) and on a CPU-only machine.
"""

import pytest

from gradekit.checks import expect, fail, fmt

pytestmark = pytest.mark.exercise("2_3_2.ex1")

LABELS_LEFT = ("The labels stayed on the CPU while the model and its outputs were on the GPU, and the loss compares "
               "outputs with labels, so PyTorch stops with 'Expected all tensors to be on the same device'. The "
               "truck must carry every part to the factory: inside the loop move the labels too, "
               "`labels = labels.to(device)`, not only the inputs.")
INPUTS_LEFT = ("The batch reached the model on the CPU while the model was on the GPU ('Expected all tensors to be on "
               "the same device'). A DataLoader always yields CPU tensors: inside the loop, before the forward pass, "
               "move each batch with `inputs = inputs.to(device)` (and the labels). .to(device) is the truck that "
               "carries the parts to the faster factory.")
MODEL_NOT_MOVED = ("The batches arrived on the GPU but the model was still on the CPU ('Expected all tensors to be on "
                   "the same device'). train must move the model once, before the loop: `model.to(device)`. The "
                   "factory has to be where the truck delivers the parts.")
NOTHING_MOVED = ("Given a CUDA device, training ran entirely on the CPU: neither the model nor the batches went to "
                 "the GPU. Move the model once (`model.to(device)`) and every batch inside the loop.")
HARD_CODED = ("On a machine without a GPU (device=cpu) your code still reached for the GPU{detail}. A hard-coded "
              "\"cuda\" crashes on every machine without one: use the `device` argument everywhere "
              "(`.to(device)`), the portable device pattern.")
HEARTBEAT = ("Same heartbeat, new instruments: for every batch clear, compute, use (optimizer.zero_grad(), "
             "loss.backward(), optimizer.step()), and return the epoch's mean loss (over batches or over samples).")


def mentions_gpu(error: dict | None) -> bool:
    """Whether an error came from reaching for a GPU (no driver, no CUDA build, a cuda tensor among cpu ones)."""
    text = f"{error['type']} {error['message']}".lower() if error else ""
    return any(word in text for word in ("cuda", "nvidia"))


def error_message(out: dict, doing: str) -> str:
    error = out["error"]
    where = f"\n  at {error['where']}" if error.get("where") else ""
    return f"{doing} raised {error['type']}: {error['message'][:400]}{where}"


def check_placement(out: dict, doing: str, gpu: bool) -> None:
    """Fail with the lesson's words when the model, the inputs or the labels were in the wrong place."""
    __tracebackhide__ = True
    events = out["events"]
    forward = next((e for e in events if e["at"] == "forward"), None)
    loss = next((e for e in events if e["at"] == "loss"), None)
    if gpu:
        if forward and forward["model"] == "cpu" and forward["inputs"] != "cpu":
            fail(MODEL_NOT_MOVED)
        if forward and forward["inputs"] == "cpu" and forward["model"] != "cpu":
            fail(INPUTS_LEFT)
        if loss and loss["labels"] == "cpu" and loss["outputs"] != "cpu":
            fail(LABELS_LEFT)
        if forward and forward["model"] == "cpu" and forward["inputs"] == "cpu":
            fail(NOTHING_MOVED)
    else:
        on_gpu = [e for e in events if "cuda" in e.values()] or "cuda" in out.get("devices", [])
        if mentions_gpu(out["error"]) or on_gpu:
            error = out["error"]
            fail(HARD_CODED.format(detail=f" ({error['type']}: {error['message'][:160]})" if error else ""))
    if out["error"]:
        fail(error_message(out, doing))
    expect(events, f"{doing} never ran a batch through the model and the loss: nothing rode the truck to the "
                   f"{'GPU' if gpu else 'CPU'}. {HEARTBEAT}")


def as_float(value, what: str) -> float:
    """A returned loss or time as a float, or a failure saying what came back instead."""
    __tracebackhide__ = True
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    if isinstance(value, dict) and value.get("tensor"):
        fail(f"{what} returned a tensor on {value['device']}, not a Python float: use loss.item() (a tensor keeps its "
             "autograd graph and its GPU memory alive).")
    fail(f"{what} returned {value.get('repr') if isinstance(value, dict) else value!r}, not a float.")


def matches(value: float, reference: list, rel: float = 1e-5) -> bool:
    """Equal, up to rounding, to the mean loss per batch or the mean loss per sample."""
    return any(abs(value - ref) <= rel * abs(ref) + 1e-7 for ref in reference)


def same_weights(out: dict, what: str, tolerance: float = 1e-5) -> None:
    __tracebackhide__ = True
    for key, value in out["reference_params"].items():
        diff = out["params"][key].max_abs_diff(value)
        expect(diff <= tolerance, f"{what}: {key} differs from the course's loop on the same batches (largest "
                                  f"difference {diff:.3g}). {HEARTBEAT}")


@pytest.mark.points(1)
def test_get_device_picks_the_gpu_only_when_there_is_one(run):
    out = run("device_choice", doing="get_device()")
    for where, label, want in (("accelerator", "with a GPU", "cuda"), ("cpu", "on a machine without a GPU", "cpu")):
        got = out[where]
        if got["error"]:
            fail(f"get_device() {label} raised {got['error']['type']}: {got['error']['message'][:300]}")
        expect(got["device_type"] == want,
               f"get_device() {label} returned {got['device']} ({got['type']}); expected torch.device('{want}'). "
               "The portable device pattern: torch.device('cuda' if torch.cuda.is_available() else 'cpu').")


@pytest.mark.points(2)
def test_each_batch_rides_the_truck_to_the_gpu(run):
    out = run("epoch_on", doing="train_one_epoch(model_on_gpu, loader, optimizer, criterion, device=cuda)", seed=1,
              where="accelerator")
    check_placement(out, "train_one_epoch(..., device=cuda)", gpu=True)
    seen = {e["at"] for e in out["events"]}
    expect({"forward", "loss"} <= seen, "train_one_epoch never ran a batch through the model and the loss: nothing "
                                        f"rode the truck to the GPU. {HEARTBEAT}")
    expect(all(v == "cuda" for e in out["events"] for k, v in e.items() if k != "at"),
           f"Not everything was on the GPU during the epoch: {out['events'][:4]}.")
    expect(out["devices"] == ["cuda"], f"After train_one_epoch the model's parameters are on {out['devices']}; they "
                                       "should stay on the GPU, where the model was given.")


@pytest.mark.points(2)
def test_gpu_epoch_matches_the_cpu_run(run):
    out = run("epoch_on", doing="train_one_epoch(model_on_gpu, loader, optimizer, criterion, device=cuda)", seed=1,
              where="accelerator")
    check_placement(out, "train_one_epoch(..., device=cuda)", gpu=True)
    loss = as_float(out["loss"], "train_one_epoch")
    ref = out["reference"]
    expect(matches(loss, ref), f"train_one_epoch returned {loss:.6f}; the same epoch with the course's loop, same "
                               f"seed, same batches (the last one smaller) gives {ref[0]:.6f} (mean over batches) or "
                               f"{ref[1]:.6f} (mean over samples). {HEARTBEAT}")
    same_weights(out, "After one epoch on the GPU")


@pytest.mark.points(2)
def test_train_moves_the_model_once(run):
    out = run("train_on", doing="train(model, loader, optimizer, criterion, device=cuda, epochs=3)", seed=3,
              where="accelerator", epochs=3)
    check_placement(out, "train(..., device=cuda, epochs=3)", gpu=True)
    losses = out["losses"]
    expect(isinstance(losses, list) and len(losses) == 3,
           f"train(..., epochs=3) returned {losses}; expected a list of 3 mean losses, one per epoch.")
    values = [as_float(v, "train (each epoch's loss)") for v in losses]
    for epoch, (value, ref) in enumerate(zip(values, out["reference"]), start=1):
        expect(matches(value, ref), f"train's losses {fmt(values)} part from the course's loop "
                                    f"{fmt([r[0] for r in out['reference']])} at epoch {epoch}. {HEARTBEAT}")
    expect(out["devices"] == ["cuda"], f"After train(..., device=cuda) the parameters are on {out['devices']}.")
    same_weights(out, "After train(..., device=cuda)")


@pytest.mark.points(2)
def test_the_same_code_runs_on_a_cpu_only_machine(run):
    out = run("train_on", doing="train(..., device=cpu, epochs=2) on a machine without a GPU", seed=4, where="cpu",
              epochs=2)
    check_placement(out, "train(..., device=cpu, epochs=2) on a machine without a GPU", gpu=False)
    losses = out["losses"]
    expect(isinstance(losses, list) and len(losses) == 2,
           f"train(..., epochs=2) returned {losses}; expected a list of 2 mean losses.")
    values = [as_float(v, "train (each epoch's loss)") for v in losses]
    for value, ref in zip(values, out["reference"]):
        expect(matches(value, ref), f"On the CPU train's losses are {fmt(values)}; the course's loop gives "
                                    f"{fmt([r[0] for r in out['reference']])}. {HEARTBEAT}")
    expect(out["devices"] == ["cpu"], f"With device=cpu the parameters ended up on {out['devices']}.")


@pytest.mark.points(1)
def test_time_epoch_waits_for_the_gpu(run):
    out = run("timed_epoch", doing="time_epoch(model, loader, optimizer, criterion, device=cuda)", seed=5,
              where="accelerator")
    if out["error"]:
        fail(error_message(out, "time_epoch(..., device=cuda)"))
    seconds = as_float(out["seconds"], "time_epoch")
    expect(0 < seconds <= out["wall"] + 1e-3,
           f"time_epoch returned {seconds:.4g}, but the call took {out['wall']:.4g} s: return the epoch's duration "
           "in seconds (time.perf_counter() after minus before; CUDA events give milliseconds).")
    steps = out["events"].count("step")
    expect(steps == out["batches"], f"time_epoch made {steps} optimizer steps; one epoch over this loader is "
                                    f"{out['batches']} steps.")
    same_weights(out, "After time_epoch")
    last_step = len(out["events"]) - 1 - out["events"][::-1].index("step")
    expect("synchronize" in out["events"][last_step:],
           "time_epoch read the clock without waiting for the GPU: CUDA runs asynchronously, so Python gets control "
           "back before the work is done and you time how fast work was queued. Call torch.cuda.synchronize() "
           "before starting and before stopping the clock when device.type == 'cuda'.")
    cpu = run("timed_epoch", doing="time_epoch(..., device=cpu) on a machine without a GPU", seed=5, where="cpu")
    if cpu["error"]:
        if mentions_gpu(cpu["error"]):
            fail("time_epoch(..., device=cpu) failed on a machine without a GPU "
                 f"({cpu['error']['type']}: {cpu['error']['message'][:160]}): synchronize only when "
                 "device.type == 'cuda'.")
        fail(error_message(cpu, "time_epoch(..., device=cpu)"))
    expect(as_float(cpu["seconds"], "time_epoch") > 0, "time_epoch(..., device=cpu) returned no positive duration.")
