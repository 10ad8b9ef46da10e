"""Broken: SquaresDataset's __getitem__ never returns; the worker is stopped at its time limit, only exercise 1 is
lost."""
LOST = ["2_2_1.ex1"]
MESSAGE = "did not finish"
EXTRA_ARGS = ["--time-limit-factor", "0.15"]


class SquaresDataset(Dataset):
    def __init__(self, n):
        self.n = n

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        while True:
            i = i + 1
