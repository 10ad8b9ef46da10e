"""Mistake: make_loader never passes batch_size to the DataLoader, which then serves batches of one."""
CAUGHT_BY = {"test_batches_gain_a_batch_dimension": "prepends the batch dimension"}


def make_loader(dataset, batch_size, shuffle):
    return DataLoader(dataset, shuffle=shuffle)
