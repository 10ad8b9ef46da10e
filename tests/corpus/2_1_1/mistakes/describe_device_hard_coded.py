"""Mistake: describe reads shape and dtype from the tensor but writes the device down as the CPU."""
CAUGHT_BY = {"test_describe_reads_the_device_from_the_tensor": "read the three attributes from t itself"}


def describe(t):
    return t.shape, t.dtype, torch.device("cpu")
