"""Mistake: both loaders built with shuffle=True, the test loader too."""
CAUGHT_BY = {"test_test_loader_keeps_a_fixed_order": "the test loader was shuffled"}


def make_loaders(train_set, test_set, batch_size):
    return (DataLoader(train_set, batch_size=batch_size, shuffle=True),
            DataLoader(test_set, batch_size=batch_size, shuffle=True))
