"""Hidden checks of lesson 2.2.1: run by staff and CI, never shipped to students. They reuse the public probes
with other inputs."""

import pytest

from gradekit.checks import WireTensor, expect


@pytest.mark.exercise("2_2_1.ex1")
@pytest.mark.points(1)
def test_squares_dataset_of_nothing_and_of_many(run):
    """SquaresDataset(0) is empty and SquaresDataset(3001) reaches 3000²."""
    out = run("squares_dataset", doing="SquaresDataset(0) and SquaresDataset(3001)", extra=[0, 3001])
    empty, large = out["sizes"][2], out["sizes"][3]
    expect(empty["len"] == 0, f"len(SquaresDataset(0)) is {empty['len']}, expected 0")
    expect(large["len"] == 3001, f"len(SquaresDataset(3001)) is {large['len']}, expected 3001")
    last = large["items"][-1]
    expect("error" not in last, f"SquaresDataset(3001)[3000] raised {last.get('error')}")
    y = last["parts"][1] if len(last["parts"]) > 1 else None
    expect(isinstance(y, WireTensor) and float(y.array.reshape(-1)[0]) == 3000.0 ** 2,
           "SquaresDataset(3001)[3000] does not hold y = 3000²")


@pytest.mark.exercise("2_2_1.ex2")
@pytest.mark.points(1)
def test_csv_dataset_with_a_single_feature_column(run):
    """CsvDataset reads a file with one feature column: features of shape [1]."""
    out = run("csv_reading", doing="CsvDataset(path) on a file with one feature column", features=1)["secret"]
    expect(out["len"] == out["expected_len"], f"len(CsvDataset(path)) is {out['len']}, expected {out['expected_len']}")
    for item, (features, label) in zip(out["items"], out["expected"]):
        expect("error" not in item, f"dataset[{item['index']}] raised {item.get('error')}")
        x = item["parts"][0] if item.get("parts") else None
        expect(isinstance(x, WireTensor) and list(x.shape) == [1] and x.close(features, 1e-6, 1e-6),
               f"dataset[{item['index']}]: features should be [{float(features.array[0]):g}] of shape [1]")


@pytest.mark.exercise("2_2_1.ex3")
@pytest.mark.points(1)
def test_a_batch_larger_than_the_dataset(run):
    """With batch_size larger than the dataset, one batch holds every sample."""
    out = run("loader_runs", doing="make_loader(dataset of 5, batch_size=8, shuffle=False)", extra=[[5, 8, False]])
    epochs = out["runs"][2]["epochs"]
    shapes = [shape[0] if isinstance(shape, list) and shape else None for shape in epochs[0]["shapes"]]
    expect(shapes == [[5, 2]], f"make_loader(dataset of 5, batch_size=8) served inputs of shapes {shapes}, "
           "expected one batch [5, 2]")


@pytest.mark.exercise("2_2_1.ex4")
@pytest.mark.points(1)
def test_statistics_on_many_real_images(run):
    """On 1 531 real MNIST test images, the statistics match MNIST's normalization."""
    out = run("normalized_images", doing="mnist_transform() on 1 531 real MNIST test images", count=1531)
    stats, expected = out.get("stats"), out["expected_stats"]
    expect(stats is not None, "mnist_transform() did not give one float tensor per image")
    expect(abs(stats["mean"] - expected["mean"]) < 1e-4 and abs(stats["std"] - expected["std"]) < 1e-4,
           f"mean {stats['mean']:.4f} and std {stats['std']:.4f}; expected {expected['mean']:.4f} and "
           f"{expected['std']:.4f}")
