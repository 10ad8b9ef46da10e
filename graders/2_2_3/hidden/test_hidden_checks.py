"""Hidden checks of lesson 2.2.3: run by staff and CI, never shipped to students."""

import pytest

from gradekit.checks import expect

import importlib.util
from pathlib import Path


def load_public_checks(name: str):
    """A public check module of this lesson (its judging helpers are reused, never its points)."""
    path = Path(__file__).resolve().parents[1] / f"{name}.py"
    spec = importlib.util.spec_from_file_location(f"lesson_2_2_3_{name}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.exercise("2_2_3.ex1")
@pytest.mark.points(1)
def test_summary_of_a_nested_model_with_batch_norm(run):
    """model_summary counts BatchNorm's parameters and lists the leaves of a Sequential inside a Sequential."""
    out = run("summary_probe", doing="model_summary(model, input_size) on a nested model of vectors", kind="nested")
    got = out["returned"]
    expect(got.get("kind") == "dict", f"model_summary returned a {got.get('kind')}.")
    expect((got["total_params"], got["trainable_params"]) == (out["total"], out["trainable"]),
           f"Counts {got['total_params']} total, {got['trainable_params']} trainable; the model has "
           f"{out['total']} and {out['trainable']}.")
    for x_ray in (out, out["again"]):  # two batch sizes: an X-ray of a batch of one's own matches one at most
        shapes = x_ray["returned"].get("output_shapes")
        expect(shapes == x_ray["shapes"], f"Output shapes {shapes}, but the leaf layers give {x_ray['shapes']} for "
                                          f"input_size {tuple(x_ray['input_size'])}.")


@pytest.mark.exercise("2_2_3.ex3")
@pytest.mark.points(1)
def test_gradient_norms_keep_a_vanishing_pulse(run):
    """gradient_norms keeps the tiny norms of a vanishing network (1e-14 is the diagnosis, not zero)."""
    load_public_checks("test_ex3_gradient_norms").judge_norms(
        run("norms_probe", doing="gradient_norms on a 10-layer Sigmoid network", kind="vanishing"))


@pytest.mark.exercise("2_2_3.ex4")
@pytest.mark.points(1)
def test_diagnose_follows_the_stated_thresholds(run):
    """diagnose follows the stated rule on either side of its thresholds, exploding first."""
    out = run("boundary_probe", doing="diagnose(norms) on norms near the thresholds")
    load_public_checks("test_ex4_diagnose").judge_answers(out["answers"], out["expected"], out["norms"],
                                              [f"norms made to read {c!r}" for c in out["cases"]])


@pytest.mark.exercise("2_2_3.ex5")
@pytest.mark.points(1)
def test_recorder_writes_three_series_into_a_new_nested_folder(run):
    """log_history records three series for 15 epochs into a log_dir whose parent folders do not exist yet."""
    out = run("recorder_probe", doing="log_history(log_dir, history) with three series into runs/<name>/flight",
              keys=["train_loss", "val_loss", "val_accuracy"], epochs=15, nested=True)
    checks = load_public_checks("test_ex5_log_history")
    found = checks.recorded(out)
    for name, values in out["history"].items():
        points = sorted(found.get(name, []))
        expect([s for s, _ in points] == list(range(1, len(values) + 1)) and all(
            abs(v - w) <= 1e-6 * (1 + abs(w)) for (_, v), w in zip(points, values)),
            f"{name!r} read back as {[(s, round(v, 4)) for s, v in points][:6]}...; wanted one value per epoch, "
            f"at steps 1 to {len(values)}.")


@pytest.mark.exercise("2_2_3.ex6")
@pytest.mark.points(1)
def test_silent_failure_uses_the_majority_class_prior(run):
    """detect_silent_failure's prior is the most common class's share: balanced and imbalanced classes."""
    out = run("silent_probe", doing="detect_silent_failure on balanced and imbalanced classes",
              names=["balanced_prior", "uniform_guess"])
    load_public_checks("test_ex6_detect_silent_failure").judge_cases(out)
