"""Hidden checks of lesson 2.3.1 (course staff and CI only): generated sequences, devices, safe loading."""

import pytest
from hypothesis import given

from gradekit.checks import each_case, expect, fail, fmt, same_tensor
from gradekit.checks import grading_settings
from gradekit.course.strategies import early_stopping_cases


def expected_stops(case: dict, strict: bool) -> list[bool]:
    """The early-stopping rule: improvement means loss < best - min_delta (or <= on the lenient reading)."""
    best, counter, delta, stops = float("inf"), 0, case["min_delta"] or 0.0, []
    for loss in case["losses"]:
        improved = loss < best - delta if strict else loss <= best - delta and loss < best
        best, counter = (loss, 0) if improved else (best, counter + 1)
        stops.append(counter >= case["patience"])
    return stops


@pytest.mark.exercise("2_3_1.ex4")
@pytest.mark.points(2)
@grading_settings(5)
@given(cases=early_stopping_cases(count=40))
def test_early_stopping_rule_on_generated_losses(run, cases):
    traces = run("early_stopping_traces", doing="EarlyStopping.step", cases=cases)
    for trace, case in each_case(traces, cases, "EarlyStopping.step"):
        got = [step[0] for step in trace]
        if got in (expected_stops(case, strict=True), expected_stops(case, strict=False)):
            continue
        want = expected_stops(case, strict=True)
        epoch = next(i for i, (a, b) in enumerate(zip(got, want)) if a != b)
        fail(f"EarlyStopping(patience={case['patience']}, min_delta={case['min_delta'] or 0.0}) on losses "
             f"{fmt(case['losses'][:epoch + 1], 3)}: step() returned {got[epoch]} at epoch {epoch + 1}, "
             f"expected {want[epoch]}.")


@pytest.mark.exercise("2_3_1.ex1")
@pytest.mark.points(1)
def test_load_model_maps_a_cuda_checkpoint_to_the_cpu(run):
    out = run("load_cuda_saved_model", doing="load_model(MNISTNet(), path_saved_on_a_gpu, device='cpu')")
    for key, value in out["original"].items():
        same_tensor(out["loaded"][key], value, f"{key} loaded from a GPU-saved file")
        expect(out["loaded"][key].device == "cpu", f"{key} is on {out['loaded'][key].device}, expected cpu")


@pytest.mark.exercise("2_3_1.ex1")
@pytest.mark.points(1)
def test_load_model_does_not_run_code_from_the_file(run):
    out = run("load_file_with_code", doing="load_model(MNISTNet(), untrusted_file)")
    for key, value in out["original"].items():
        expect(key in out["clean"], "load_model did not load a clean state_dict file (it must, and refuse only "
                                    "files that carry code).")
        same_tensor(out["clean"][key], value, f"{key} loaded from a clean file")
    expect(not out["code_ran"], "load_model ran code hidden in the file it loaded: use torch.load(..., "
                                "weights_only=True). A state_dict needs nothing but tensors.")
    expect(out["error"] is not None, "load_model accepted a file that carries pickled code without complaint. "
                                     "torch.load(..., weights_only=True) refuses such a file (UnpicklingError): "
                                     "load the state_dict with it, so a bad file fails loudly.")
    refused = "Unpickling" in out["error"] or "weights only" in out["error"].lower()
    expect(refused, f"load_model failed on a file the weights-only loader should refuse: {out['error']}")


@pytest.mark.exercise("2_3_1.ex2")
@pytest.mark.points(1)
def test_history_reports_the_real_validation_loss(run):
    out = run("checkpoint_run", doing="train_with_checkpoints(..., epochs=5, every=1)", seed=23, epochs=5, every=1)
    rows = out["rows"]
    expect(isinstance(rows, list) and len(rows) == 5, "train_with_checkpoints should return 5 rows for epochs=5.")
    epochs = [row.get("epoch") if isinstance(row, dict) else row for row in rows]
    expect(epochs == [1, 2, 3, 4, 5], f"With epochs=5 the history covers epochs {epochs}; expected 1 to 5, one row "
                                      "per epoch.")
    for row in rows:
        name = f"epoch_{row['epoch']}.pt"
        expect(out["val_losses"].get(name) is not None, f"{name} is missing or unreadable.")
        reported = row.get("val_loss")
        number = isinstance(reported, (int, float)) and not isinstance(reported, bool)
        expect(number and abs(reported - out["val_losses"][name]) < 1e-5,
               f"Epoch {row['epoch']}: the history says val_loss "
               f"{f'{reported:.5f}' if number else repr(reported)}, but the epoch's checkpoint "
               f"evaluates to {out['val_losses'][name]:.5f} on the validation set.")


@pytest.mark.exercise("2_3_1.ex3")
@pytest.mark.points(2)
def test_crash_and_resume_with_your_own_loop(run):
    first = run("own_loop_first_half", doing="train_with_checkpoints to epoch 3, then a crash", seed=24, total=6,
                crash_after=3)
    expect(first["file"] is not None, "train_with_checkpoints(..., epochs=3, every=3) wrote no crash/epoch_3.pt.")
    second = run("own_loop_second_half", doing="resume, then train_with_checkpoints to epoch 6", seed=24, total=6,
                 crash_after=3, file=first["file"])
    resumed = [row.get("val_loss") if isinstance(row, dict) else None for row in first["rows"] + second["rows"]] \
        if isinstance(first["rows"], list) and isinstance(second["rows"], list) else []
    close = len(resumed) == len(first["straight"]) and all(
        isinstance(a, float) and abs(a - b) <= 1e-5 * (1 + abs(b)) for a, b in zip(resumed, first["straight"]))
    expect(close, f"Uninterrupted val losses {fmt(first['straight'])} vs crash-and-resume {resumed}.")
    for key, value in first["straight_final"].items():
        same_tensor(second["final"][key], value, f"final {key} of the resumed run")


@pytest.mark.exercise("2_3_1.ex3")
@pytest.mark.points(1)
def test_resume_maps_a_cuda_checkpoint_to_the_cpu(run):
    out = run("resume_cuda_checkpoint", doing="resume(path_saved_on_a_gpu, model, optimizer, device='cpu')")
    saved = out["saved_epoch"]
    expect(out["returned"] == saved + 1, f"resume returned {out['returned']!r}; the checkpoint was saved after epoch "
                                         f"{saved}, so the next epoch is {saved + 1}.")
    for key, value in out["saved_model"].items():
        same_tensor(out["restored_model"][key], value, f"model {key} after resume")
