"""2.3.3's pipeline check holds a correct evaluation to what the grader can decide: a test image whose two highest
logits the rebuild cannot tell apart (another summation order picks the other class) may go either way."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
import torch.nn as nn

from gradekit.harness import wire
from gradekit.testing.probes import load_checks, load_module

ROOT = Path(__file__).resolve().parents[1]
GRADERS = ROOT / "graders" / "2_3_3"
CLASSES = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]
TIED_IN_FLOAT32 = [1, 2, 4]  # seeds of a model whose first image's two highest logits are equal in float32 and
# apart in float64: the two evaluations disagree on that image (and on no other)


@pytest.fixture(scope="module")
def probes():
    return load_module("probes_2_3_3_under_test", GRADERS / "probes.py")


@pytest.fixture(scope="module")
def checks():
    return load_checks(GRADERS, "test_ex5_pipeline.py")


def near_tie(seed: int, count: int = 50):
    """A linear model and 50 images, the first tied between its two highest classes and labelled the second."""
    generator = torch.Generator().manual_seed(seed)
    images = torch.randn(count, 1, 28, 28, generator=generator)
    model = nn.Sequential(nn.Flatten(), nn.Linear(784, 10))
    with torch.no_grad():
        model[1].weight.copy_(torch.randn(10, 784, generator=generator) / 28)
        model[1].bias.zero_()
        logits = model(images)
        first, second = logits[0].topk(2).indices.tolist()
        model[1].bias[second] = logits[0, first] - logits[0, second]
        labels = model(images).argmax(1)
    labels[0] = second
    return model.eval(), images, labels


def in_float64(model, images, labels) -> float:
    """The accuracy a correct evaluation in another summation order (float64) reports."""
    with torch.no_grad():
        predictions = model.double()(images.double()).argmax(1)
    model.float()
    return float((predictions == labels).double().mean())


def test_these_seeds_give_an_image_the_two_evaluations_disagree_on(probes):
    """Coverage guard: on each seed the float32 rebuild and a float64 evaluation disagree on the first image only."""
    for seed in TIED_IN_FLOAT32:
        model, images, labels = near_tie(seed)
        with torch.no_grad():
            in_32, in_64 = model(images).argmax(1), model.double()(images.double()).argmax(1)
        model.float()
        assert in_32[0] != in_64[0] and bool((in_32[1:] == in_64[1:]).all()), f"seed {seed} no longer covers the case"


def pipeline_check(checks, probes, model, images, labels, reported: float) -> None:
    """test_pipeline_runs_end_to_end_and_returns_the_contract on a pipeline that reports `reported` for a
    checkpoint the rebuild evaluates as `model` (the grader's own accuracy and range, computed as the probe does)."""
    out = {"type": "dict", "keys": ["best_epoch", "checkpoint", "per_class", "test_accuracy"], "best_epoch": 3,
           "checkpoint_type": "str", "checkpoint": "pipeline.pt", "per_class_keys": sorted(CLASSES),
           "checkpoint_exists": True, "test_accuracy": reported,
           "trusted_accuracy": probes.trusted_eval(model, images, labels)[0],
           "accuracy_range": probes.accuracy_range(probes.trusted_logits(model, images), labels)}
    checks.test_pipeline_runs_end_to_end_and_returns_the_contract(
        lambda name, doing=None, **args: wire.decode(*wire.encode(out)))


@pytest.mark.parametrize("seed", TIED_IN_FLOAT32)
def test_an_evaluation_in_another_order_passes_on_a_tied_image(checks, probes, seed):
    """The learner's correct evaluation, deciding the tied image the other way, scores the point."""
    model, images, labels = near_tie(seed)
    pipeline_check(checks, probes, model, images, labels, in_float64(model, images, labels))


@pytest.mark.parametrize("seed", TIED_IN_FLOAT32)
def test_an_accuracy_off_by_a_decided_image_still_fails(checks, probes, seed):
    """An accuracy that differs on an image the grader can decide still fails, in the course's words."""
    model, images, labels = near_tie(seed)
    low, high = probes.accuracy_range(probes.trusted_logits(model, images), labels)
    for wrong in (low - 1 / len(labels), high + 1 / len(labels)):
        with pytest.raises(BaseException, match="report the accuracy of the restored best model"):
            pipeline_check(checks, probes, model, images, labels, wrong)
