"""Broken: make_loader raises (a misspelt keyword); only exercise 3 is lost: make_loaders builds its own loaders."""
LOST = ["2_2_1.ex3"]
MESSAGE = "TypeError"


def make_loader(dataset, batch_size, shuffle):
    return DataLoader(dataset, batch_size=batch_size, shufle=shuffle)


def make_loaders(train_set, test_set, batch_size):
    return (DataLoader(train_set, batch_size=batch_size, shuffle=True),
            DataLoader(test_set, batch_size=batch_size, shuffle=False))
