"""Exercise 3 (2_3_2.ex3): one mixed-precision step: autocast forward, scaled backward, step and update via the scaler.

The grader hands amp_train_step a real torch.amp.GradScaler that notes each call it gets, and an SGD optimizer
that notes each step; it watches the precision the Linear layers ran in with forward hooks.
"""

import numpy as np
import pytest

from gradekit.checks import expect, fail

pytestmark = pytest.mark.exercise("2_3_2.ex3")

DOING = "amp_train_step(model, inputs, labels, optimizer, criterion, scaler, device={device})"
ON_GPU = DOING.format(device="cuda")
DOINGS = {"accelerator": ON_GPU, "cpu": DOING.format(device="cpu")}
REDUCED = {"float16", "bfloat16"}
# Checks that look at the same kind of step make the same probe call (same seed): the harness runs it once.


UNSCALED = ("backward() ran on the unscaled loss: in float16, gradients around 1e-8 round to zero and vanish. "
            "Call `scaler.scale(loss).backward()`: the scaler multiplies the loss (by {scale:g} here), so every "
            "gradient grows by the same factor and survives float16, and scaler.step divides them back before the "
            "update.")
BYPASS = ("optimizer.step() was called directly, not through scaler.step(optimizer). The gradients are still "
          "multiplied by the scale ({scale:g}), and when one overflows to inf the update poisons the weights. "
          "scaler.step(optimizer) unscales the gradients first and skips the step when it finds inf or NaN.")
NO_UPDATE = ("scaler.update() was never called: after a step whose gradients overflowed, the scale is still "
             "{after:g}. update() adjusts the scale after every step, halving it after an inf gradient and growing "
             "it again after a run of clean steps. Call it after scaler.step(optimizer).")
HALF = ("After amp_train_step the weights are {dtypes}, not float32: model.half() is not mixed precision. It turns "
        "every weight into a tape measure, and the scaler refuses float16 gradients{because}. Keep the model in "
        "float32 and let torch.autocast choose float16 per operation, for the forward pass and the loss only.")


def bypassed(events: list) -> bool:
    """Whether the optimizer stepped outside scaler.step(optimizer)."""
    inside = False
    for event in events:
        inside = True if event == "scaler.step" else False if event == "scaler.step done" else inside
        if event == "optimizer.step" and not inside:
            return True
    return False


def half_problem(out: dict) -> None:
    __tracebackhide__ = True
    if out["param_dtypes"] != ["float32"]:
        error = out["error"]
        because = f" ({error['type']}: {error['message'][:120]})" if error else ""
        fail(HALF.format(dtypes="/".join(out["param_dtypes"]), because=because))


def no_error(out: dict) -> None:
    """Fail on an error in the student's step, naming its cause in the lesson's terms where it is known."""
    __tracebackhide__ = True
    error = out["error"]
    if not error:
        return
    half_problem(out)
    events, scale = out["events"], out["init_scale"]
    if "scale" not in events and ("scaler.step" in events or "_scale is None" in error["message"]):
        fail(UNSCALED.format(scale=scale))
    if bypassed(events):
        fail(BYPASS.format(scale=scale))
    where = f"\n  at {error['where']}" if error.get("where") else ""
    fail(f"{DOING.format(device=out['device'])} raised {error['type']}: {error['message'][:400]}{where}")


THE_STEP = ("The step is: optimizer.zero_grad(); forward and loss under torch.autocast(device.type); "
            "scaler.scale(loss).backward(); scaler.step(optimizer); scaler.update().")


def every_weight(out: dict) -> None:
    """Fail unless the model's state after the step holds every tensor the grader sent (the student's reply)."""
    __tracebackhide__ = True
    after = sorted(out["after"]) if isinstance(out["after"], dict) else []
    expect(after == sorted(out["before"]), f"After amp_train_step the model's state holds {after}; the model the "
                                           f"grader gave it holds {sorted(out['before'])}. The step must leave the "
                                           "model whole.")


