"""Exercise 2 (2_2_1.ex2): CsvDataset reads a CSV file into samples and applies its transform per sample."""

import pytest

from gradekit.checks import WireTensor, expect, fail

pytestmark = pytest.mark.exercise("2_2_1.ex2")

DOING = "CsvDataset(path), then len(dataset) and dataset[i]"


def check_items(got, expected, where, rows):
    """Every item is (features float32 [F], label int64 []) holding the expected row."""
    for item, (features, label) in zip(got, expected):
        at = f"{where}[{item['index']}]"
        expect("error" not in item, f"{at} raised {item.get('error')}")
        expect(item["kind"] in ("tuple", "list") and item["count"] == 2 and len(item["parts"]) >= 2,
               f"{at} is a {item['kind']}, expected the tuple (features, label)")
        x, y = item["parts"][:2]
        expect(isinstance(x, WireTensor) and isinstance(y, WireTensor),
               f"{at}: expected two tensors, got {type(x).__name__} and {type(y).__name__}")
        width = features.shape[0]
        if list(x.shape) == [1, width]:
            fail(f"{at}: features of shape [1, {width}]: one sample is [{width}]; the DataLoader prepends the batch "
                 "dimension itself (the Dataset never batches)")
        if list(x.shape) == [rows, width]:
            fail(f"{at}: features of shape {list(x.shape)}: the whole table, not row {item['index']}")
        expect(list(x.shape) == [width], f"{at}: features of shape {list(x.shape)}, expected [{width}]")
        expect(x.dtype == "float32", f"{at}: features of dtype {x.dtype}, expected float32")
        expect(list(y.shape) == [], f"{at}: label of shape {list(y.shape)}, expected [] (a scalar tensor)")
        expect(y.dtype == "int64", f"{at}: label of dtype {y.dtype}, expected int64 (a class index)")
        if not x.close(features, 1e-6, 1e-6):
            fail(f"{at}: features {[round(float(v), 4) for v in x.array]}, expected "
                 f"{[round(float(v), 4) for v in features.array]}")
        expect(int(y.array) == label, f"{at}: label {int(y.array)}, expected {label}")


@pytest.mark.points(1)
def test_reads_the_lessons_iris_file(run):
    """CsvDataset reads the lesson's iris file: 150 samples, features [4] float32, label an int64 scalar."""
    out = run("csv_reading", doing=DOING)["iris"]
    expect(out["len"] == out["expected_len"], f"len(CsvDataset('iris.csv')) is {out['len']}, expected "
           f"{out['expected_len']} (one sample a line after the header)")
    check_items(out["items"], out["expected"], "CsvDataset('iris.csv')", out["expected_len"])


@pytest.mark.points(1)
def test_reads_any_csv_file_of_that_layout(run):
    """CsvDataset reads any CSV file of the layout: a header, features, the label last."""
    out = run("csv_reading", doing=DOING)["secret"]
    rows, width = out["expected_len"], out["features"]
    expect(out["len"] == rows, f"len(CsvDataset(path)) is {out['len']} for a file of {rows} samples after its "
           f"header ({width} feature columns and a label)")
    check_items(out["items"], out["expected"], f"CsvDataset(path) ({rows} samples, {width} features)", rows)


@pytest.mark.points(2)
def test_transform_runs_per_sample_in_getitem(run):
    """The transform runs in __getitem__, on the one sample asked for, every time it is asked for."""
    out = run("csv_transform", doing="CsvDataset(path, transform=t), then dataset[i] for a few i")
    built, shapes = out["at_construction"], out["construction_shapes"]
    if built:
        fail(f"CsvDataset called the transform {built} time(s) while it was being built (first on "
             f"{shapes[0] if shapes else '?'}), before any sample was asked for. The Dataset is a menu: it describes "
             "each dish and cooks it to order. Apply the transform inside __getitem__, to the sample asked for: a "
             "random augmentation applied once at construction gives every epoch the same \"random\" data.")
    picks = len(out["expected"])
    expect(out["calls"] == picks, f"{picks} items were asked for and the transform ran {out['calls']} times: it must "
           "run once per access (transform=None is the only time it does not run)")
    width = out["features"]
    expect(len(out["call_shapes"]) == min(3, picks), f"the transform ran {out['calls']} times, yet the shapes it got "
           f"came back for {len(out['call_shapes'])} of those calls; expected the first {min(3, picks)}")
    for shape in out["call_shapes"]:
        expect(shape == [width], f"the transform got a tensor of shape {shape}; it must get one sample's features "
               f"[{width}]: the Dataset never batches")
    for item, (features, _), (plain, _) in zip(out["items"], out["expected"], out["untransformed"]):
        x = item["parts"][0] if item.get("parts") else None
        expect(isinstance(x, WireTensor), f"dataset[{item['index']}] raised {item['error']}" if "error" in item
               else f"dataset[{item['index']}] is not (features, label) with the features a tensor")
        if x.shape == plain.shape and x.close(plain, 1e-6, 1e-6):
            fail(f"dataset[{item['index']}] returned the features untransformed: apply the transform to them")
        expect(x.shape == features.shape and x.close(features, 1e-6, 1e-4),
               f"dataset[{item['index']}] is not the transform's result on that call: the transform's output must "
               "be what __getitem__ returns, computed afresh on every access")
