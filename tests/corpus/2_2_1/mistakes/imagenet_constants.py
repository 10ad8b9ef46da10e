"""Mistake: MNIST normalized with ImageNet's constants (mean 0.485, std 0.229 of its first channel)."""
CAUGHT_BY = {"test_pixels_match_mnist_normalization": "imagenet's constants",
             "test_statistics_after_normalization": "imagenet's constants"}


def mnist_transform():
    return transforms.Compose([transforms.ToTensor(), transforms.Normalize((0.485,), (0.229,))])
