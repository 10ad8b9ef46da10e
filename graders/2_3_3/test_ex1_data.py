"""Exercise 1 (2_3_3.ex1): Fashion-MNIST loaders: its own normalization, shapes, shuffling, a disjoint split.

The loaders are provided code: these checks earn no points (so the starter scores 0 %), but they catch a
broken edit with a message. get_dataloaders gets a real data folder ('data', torchvision's FashionMNIST/raw/
layout), never None, so a loader that needs its root works unchanged.
"""

import pytest

from gradekit.checks import expect, fail

pytestmark = [pytest.mark.exercise("2_3_3.ex1"), pytest.mark.time_limit(120)]


@pytest.mark.points(0)
def test_normalization_uses_fashion_mnist_statistics(run):
    out = run("data_report", doing="get_dataloaders('data', 256, 5000, 0)", batch_size=256, val_size=5000, seed=0)
    mean, std = out["mean"], out["std"]
    if abs(mean - 0.504) < 0.03 and abs(std - 1.146) < 0.03:
        fail(f"The training images have mean {mean:.3f} and std {std:.3f}: they were normalized with MNIST's "
             "0.1307/0.3081. Fashion-MNIST is the same shape but not the same data: use Normalize((0.286,), (0.353,)).")
    expect(abs(mean) < 0.03 and abs(std - 1) < 0.03,
           f"After normalization the training pixels should have mean ≈ 0 and std ≈ 1; they have {mean:.3f} and "
           f"{std:.3f}. Use transforms.Compose([ToTensor(), Normalize((0.286,), (0.353,))]).")


@pytest.mark.points(0)
def test_batches_have_image_shape_and_labels(run):
    out = run("data_report", doing="get_dataloaders('data', 256, 5000, 0)", batch_size=256, val_size=5000, seed=0)
    expect(out["image_shape"] == [256, 1, 28, 28], f"A training batch has shape {out['image_shape']}; "
                                                   "expected [256, 1, 28, 28] (batch, channel, height, width).")
    expect(out["image_dtype"] == "float32", f"Images are {out['image_dtype']}, expected float32.")
    expect(out["label_dtype"] == "int64" and 0 <= out["label_min"] and out["label_max"] <= 9,
           f"Labels should be int64 class indices 0–9; got {out['label_dtype']} from {out['label_min']} to "
           f"{out['label_max']}.")
    expect(out["sizes"] == [55000, 5000, 10000], f"train/val/test hold {out['sizes']} images; expected "
                                                 "[55000, 5000, 10000] with val_size=5000.")


@pytest.mark.points(0)
def test_training_data_is_shuffled_and_test_data_is_not(run):
    out = run("data_report", doing="get_dataloaders('data', 256, 5000, 0)", batch_size=256, val_size=5000, seed=0)
    expect(out["epochs_differ"], "Two passes over the training loader gave the batches in the same order: "
                                 "shuffle=True is how you get random sampling in practice.")
    expect(out["test_in_file_order"], "The test loader does not serve the test set in its own order: evaluate "
                                      "with shuffle=False, so results are repeatable and comparable.")


@pytest.mark.points(0)
def test_validation_is_disjoint_from_training(run):
    out = run("data_report", doing="get_dataloaders('data', 256, 5000, 0)", batch_size=256, val_size=5000, seed=0)
    if "overlap" in out:
        expect(out["overlap"] == 0, f"{out['overlap']} images are in both the training and the validation split: "
                                    "cut the validation set from the training images with random_split.")
    sizes = out["sizes"]
    expect(isinstance(sizes, list) and len(sizes) == 3 and all(type(n) is int for n in sizes),
           f"get_dataloaders' train/val/test sizes came back as {sizes!r}: three loaders, one size each.")
    expect(sum(out["sizes"][:2]) == 60000, f"train + val hold {sum(out['sizes'][:2])} images, not the 60 000 "
                                           "training images split in two.")
