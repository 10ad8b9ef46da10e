"""Mistake: describe reads shape and dtype from the tensor but writes the device down as the CPU."""
CAUGHT_BY = {"test_describe_names_the_gpu": "device"}


def describe(t):
    return t.shape, t.dtype, torch.device("cpu")
