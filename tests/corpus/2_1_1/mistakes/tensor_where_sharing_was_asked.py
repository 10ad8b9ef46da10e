"""Mistake: torch.tensor where sharing was asked: it always copies."""
CAUGHT_BY = {"test_shares_memory_with_follows_the_array": "torch.from_numpy(a) shares"}


def shares_memory_with(a):
    return torch.tensor(a)
