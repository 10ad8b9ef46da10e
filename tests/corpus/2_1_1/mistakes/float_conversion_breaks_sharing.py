"""Mistake: from_numpy followed by .float(): the conversion makes a float32 copy, no longer shared."""
CAUGHT_BY = {"test_shares_memory_with_follows_the_array": "makes a copy"}


def shares_memory_with(a):
    return torch.from_numpy(a).float()
