"""Mistake: __len__ is off by one (n - 1, "the last index"): the DataLoader would never serve the last sample."""
CAUGHT_BY = {"test_len_counts_every_sample": "off by one"}


class SquaresDataset(Dataset):
    def __init__(self, n):
        super().__init__()
        self.n = n

    def __len__(self):
        return self.n - 1

    def __getitem__(self, i):
        x = torch.tensor([float(i)])
        return x, x ** 2
