"""Mistake: make_loader shuffles once, when the loader is built (a fixed random permutation), instead of every
epoch."""
CAUGHT_BY = {"test_shuffle_gives_a_new_order_every_epoch": "shuffled once, not every epoch"}


def make_loader(dataset, batch_size, shuffle):
    if shuffle:
        order = torch.randperm(len(dataset)).tolist()
        dataset = torch.utils.data.Subset(dataset, order)
    return DataLoader(dataset, batch_size=batch_size)
