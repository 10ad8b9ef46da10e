"""Mistake: x built with dtype float64 (torch.tensor([i], dtype=torch.double)): not the float32 every layer expects."""
CAUGHT_BY = {"test_item_holds_i_and_its_square": "expected float32"}


class SquaresDataset(Dataset):
    def __init__(self, n):
        super().__init__()
        self.n = n

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        x = torch.tensor([i], dtype=torch.float64)
        return x, x ** 2
