"""Mistake: describe names PyTorch's default dtype instead of reading t.dtype: right for float32 tensors only."""
CAUGHT_BY = {"test_describe_returns_shape_dtype_device": "the dtype is wrong",
             "test_describe_reads_the_device_from_the_tensor": "read the three attributes from t itself"}


def describe(t):
    return t.shape, torch.get_default_dtype(), t.device
