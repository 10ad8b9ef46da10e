"""Mistake: the test loader shuffles."""
CAUGHT_BY = {"test_training_data_is_shuffled_and_test_data_is_not": "shuffle=False"}

_provided_get_dataloaders = get_dataloaders


def get_dataloaders(root=None, batch_size=64, val_size=5000, seed=0, **subsets):
    train, val, test = _provided_get_dataloaders(root, batch_size, val_size, seed, **subsets)
    return train, val, DataLoader(test.dataset, batch_size=batch_size, shuffle=True)
