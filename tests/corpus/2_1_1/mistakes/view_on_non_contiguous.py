"""Mistake: view instead of reshape; view refuses a batch that is not contiguous in memory."""
CAUGHT_BY = {"test_flatten_images_accepts_a_non_contiguous_batch": "use reshape",
             "test_flatten_images_accepts_channels_last": "use reshape"}


def flatten_images(x):
    return x.view(x.shape[0], 784)
