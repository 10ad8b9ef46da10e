"""Mistake: CsvDataset squeezes the features "to drop stray dimensions": with a single feature column the features
of shape [1] lose their dimension and become a 0-dim tensor."""
CAUGHT_BY = {"test_csv_dataset_with_a_single_feature_column": "of shape [1]"}


class CsvDataset(Dataset):
    def __init__(self, path, transform=None):
        super().__init__()
        with open(path, newline="") as handle:
            rows = [row for row in csv.reader(handle)][1:]
        rows = [row for row in rows if row]
        self.features = torch.tensor([[float(value) for value in row[:-1]] for row in rows]).squeeze()
        self.labels = torch.tensor([int(row[-1]) for row in rows])
        self.transform = transform

    def __len__(self):
        return len(self.labels)

    def __getitem__(self, i):
        features = self.features[i]
        if self.transform is not None:
            features = self.transform(features)
        return features, self.labels[i]
