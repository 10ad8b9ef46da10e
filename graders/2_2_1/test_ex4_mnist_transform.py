"""Exercise 4 (2_2_1.ex4): mnist_transform turns real MNIST images into tensors normalized with MNIST's own
statistics."""

import pytest

from gradekit.checks import WireTensor, expect, fail

pytestmark = pytest.mark.exercise("2_2_1.ex4")

DOING = "mnist_transform() applied to real MNIST test images, one PIL image at a time"
MNIST = (0.1307, 0.3081)
NAMED = {"Fashion-MNIST's": (0.2860, 0.3530), "ImageNet's": (0.485, 0.229), "ImageNet's (second channel)": (0.456, 0.224),
         "ImageNet's (third channel)": (0.406, 0.225), "(0.5, 0.5), a common guess,": (0.5, 0.5)}


def one_tensor_per_image(out):
    """The stacked outputs, after checking each image gave a float32 [1, 28, 28] tensor."""
    got = out["stacked"]
    first = out["first"]
    if got is None:
        fail(f"mnist_transform() gave {first.get('type')} {first.get('shape', '')} "
             f"{first.get('dtype', first.get('repr', ''))} for an image; expected one float32 tensor [1, 28, 28]")
    shape = list(got.shape[1:])
    expect(shape == [1, 28, 28], f"mnist_transform() gave a tensor of shape {shape} per image, expected [1, 28, 28] "
           "(channels first: ToTensor does it)")
    expect(got.dtype == "float32", f"mnist_transform() gave {got.dtype} tensors, expected float32: ToTensor() turns "
           "the 0–255 integers into floats in 0–1")
    fit = out.get("fit") or {}
    expect(bool(fit.get("linear")) and fit.get("std") is not None and fit["std"] > 0,
           "mnist_transform()'s tensors do not follow the image's pixels (brighter pixel, larger value, on one "
           "straight line): ToTensor() and Normalize() only scale and shift each pixel")
    return got


def diagnosis(out) -> str:
    """What the outputs say went wrong, in the lesson's terms."""
    stats, fit = out.get("stats"), out.get("fit") or {}
    if stats and stats["max"] > 20:
        return (f"they still run up to {stats['max']:.1f}, so the pixels were left in 0–255. ToTensor() scales "
                "them to 0–1 before Normalize subtracts 0.1307 and divides by 0.3081.")
    if fit.get("linear") and fit.get("mean") is not None:
        mean, std = fit["mean"], fit["std"]
        for name, (m, s) in NAMED.items():
            if abs(mean - m) < 2e-3 and abs(std - s) < 2e-3:
                return (f"they match Normalize(({m},), ({s},)): {name} constants. The constants belong to the "
                        "dataset: MNIST's are (0.1307,) and (0.3081,)")
        if abs(mean) < 1e-3 and abs(std - 1) < 1e-3:
            return "they are ToTensor()'s 0–1 pixels, not normalized: add Normalize((0.1307,), (0.3081,))"
        return (f"they match Normalize(({mean:.4f},), ({std:.4f},)); MNIST's constants are (0.1307,) and "
                "(0.3081,)")
    return "they are not (pixel / 255 − 0.1307) / 0.3081"


@pytest.mark.points(1)
def test_each_image_becomes_one_float_tensor(run):
    """Each PIL image becomes one float32 tensor of shape [1, 28, 28], its pixels scaled and shifted."""
    one_tensor_per_image(run("normalized_images", doing=DOING))


@pytest.mark.points(2)
def test_pixels_match_mnist_normalization(run):
    """Every pixel of real MNIST images becomes (pixel / 255 − 0.1307) / 0.3081."""
    out = run("normalized_images", doing=DOING)
    got, expected = one_tensor_per_image(out), out["expected"]
    if not got.close(expected, 1e-5, 1e-5):
        fail(f"on {out['count']} real MNIST test images, your pixels differ from MNIST's normalization by up to "
             f"{got.max_abs_diff(expected):.3g}: {diagnosis(out)}")


@pytest.mark.points(1)
def test_statistics_after_normalization(run):
    """After the transform, real MNIST pixels have the statistics of MNIST's normalization (mean ≈ 0, std ≈ 1)."""
    out = run("normalized_images", doing=DOING)
    one_tensor_per_image(out)
    stats, expected = out["stats"], out["expected_stats"]
    expect(abs(stats["mean"] - expected["mean"]) < 1e-4 and abs(stats["std"] - expected["std"]) < 1e-4,
           f"on {out['count']} real MNIST test images your pixels have mean {stats['mean']:.4f} and std "
           f"{stats['std']:.4f}; MNIST's normalization gives mean {expected['mean']:.4f} and std {expected['std']:.4f}: "
           f"{diagnosis(out)}")
