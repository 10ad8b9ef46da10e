"""Hidden checks of lesson 2.3.2 (course staff and CI only): other CUDA device names, overflow sequences,
a GPU-to-CPU crash and resume with the student's own checkpoint functions, explicit devices, finished runs."""

import numpy as np
import pytest

from gradekit.checks import expect, fail, fmt, same_tensor


def no_error(out: dict, doing: str) -> None:
    __tracebackhide__ = True
    error = out["error"]
    if error:
        where = f"\n  at {error['where']}" if error.get("where") else ""
        fail(f"{doing} raised {error['type']}: {error['message'][:400]}{where}")


SCALER_ERRORS = {  # what GradScaler says when the step misuses it, and the lesson's words for the cause
    "_scale is None": "backward() ran on the unscaled loss: call scaler.scale(loss).backward().",
    "No inf checks were recorded": "optimizer.step() bypassed the scaler: step with scaler.step(optimizer).",
    "since the last update": "scaler.update() was never called after scaler.step(optimizer).",
    "unscale FP16 gradients": "model.half() is not mixed precision: keep the weights in float32, use torch.autocast.",
}


@pytest.mark.exercise("2_3_2.ex1")
@pytest.mark.points(1)
def test_any_cuda_device_counts_as_the_gpu(run):
    out = run("timed_epoch", doing="time_epoch(..., device=torch.device('cuda:0'))", seed=51, where="accelerator",
              device_name="cuda:0")
    no_error(out, "time_epoch(..., device=torch.device('cuda:0'))")
    events = out["events"]
    expect("step" in events, f"With device=torch.device('cuda:0') time_epoch made no optimizer steps; one epoch over "
                             f"this loader is {out['batches']} steps.")
    last_step = len(events) - 1 - events[::-1].index("step")
    expect("synchronize" in events[last_step:],
           "With device=torch.device('cuda:0') time_epoch did not wait for the GPU: 'cuda:0' is a CUDA device too. "
           "Test device.type == 'cuda', not device == torch.device('cuda').")
    trained = run("train_on", doing="train(..., device=torch.device('cuda:0'), epochs=2)", seed=52,
                  where="accelerator", epochs=2, device_name="cuda:0")
    no_error(trained, "train(..., device=torch.device('cuda:0'), epochs=2)")
    expect(trained["devices"] == ["cuda"], f"With device=cuda:0 the model trained on {trained['devices']}.")
    for out, doing in ((out, "time_epoch"), (trained, "train")):
        for key, value in out["reference_params"].items():
            expect(out["params"][key].max_abs_diff(value) <= 1e-5,
                   f"With device=cuda:0, after {doing} {key} differs from the course's loop on the same batches "
                   f"(largest difference {out['params'][key].max_abs_diff(value):.3g}): clear, compute, use.")


@pytest.mark.exercise("2_3_2.ex2")
@pytest.mark.points(2)
def test_gpu_training_resumes_on_the_cpu_without_a_spike(run):
    first = run("gpu_run_first_half", doing="save_checkpoint on a GPU, then a crash", seed=53)
    no_error(first, "save_checkpoint on a GPU")
    expect(first["file"] is not None, "save_checkpoint(path, ...) during GPU training wrote no file at `path`.")
    out = run("gpu_run_second_half", doing="load_checkpoint on a CPU-only machine, of a checkpoint saved on a GPU",
              seed=53, crash_after=first["crash_after"], total=first["total"], file=first["file"])
    if out["error"] and "deserialize object on a CUDA device" in out["error"]["message"]:
        fail("A checkpoint saved during GPU training did not load on a machine without a GPU: use "
             "torch.load(path, map_location=device).")
    no_error(out, "save_checkpoint on a GPU, then load_checkpoint on a CPU-only machine")
    saved = first["saved_epoch"]
    expect(out["start"] == saved + 1, f"load_checkpoint returned {out['start']!r} for a checkpoint saved after "
                                      f"epoch {saved}; expected {saved + 1}.")
    expect("restore_error" not in out, f"After load_checkpoint on the CPU, the model's or the optimizer's state "
                                       f"cannot be loaded into a fresh MNISTNet and Adam: {out.get('restore_error')}")
    straight, resumed = first["straight"], first["before"] + out["after"]
    expect(np.allclose(resumed, straight, rtol=1e-4, atol=1e-6),
           f"Uninterrupted losses {fmt(straight)} vs GPU run, crash, resumed on the CPU {fmt(resumed)}: they should "
           "continue without a spike. Save and restore both the model and the optimizer state.")
    for key, value in first["straight_final"].items():
        expect(out["resumed_final"][key].max_abs_diff(value) < 1e-4,
               f"After resuming on the CPU, {key} ends far from the uninterrupted run's.")


