"""Mistake: x.flatten() flattens the batch dimension too: [B * 784] instead of [B, 784]."""
CAUGHT_BY = {"test_flatten_images_keeps_the_batch": "keep the batch dimension"}


def flatten_images(x):
    return x.flatten()
