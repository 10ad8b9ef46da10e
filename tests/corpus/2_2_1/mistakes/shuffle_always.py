"""Mistake: make_loader ignores its argument and always shuffles."""
CAUGHT_BY = {"test_without_shuffle_the_order_is_fixed": "expected 0, 1, 2"}


def make_loader(dataset, batch_size, shuffle):
    return DataLoader(dataset, batch_size=batch_size, shuffle=True)
