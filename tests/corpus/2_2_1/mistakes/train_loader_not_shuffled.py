"""Mistake: the shuffle flags swapped: the training loader in a fixed order, the test loader shuffled."""
CAUGHT_BY = {"test_train_loader_reshuffles_every_epoch": "in order", "test_test_loader_keeps_a_fixed_order": "shuffled"}


def make_loaders(train_set, test_set, batch_size):
    return make_loader(train_set, batch_size, False), make_loader(test_set, batch_size, True)
