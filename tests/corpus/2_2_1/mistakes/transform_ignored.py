"""Mistake: CsvDataset stores the transform but never calls it."""
CAUGHT_BY = {"test_transform_runs_per_sample_in_getitem": "ran 0 times"}


class CsvDataset(Dataset):
    def __init__(self, path, transform=None):
        super().__init__()
        with open(path) as handle:
            rows = list(csv.reader(handle))[1:]
        self.features = torch.tensor([[float(v) for v in row[:-1]] for row in rows])
        self.labels = torch.tensor([int(row[-1]) for row in rows])
        self.transform = transform

    def __len__(self):
        return len(self.labels)

    def __getitem__(self, i):
        return self.features[i], self.labels[i]
