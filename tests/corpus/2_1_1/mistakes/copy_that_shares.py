"""Mistake: copy_of uses torch.as_tensor, which shares a NumPy array's memory when it can."""
CAUGHT_BY = {"test_copy_of_keeps_its_own_values": "shares the array's memory"}


def copy_of(a):
    return torch.as_tensor(a)
