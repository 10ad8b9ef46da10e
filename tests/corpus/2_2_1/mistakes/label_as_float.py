"""Mistake: the label kept as a float (the whole row read as float32): CrossEntropyLoss wants int64 class indices."""
CAUGHT_BY = {"test_reads_the_lessons_iris_file": "expected int64", "test_reads_any_csv_file_of_that_layout": "expected int64"}


class CsvDataset(Dataset):
    def __init__(self, path, transform=None):
        super().__init__()
        self.table = torch.tensor(np.loadtxt(path, delimiter=",", skiprows=1, ndmin=2), dtype=torch.float32)
        self.transform = transform

    def __len__(self):
        return len(self.table)

    def __getitem__(self, i):
        features = self.table[i, :-1]
        if self.transform is not None:
            features = self.transform(features)
        return features, self.table[i, -1]


import numpy as np
