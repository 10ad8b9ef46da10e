"""Mistake: MNIST normalized with Fashion-MNIST's constants (0.2860, 0.3530), copied from the wrong lesson."""
CAUGHT_BY = {"test_pixels_match_mnist_normalization": "fashion-mnist's constants",
             "test_statistics_after_normalization": "fashion-mnist's constants"}


def mnist_transform():
    return transforms.Compose([transforms.ToTensor(), transforms.Normalize((0.2860,), (0.3530,))])
