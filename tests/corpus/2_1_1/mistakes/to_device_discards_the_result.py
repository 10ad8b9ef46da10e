"""Mistake: t.to(device) is called but its result thrown away; t itself never moves."""
CAUGHT_BY = {"test_to_device_returns_the_tensor_on_the_device": "does not move t"}


def to_device(t, device):
    t.to(device)
    return t
