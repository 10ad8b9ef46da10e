"""Exercise 5 (2_2_1.ex5): make_loaders returns (train_loader, test_loader): training data reshuffled every
epoch, test data in a fixed order."""

import pytest

from gradekit.checks import expect

pytestmark = pytest.mark.exercise("2_2_1.ex5")

DOING = "make_loaders(train_set, test_set, batch_size), each loader served for two epochs"


def loaders(out, which):
    """The settings, the epochs the `which` loader served, and how to name the call; fails on a broken reply."""
    settings = out["settings"]
    expect(out["returned"] == "pair", f"make_loaders returned a {out['returned']}; expected the pair "
           "(train_loader, test_loader)")
    epochs = out[which]["epochs"]
    n = settings[f"{which}_size"]
    call = f"{which}_loader (a {which} set of {n}, batch_size={settings['batch_size']})"
    for epoch in epochs:
        expect(epoch["problem"] is None, f"{call}: {epoch['problem']}")
        expect(sorted(epoch["order"]) == list(range(n)),
               f"{call} served {len(epoch['order'])} samples in an epoch; expected each of the {n} exactly once")
        sizes = [shape[0][0] if isinstance(shape, list) and shape and isinstance(shape[0], list) and shape[0]
                 else None for shape in epoch["shapes"]]
        batch_size = settings["batch_size"]
        wanted = [batch_size] * (n // batch_size) + ([n % batch_size] if n % batch_size else [])
        expect(sizes == wanted, f"{call} served batches of {sizes}, expected {wanted}")
    return n, epochs, call


@pytest.mark.points(1)
def test_train_loader_reshuffles_every_epoch(run):
    """train_loader serves the training set in a new random order every epoch."""
    n, epochs, call = loaders(run("train_and_test_loaders", doing=DOING), "train")
    first, second = epochs[0]["order"], epochs[1]["order"]
    expect(first != list(range(n)), f"{call} served samples 0, 1, 2, … in order: shuffle=True is how you get "
           "random sampling in practice, and the training loader needs it")
    expect(first != second, f"{call} served the same order in both epochs: it must reshuffle every epoch")


@pytest.mark.points(2)
def test_test_loader_keeps_a_fixed_order(run):
    """test_loader serves the test set in its own order, the same every time (shuffle=False)."""
    n, epochs, call = loaders(run("train_and_test_loaders", doing=DOING), "test")
    for number, epoch in enumerate(epochs, start=1):
        expect(epoch["order"] == list(range(n)),
               f"{call}, epoch {number}, served {epoch['order'][:8]} …: the test loader was shuffled. Evaluation "
               "gains nothing from shuffling, and in a fixed order two evaluations can be compared sample by "
               "sample: build the test loader with shuffle=False")
