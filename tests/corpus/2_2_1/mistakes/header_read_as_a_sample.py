"""Mistake: CsvDataset forgets to skip the header line... and counts it: len is one too many (the header is read
as a sample, skipped later when indexing)."""
CAUGHT_BY = {"test_reads_the_lessons_iris_file": "expected 150"}


class CsvDataset(Dataset):
    def __init__(self, path, transform=None):
        super().__init__()
        with open(path) as handle:
            self.lines = handle.read().strip().splitlines()
        self.transform = transform

    def __len__(self):
        return len(self.lines)

    def __getitem__(self, i):
        row = self.lines[i + 1].split(",")
        features = torch.tensor([float(v) for v in row[:-1]])
        if self.transform is not None:
            features = self.transform(features)
        return features, torch.tensor(int(row[-1]))
