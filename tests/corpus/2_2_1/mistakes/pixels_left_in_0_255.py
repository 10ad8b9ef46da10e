"""Mistake: the pixels are left in 0–255 (PILToTensor instead of ToTensor, then a float cast): Normalize then
subtracts 0.1307 from numbers up to 255."""
CAUGHT_BY = {"test_pixels_match_mnist_normalization": "left in 0–255",
             "test_statistics_after_normalization": "left in 0–255"}


def mnist_transform():
    return transforms.Compose([transforms.PILToTensor(), transforms.Lambda(lambda x: x.float()),
                               transforms.Normalize((0.1307,), (0.3081,))])
