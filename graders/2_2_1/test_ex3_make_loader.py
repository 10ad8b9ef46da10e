"""Exercise 3 (2_2_1.ex3): make_loader serves batches with the batch dimension prepended, the last one partial,
reshuffled every epoch only with shuffle=True."""

import pytest

from gradekit.checks import expect, fail

pytestmark = pytest.mark.exercise("2_2_1.ex3")

DOING = "make_loader(dataset, batch_size, shuffle), served for two epochs"


def served(out, index):
    """(n, batch_size, shuffle), and the epochs the loader served for that run; fails on a broken batch."""
    n, batch_size, shuffle = out["settings"][index]
    epochs = out["runs"][index]["epochs"]
    call = f"make_loader(dataset of {n}, batch_size={batch_size}, shuffle={shuffle})"
    for epoch in epochs:
        expect(epoch["problem"] is None, f"{call}: {epoch['problem']}")
    return n, batch_size, shuffle, epochs, call


def batch_size_of(shape):
    """The batch size of one served batch's [inputs shape, targets shape]: the inputs' first dimension, or None."""
    inputs = shape[0] if isinstance(shape, list) and shape else None
    return inputs[0] if isinstance(inputs, list) and inputs else None


def check_every_sample_once(epochs, n, call):
    """Each epoch serves every sample exactly once."""
    for number, epoch in enumerate(epochs, start=1):
        order = epoch["order"]
        expect(sorted(order) == list(range(n)), f"{call}, epoch {number}: served {len(order)} samples, "
               f"{len(set(order))} of them different; expected each of the {n} samples exactly once")


@pytest.mark.points(1)
def test_batches_gain_a_batch_dimension(run):
    """Samples of shape [2] come out as batches [batch_size, 2]; scalar targets as [batch_size]."""
    out = run("loader_runs", doing=DOING)
    n, batch_size, _, epochs, call = served(out, 0)
    expect(epochs[0]["shapes"], f"{call} served no batch in its first epoch; expected {-(-n // batch_size)} batches")
    first = epochs[0]["shapes"][0]
    inputs, targets = first if isinstance(first, list) and len(first) == 2 else (first, None)
    expect(inputs == [batch_size, 2] and targets == [batch_size],
           f"{call}: the first batch has inputs {inputs} and targets {targets}, expected [{batch_size}, 2] and "
           f"[{batch_size}]: the DataLoader stacks the samples and prepends the batch dimension")


@pytest.mark.points(1)
def test_the_last_batch_holds_what_is_left(run):
    """Every sample is served; the last batch holds the remainder instead of being dropped."""
    out = run("loader_runs", doing=DOING)
    n, batch_size, _, epochs, call = served(out, 0)
    sizes = [batch_size_of(shape) for shape in epochs[0]["shapes"]]
    expected = [batch_size] * (n // batch_size) + ([n % batch_size] if n % batch_size else [])
    if sizes == expected[:-1]:
        fail(f"{call} served batches of {sizes}: the last {n % batch_size} samples were dropped (drop_last); "
             f"expected {expected}")
    expect(sizes == expected, f"{call} served batches of {sizes}, expected {expected}")
    check_every_sample_once(epochs, n, call)


@pytest.mark.points(1)
def test_shuffle_gives_a_new_order_every_epoch(run):
    """With shuffle=True, every epoch serves all samples in a new random order."""
    out = run("loader_runs", doing=DOING)
    n, _, _, epochs, call = served(out, 1)
    check_every_sample_once(epochs, n, call)
    first, second = epochs[0]["order"], epochs[1]["order"]
    expect(first != list(range(n)), f"{call} served the samples in order 0, 1, 2, …: nothing was shuffled")
    expect(first != second, f"{call} served the same order in both epochs ({first[:8]} …): it was shuffled once, "
           "not every epoch. shuffle=True makes the DataLoader draw a new order each time you loop over it.")


@pytest.mark.points(1)
def test_without_shuffle_the_order_is_fixed(run):
    """With shuffle=False, every epoch serves samples 0, 1, 2, … in order."""
    out = run("loader_runs", doing=DOING)
    n, _, _, epochs, call = served(out, 0)
    for number, epoch in enumerate(epochs, start=1):
        expect(epoch["order"] == list(range(n)), f"{call}, epoch {number}, served {epoch['order'][:8]} …; expected "
               "0, 1, 2, … in order")
