"""Mistake: SquaresDataset builds every sample up front with torch.stack, which refuses an empty list:
SquaresDataset(0) raises instead of being an empty dataset."""
CAUGHT_BY = {"test_squares_dataset_of_nothing_and_of_many": "stack expects a non-empty"}


class SquaresDataset(Dataset):
    def __init__(self, n):
        super().__init__()
        self.xs = torch.stack([torch.tensor([float(i)]) for i in range(n)])

    def __len__(self):
        return len(self.xs)

    def __getitem__(self, i):
        x = self.xs[i]
        return x, x ** 2
