"""Mistake: make_loader drops the last partial batch (drop_last=True): some samples are never served, and a
dataset smaller than one batch serves nothing at all."""
CAUGHT_BY = {"test_the_last_batch_holds_what_is_left": "were dropped",
             "test_a_batch_larger_than_the_dataset": "expected one batch [5, 2]"}


def make_loader(dataset, batch_size, shuffle):
    return DataLoader(dataset, batch_size=batch_size, shuffle=shuffle, drop_last=True)
