"""Correct, written differently: a learner's own get_dataloaders that requires its data root (Path(root), no
automatic search, no download): graders hand it a real data folder in torchvision's FashionMNIST/raw/ layout,
never None, so the data checks and the pipeline run unchanged."""


def get_dataloaders(root, batch_size=64, val_size=5000, seed=0, *, train_subset=None, test_subset=None):
    root = Path(root)
    full_train = datasets.FashionMNIST(root, train=True, download=False, transform=TRANSFORM)
    test_set = datasets.FashionMNIST(root, train=False, download=False, transform=TRANSFORM)
    split = torch.Generator().manual_seed(seed)
    train_set, val_set = random_split(full_train, [len(full_train) - val_size, val_size], generator=split)
    if train_subset is not None:
        train_set = Subset(train_set, range(min(train_subset, len(train_set))))
    if test_subset is not None:
        test_set = Subset(test_set, range(min(test_subset, len(test_set))))
    shuffling = torch.Generator().manual_seed(seed)
    return (DataLoader(train_set, batch_size=batch_size, shuffle=True, generator=shuffling),
            DataLoader(val_set, batch_size=batch_size), DataLoader(test_set, batch_size=batch_size))
