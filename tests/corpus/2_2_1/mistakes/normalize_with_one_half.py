"""Mistake: Normalize((0.5,), (0.5,)), the common guess that maps 0–1 to −1–1, in place of MNIST's own
statistics."""
CAUGHT_BY = {"test_pixels_match_mnist_normalization": "a common guess",
             "test_statistics_after_normalization": "a common guess",
             "test_statistics_on_many_real_images": "; expected"}


def mnist_transform():
    return transforms.Compose([transforms.ToTensor(), transforms.Normalize((0.5,), (0.5,))])
