"""Mistake: CsvDataset applies the transform once, to the whole table, in __init__ (the kitchen cooks every dish
before anyone orders): every access returns the same precomputed result."""
CAUGHT_BY = {"test_transform_runs_per_sample_in_getitem": "while it was being built"}


class CsvDataset(Dataset):
    def __init__(self, path, transform=None):
        super().__init__()
        with open(path) as handle:
            rows = list(csv.reader(handle))[1:]
        self.features = torch.tensor([[float(v) for v in row[:-1]] for row in rows])
        self.labels = torch.tensor([int(row[-1]) for row in rows])
        if transform is not None:
            self.features = transform(self.features)

    def __len__(self):
        return len(self.labels)

    def __getitem__(self, i):
        return self.features[i], self.labels[i]