def stepped(out: dict) -> None:
    """Fail unless the step moved the weights away from the start the grader sent (a step that did nothing)."""
    __tracebackhide__ = True
    every_weight(out)
    moved = [key for key, value in out["before"].items()
             if key in out["after"] and not out["after"][key].equal(value)]
    expect(moved, f"After amp_train_step every weight is exactly where it started: the step never updated the "
                  f"model. Clear, compute, use. {THE_STEP}")


def flat(tensors: dict) -> np.ndarray:
    return np.concatenate([np.asarray(t.array, dtype=np.float64).ravel() for _, t in sorted(tensors.items())])


def update_error(out: dict, factor: float = 1.0) -> float:
    """How far the step's update is from `factor` times the lesson's step from the same start, as a fraction."""
    __tracebackhide__ = True
    every_weight(out)
    before = flat(out["before"])
    update, ref_update = flat(out["after"]) - before, factor * (flat(out["reference"]["params"]) - before)
    if not np.all(np.isfinite(update)):
        return float("inf")
    return float(np.linalg.norm(update - ref_update) / max(np.linalg.norm(ref_update), 1e-30))


def grads(found: dict) -> np.ndarray | None:
    if found is None or any(g is None for g in found.values()):
        return None
    return flat(found)


@pytest.mark.points(1)
@pytest.mark.parametrize("where", ["accelerator", "cpu"])
def test_forward_runs_in_reduced_precision(run, where):
    out = run("amp_step", doing=DOINGS[where], seed=31, where=where)
    dtypes = out["dtypes"] if isinstance(out["dtypes"], dict) else {}
    if not dtypes:
        no_error(out)
        fail("amp_train_step never ran the model's forward pass.")
    skipped = [name for name in out["linear_layers"] if name not in dtypes]  # MNISTNet's, named by the probe
    if skipped:
        no_error(out)
        fail(f"amp_train_step's forward pass ran the Linear layers {sorted(dtypes)} but not {skipped}: run the "
             "whole model, model(inputs), under autocast.")
    full = sorted(name for name, dtype in dtypes.items() if dtype not in REDUCED)
    on = "a GPU (float16)" if where == "accelerator" else "the CPU (bfloat16)"
    expect(not full, f"The Linear layers {full} ran in {dtypes[full[0]] if full else ''}: the forward pass was not "
                     "under autocast. Wrap forward and loss in `with torch.autocast(device.type):`; on "
                     f"{on} the layers then run in reduced precision. Not magic, automation: autocast picks the "
                     "precision per operation.")


@pytest.mark.points(1)
def test_weights_stay_float32(run):
    out = run("amp_step", doing=ON_GPU, seed=31, where="accelerator")
    half_problem(out)
    no_error(out)
    stepped(out)


@pytest.mark.points(2)
def test_loss_is_scaled_before_backward(run):
    out = run("amp_step", doing=ON_GPU, seed=31, where="accelerator")
    half_problem(out)
    scale = out["init_scale"]
    expect("scale" in out["events"], UNSCALED.format(scale=scale))
    no_error(out)
    found = grads(out["grads_at_unscale"])
    if found is not None:
        reference = grads(out["reference"]["grads"])
        ratio = np.linalg.norm(found) / max(np.linalg.norm(reference), 1e-30)
        scale = out["scale_at_unscale"] or scale
        expect(abs(ratio / scale - 1) < 0.05,
               UNSCALED.format(scale=scale) + f" (The gradients were {ratio:.3g} times the unscaled ones, not "
                                              f"{scale:g} times: was it the scaled loss that went backward?)")
    scaled_update = min(update_error(out), update_error(out, factor=out["init_scale"]))
    expect(scaled_update < 0.05, UNSCALED.format(scale=out["init_scale"]) + " (The weights did not move as a step "
                                 f"on the scaled gradients would: {scaled_update:.1%} away from the lesson's update.)")


