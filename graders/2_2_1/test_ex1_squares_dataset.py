"""Exercise 1 (2_2_1.ex1): SquaresDataset keeps the Dataset contract: len, one (x, y) tuple per index, float32."""

import pytest

from gradekit.checks import WireTensor, expect, fail

pytestmark = pytest.mark.exercise("2_2_1.ex1")

DOING = "SquaresDataset(n), then len(dataset) and dataset[i]"


def items_of(out):
    """(n, entry) for every size the probe asked for."""
    return [(entry["n"], entry) for entry in out["sizes"]]


def answered(out):
    """(n, entry) for every size, after checking that no item raised."""
    for n, entry in items_of(out):
        for item in entry["items"]:
            expect("error" not in item, f"SquaresDataset({n})[{item['index']}] raised {item.get('error')}")
        yield n, entry


@pytest.mark.points(1)
def test_len_counts_every_sample(run):
    """len(SquaresDataset(n)) is n: every sample, no more, no fewer."""
    out = run("squares_dataset", doing=DOING)
    for n, entry in items_of(out):
        length = entry["len"]
        expect(isinstance(length, int), f"len(SquaresDataset({n})) failed: {length}")
        if length in (n - 1, n + 1):
            fail(f"len(SquaresDataset({n})) is {length}, expected {n}: off by one. __len__ tells the DataLoader how "
                 f"many samples the menu lists; with {length} it would "
                 + ("never serve the last one." if length < n else "ask for a sample that does not exist."))
        expect(length == n, f"len(SquaresDataset({n})) is {length}, expected {n}")


@pytest.mark.points(1)
def test_item_is_an_input_target_tuple(run):
    """dataset[i] is the tuple (x, y) of two tensors: sample i's own pair."""
    out = run("squares_dataset", doing=DOING)
    for n, entry in answered(out):
        for item in entry["items"]:
            where = f"SquaresDataset({n})[{item['index']}]"
            if item["kind"] == "list":
                fail(f"{where} is a list [x, y]; a Dataset's item is a tuple (x, y): return x, x ** 2. The pair "
                     "(input, target) is what every training loop unpacks.")
            expect(item["kind"] == "tuple", f"{where} is a {item['kind']}, expected the tuple (x, y)")
            expect(item["count"] == 2 and len(item["parts"]) == 2,
                   f"{where} holds {item['count']} values, expected 2: (x, y)")
            for name, part in zip("xy", item["parts"]):
                if not isinstance(part, WireTensor):
                    fail(f"{where}: {name} is a {part.get('type')}, expected a tensor")
        xs = [tuple(item["parts"][0].array.reshape(-1).tolist()) for item in entry["items"]]
        expect(len(set(xs)) == len(xs), f"SquaresDataset({n}) gives the same x for different indices "
               f"({xs[:4]} …): item i is sample i's own pair")


@pytest.mark.points(1)
def test_item_holds_i_and_its_square(run):
    """dataset[i] holds x = [i] and y = [i²], both float32 of shape [1]."""
    out = run("squares_dataset", doing=DOING)
    for n, entry in answered(out):
        for item, values in zip(entry["items"], entry["expected"]):
            where = f"SquaresDataset({n})[{item['index']}]"
            parts = item["parts"]
            expect(item["kind"] in ("tuple", "list") and len(parts) >= 2
                   and all(isinstance(p, WireTensor) for p in parts[:2]), f"{where} is not a pair of tensors")
            for name, part, value in zip("xy", parts, values):
                expect(part.dtype == "float32", f"{where}: {name} has dtype {part.dtype}, expected float32")
                expect(list(part.shape) == [1], f"{where}: {name} has shape {list(part.shape)}, expected [1] "
                       "(one sample: the DataLoader adds the batch dimension)")
                got = float(part.array.reshape(-1)[0])
                expect(abs(got - value) <= 1e-6 * max(1.0, abs(value)),
                       f"{where}: {name} holds {got:g}, expected {value:g}")