@pytest.mark.exercise("2_3_2.ex3")
@pytest.mark.points(2)
def test_overflowing_steps_back_off_like_the_lessons_step(run):
    out = run("amp_steps", doing="amp_train_step, 6 steps from a scale of 2**24 (the first steps overflow float16)",
              seed=54, where="accelerator", steps=6, init_scale=16777216.0)
    if out["error"]:
        for text, cause in SCALER_ERRORS.items():
            expect(text not in out["error"]["message"], f"amp_train_step raised {out['error']['type']}: "
                                                        f"{out['error']['message'][:200].rstrip('.')}. {cause}")
    no_error(out, "amp_train_step")
    ref, got = out["reference"], out["student"]
    expect(got["scales"] == ref["scales"],
           f"Starting from a scale of 2**24, the scale after each step was {got['scales']}; the lesson's step gives "
           f"{ref['scales']} (halved after each overflowing step, which is skipped). Use "
           "scaler.scale(loss).backward(), scaler.step(optimizer), scaler.update() once per step.")
    expect(isinstance(got["losses"], list) and len(got["losses"]) == len(ref["losses"]),
           f"amp_train_step was called for {len(ref['losses'])} steps, but {got['losses']!r} came back as their "
           "losses: one loss per step.")
    losses = [v if isinstance(v, float) else float("nan") for v in got["losses"]]
    expect(np.allclose(losses, ref["losses"], rtol=2e-2),
           f"Losses over 6 steps {fmt(losses)}; the lesson's step gives {fmt(ref['losses'])}.")
    for key, value in ref["params"].items():
        expect(got["params"][key].max_abs_diff(value) < 1e-3 * max(1.0, float(np.abs(value.array).max())),
               f"After 6 steps {key} differs from the lesson's step (largest difference "
               f"{got['params'][key].max_abs_diff(value):.3g}).")


@pytest.mark.exercise("2_3_2.ex4")
@pytest.mark.points(1)
def test_an_explicit_device_is_used(run):
    out = run("portable_run", doing="train_portable(..., device=torch.device('cpu')) on a machine with a GPU",
              seed=55, where="accelerator", epochs=2, device_name="cpu")
    no_error(out, "train_portable(..., device=torch.device('cpu'))")
    expect(out["devices"] == ["cpu"], f"Given device=cpu on a machine with a GPU, train_portable trained on "
                                      f"{out['devices']}: detect the device only when none is given.")
    reduced = sorted(name for name, dtype in out["dtypes"].items() if dtype != "float32")
    expect(not reduced, "Given device=cpu, train_portable still used mixed precision: choose AMP by the device "
                        "the run uses (device.type == 'cuda'), not by torch.cuda.is_available().")
    losses = out["losses"] if isinstance(out["losses"], list) else []
    values = [v if isinstance(v, float) else float("nan") for v in losses]
    reference = [r[0] for r in out["reference"]]
    expect(len(values) == len(reference) and all(any(abs(v - r) <= 1e-5 * abs(r) + 1e-7 for r in refs)
                                                 for v, refs in zip(values, out["reference"])),
           f"Given device=cpu, train_portable's losses are {losses}; the lesson's float32 loop on the same batches "
           f"gives {fmt(reference)}. Clear, compute, use for every batch.")


@pytest.mark.exercise("2_3_2.ex4")
@pytest.mark.points(1)
def test_a_finished_run_trains_no_further(run):
    first = run("finished_run_first", doing="train_portable(..., epochs=2)", seed=56, epochs=2)
    no_error(first, "train_portable(..., epochs=2)")
    expect(first["file"] is not None, "train_portable(..., epochs=2) wrote no checkpoint at checkpoint_path.")
    out = run("finished_run_again", doing="train_portable(..., epochs=2) twice", seed=56, epochs=2, file=first["file"])
    no_error(out, "train_portable(..., epochs=2), called again with epochs=2")
    expect(out["again"] == [], f"Called again with epochs=2 after finishing epoch 2, train_portable returned "
                               f"{out['again']}; there is nothing left to train, so it should return [] "
                               "(epochs is the number of the last epoch).")
    for key, value in first["done"].items():
        same_tensor(out["after"][key], value, f"{key} restored from a finished run's checkpoint")