@pytest.mark.points(2)
def test_optimizer_steps_through_the_scaler(run):
    out = run("amp_step", doing=ON_GPU, seed=31, where="accelerator")
    half_problem(out)
    bypass = BYPASS.format(scale=out["init_scale"])
    expect(not bypassed(out["events"]), bypass)
    no_error(out)
    expect("scaler.step" in out["events"], bypass)
    error = update_error(out)
    expect(error < 0.05, f"The weights after a clean amp_train_step differ from the lesson's step by {error:.1%} of its "
                         f"update: scaler.step(optimizer) unscales the gradients, then steps. {THE_STEP}")
    overflow = run("amp_step", doing=ON_GPU, seed=35, where="accelerator", inject_inf=True)
    no_error(overflow)
    every_weight(overflow)
    changed = [k for k, v in overflow["before"].items() if not overflow["after"][k].equal(v)]
    expect(not changed, f"A step whose gradients overflowed to inf changed the weights {changed}: it must be skipped. "
                        + ("" if "scaler.step" in overflow["events"] else bypass))


@pytest.mark.points(1)
def test_scaler_update_is_called(run):
    out = run("amp_step", doing=ON_GPU, seed=35, where="accelerator", inject_inf=True)
    no_error(out)
    events, scale, after = out["events"], out["init_scale"], out["scale_after"]
    expect("update" in events, NO_UPDATE.format(after=after))
    expect("scaler.step done" in events and events.index("update") > events.index("scaler.step done"),
           "scaler.update() ran before scaler.step(optimizer): update after the step, once per step.")
    expect(after == pytest.approx(scale * 0.5), f"After an overflowing step the scale is {after:g}, expected it to "
                                                f"back off from {scale:g} to {scale / 2:g}. "
                                                + NO_UPDATE.format(after=after))


@pytest.mark.points(1)
def test_gradients_are_cleared_first(run):
    out = run("amp_step", doing=ON_GPU, seed=36, where="accelerator", stale=True)
    half_problem(out)
    no_error(out)
    found = grads(out["grads_at_unscale"])
    if found is not None:
        expected = out["init_scale"] * grads(out["reference"]["grads"])
        error = np.linalg.norm(found - expected) / max(np.linalg.norm(expected), 1e-30)
        expect(error < 0.05, "Gradients left over from the previous step were still in .grad when the scaler "
                             "unscaled them: backward() adds to .grad, it does not replace it. Clear, compute, use: "
                             "optimizer.zero_grad() first, then forward, loss and scaler.scale(loss).backward(), then "
                             "scaler.step(optimizer).")
    error = update_error(out)
    expect(error < 0.05, f"Starting with gradients left over from a previous step, the weights after amp_train_step "
                         f"differ from the lesson's step by {error:.1%} of its update: clear, compute, use. {THE_STEP}")


@pytest.mark.points(1)
@pytest.mark.parametrize("where", ["accelerator", "cpu"])
def test_step_matches_the_lessons_step(run, where):
    out = run("amp_step", doing=DOINGS[where], seed=31, where=where)
    half_problem(out)
    no_error(out)
    reference = out["reference"]
    loss = out["loss"]
    if isinstance(loss, dict) and loss.get("tensor"):
        fail(f"amp_train_step returned a tensor on {loss['device']}, not a float: return loss.item().")
    expect(isinstance(loss, (int, float)) and not isinstance(loss, bool),
           f"amp_train_step returned {loss.get('repr') if isinstance(loss, dict) else loss!r}, not the loss as a "
           "float.")
    ref_loss, scale = reference["loss"], out["init_scale"]
    if abs(loss - ref_loss * scale) <= 0.02 * ref_loss * scale:
        fail(f"amp_train_step returned {loss:.4g}, the scaled loss ({ref_loss:.4f} × {scale:g}); return the loss "
             "itself, loss.item().")
    expect(abs(loss - ref_loss) <= 0.02 * abs(ref_loss),
           f"amp_train_step returned {loss:.5f}; the step's loss on this batch is {ref_loss:.5f}.")
    error = update_error(out)
    expect(error < 0.05,
           f"The weights after amp_train_step differ from the lesson's mixed-precision step by {error:.1%} of its "
           f"update. {THE_STEP}")
