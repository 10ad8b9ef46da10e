"""Mistake: ToTensor alone: pixels in 0–1, never normalized."""
CAUGHT_BY = {"test_pixels_match_mnist_normalization": "not normalized",
             "test_statistics_after_normalization": "not normalized"}


def mnist_transform():
    return transforms.ToTensor()
