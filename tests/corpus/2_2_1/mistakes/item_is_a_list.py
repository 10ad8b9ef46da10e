"""Mistake: __getitem__ returns the list [x, y] instead of the tuple (x, y)."""
CAUGHT_BY = {"test_item_is_an_input_target_tuple": "is a list [x, y]"}


class SquaresDataset(Dataset):
    def __init__(self, n):
        super().__init__()
        self.n = n

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        x = torch.tensor([float(i)])
        return [x, x ** 2]
