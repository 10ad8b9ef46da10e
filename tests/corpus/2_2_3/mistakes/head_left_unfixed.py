"""Mistake: the head's in_features copied from the first body layer (128), not the last (32)."""
CAUGHT_BY = {"test_fixed_network_runs_on_a_batch_of_images": "plumbing problems, not design flaws"}


def fixed_network():
    return PlumbingNet(head_in=128)
