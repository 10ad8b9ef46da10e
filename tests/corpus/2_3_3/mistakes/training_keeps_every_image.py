"""Mistake: get_dataloaders cuts the validation split from the training images but keeps training on all 60 000 of
them: every validation image is also a training image (55 000 + 5 000 became 60 000 + 5 000)."""
CAUGHT_BY = {"test_validation_is_disjoint_from_training": "not the 60 000 training images split in two",
             "test_batches_have_image_shape_and_labels": "expected [55000, 5000, 10000]"}


def get_dataloaders(root=None, batch_size=64, val_size=5000, seed=0, *, train_subset=None, test_subset=None):
    root = find_data_root(root)
    train_set = datasets.FashionMNIST(root, train=True, download=True, transform=TRANSFORM)
    test_set = datasets.FashionMNIST(root, train=False, download=True, transform=TRANSFORM)
    split = torch.Generator().manual_seed(seed)
    _, val_set = random_split(train_set, [len(train_set) - int(val_size), int(val_size)], generator=split)
    if train_subset is not None:
        train_set = Subset(train_set, list(range(min(int(train_subset), len(train_set)))))
    if test_subset is not None:
        test_set = Subset(test_set, list(range(min(int(test_subset), len(test_set)))))
    shuffling = torch.Generator().manual_seed(seed)
    return (DataLoader(train_set, batch_size=batch_size, shuffle=True, generator=shuffling),
            DataLoader(val_set, batch_size=batch_size, shuffle=False),
            DataLoader(test_set, batch_size=batch_size, shuffle=False))
