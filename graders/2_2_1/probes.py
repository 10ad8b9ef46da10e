"""Probes for lesson 2.2.1: trusted code that runs in the worker, beside (never inside) the student's process.

What a check compares against is made here and never enters the student's process:
- the sizes, the CSV files' contents and the indices asked for come from `secret_seed()`, drawn after the
  student's process was forked; the expected items are computed here from the file the worker wrote;
- the transform check counts and marks each call (a call adds 1000 × its number): the worker knows which item
  must carry which mark only if the transform ran in `__getitem__`, once per access;
- the DataLoader checks hand the loader a numbered Dataset (item i is ([i, -i], i)) and read the order and the
  shapes of what it served;
- MNIST's real test images are read here, in the worker, from the project's copy (`gradekit.course.data`); the
  student's process gets secret ones as PIL images, exactly as torchvision's MNIST hands them to a transform,
  and the expected tensors and statistics are computed here with the lesson's formula.
Whatever a step returns is the student's word, checked against those values.
"""

from __future__ import annotations

import gzip
import random

import numpy as np
import torch
from gradekit.probe import not_asked_for, one_per_case, reply, secret_seed, student_step

MNIST_MEAN, MNIST_STD = 0.1307, 0.3081
MARK = 1000.0  # what each transform call adds, times its number
ITEM_LIMIT = 64  # items described per dataset
EPOCHS = 2  # epochs `serve` runs a loader for


# ---- in the student's process: describe what the student's objects gave, as plain data ----------------------

def plain(value):
    """A returned value as wire data: a plain tensor (detached, tensor subclasses unwrapped) or its description."""
    if isinstance(value, torch.Tensor):
        return value.detach().as_subclass(torch.Tensor).clone()
    if isinstance(value, np.ndarray):
        return {"type": "numpy.ndarray", "shape": list(value.shape), "dtype": str(value.dtype)}
    return {"type": type(value).__name__, "repr": repr(value)[:60]}


def describe_item(dataset, index: int) -> dict:
    """dataset[index] described: its container type and (up to three of) its parts, or the error it raised."""
    try:
        item = dataset[index]
    except NotImplementedError:
        raise
    except Exception as error:  # noqa: BLE001 - the student's error is reported, not raised
        return {"index": index, "error": f"{type(error).__name__}: {error}"[:300]}
    out = {"index": index, "kind": type(item).__name__}
    if isinstance(item, (tuple, list)):
        out["parts"] = [plain(part) for part in list(item)[:3]]
        out["count"] = len(item)
    else:
        out["parts"] = [plain(item)]
        out["count"] = None
    return out


def length_of(dataset):
    """len(dataset), or the error it raised, as text."""
    try:
        return len(dataset)
    except NotImplementedError:
        raise
    except Exception as error:  # noqa: BLE001
        return f"{type(error).__name__}: {error}"[:300]


class Numbered(torch.utils.data.Dataset):
    """The probe's Dataset: item i is (tensor([i, -i]) float32, tensor(i) int64), so a batch shows its order."""

    def __init__(self, n: int) -> None:
        super().__init__()
        self.n = n

    def __len__(self) -> int:
        return self.n

    def __getitem__(self, i: int):
        return torch.tensor([float(i), -float(i)]), torch.tensor(i)


def serve(loader, epochs: int = EPOCHS) -> dict:
    """Iterate `loader` for `epochs` epochs: per epoch, the shapes of each batch's inputs and targets, and the order."""
    out = {"type": type(loader).__name__, "epochs": []}
    for _ in range(epochs):
        shapes, order, problem = [], [], None
        for count, batch in enumerate(loader):
            if count >= 200:
                problem = "more than 200 batches"
                break
            if not (isinstance(batch, (tuple, list)) and len(batch) == 2
                    and all(isinstance(part, torch.Tensor) for part in batch)):
                problem = f"a batch is a {type(batch).__name__}, not (inputs, targets)"
                break
            inputs, targets = batch
            shapes.append([list(inputs.shape), list(targets.shape)])
            order += [int(v) for v in targets.reshape(-1).tolist()]
        out["epochs"].append({"shapes": shapes, "order": order, "problem": problem})
    return out


class Ticket:
    """A transform that notes every call (the shape it got) and adds 1000 × the call's number to what it got."""

    def __init__(self) -> None:
        self.shapes: list = []

    def __call__(self, features):
        self.shapes.append(list(getattr(features, "shape", [])))
        return features + MARK * len(self.shapes)


# ---- in the worker: the student's replies, checked to have the shape the grader asked for -------------------

def described_items(described: dict, picks: list, what: str) -> list:
    """The items a step described, exactly one dict per index the grader asked for: an empty or short list would
    pass every per-item check with no item checked."""
    items = one_per_case(described.get("items"), picks, what)
    for index, item in zip(picks, items):
        if "error" not in reply(item, what=what):
            reply(item, "kind", "count", what=what, parts=list)
        item["index"] = index  # the grader's own index, for the messages
    return items


def served_epochs(run, what: str) -> dict:
    """A loader's run as `serve` describes it, once it holds one dict per epoch served (else StudentBroken)."""
    run = reply(run, what=what)
    run["epochs"] = one_per_case(run.get("epochs"), range(EPOCHS), f"{what}, epoch by epoch")
    for epoch in run["epochs"]:
        reply(epoch, "problem", what=what, shapes=list, order=list)
        if not all(type(v) is int for v in epoch["order"]):
            raise not_asked_for(what)
    return run


# ---- exercise 1: SquaresDataset ---------------------------------------------------------------------------

def squares_indices(n: int) -> list:
    """The indices asked of SquaresDataset(n): its first twelve items and its last one."""
    return sorted(set(range(min(n, 12))) | ({n - 1} if n > 0 else set()))


@student_step
def call_squares(sub, sizes: list) -> dict:
    """SquaresDataset(n) for each n: its len and its first items and its last one."""
    out = []
    for n in sizes:
        dataset = sub.SquaresDataset(n)
        out.append({"n": n, "len": length_of(dataset),
                    "items": [describe_item(dataset, i) for i in squares_indices(n)]})
    return {"sizes": out}


def squares_dataset(student, extra: list = ()) -> dict:
    """The student's SquaresDataset for a secret size (and a dataset of one, and `extra` sizes): one entry per size,
    one item per index asked for, each beside the (i, i²) it must hold."""
    n = 13 + secret_seed() % 40
    sizes = [n, 1, *extra]
    out = reply(student.call(call_squares, sizes=sizes), what="SquaresDataset(n)")
    out["sizes"] = one_per_case(out.get("sizes"), sizes, "SquaresDataset(n), one per size")
    for size, described in zip(sizes, out["sizes"]):
        described = reply(described, what=f"SquaresDataset({size})")
        indices = squares_indices(size)
        described["items"] = described_items(described, indices, f"SquaresDataset({size})[i], one per index")
        described["n"] = size
        described["expected"] = [[float(i), float(i) ** 2] for i in indices]
    return out


# ---- exercise 2: CsvDataset --------------------------------------------------------------------------------

def secret_csv(features: int, rng: random.Random) -> tuple[str, list, list]:
    """A CSV file of the lesson's layout with secret rows: its text, its features and labels as Python numbers."""
    rows = rng.randint(17, 41)
    header = ",".join([f"f{j}" for j in range(features)] + ["label"])
    table, labels, lines = [], [], [header]
    for _ in range(rows):
        values = [round(rng.uniform(-20, 20), rng.choice([0, 1, 3])) for _ in range(features)]
        label = rng.randint(0, 4)
        table.append(values)
        labels.append(label)
        lines.append(",".join([str(int(v)) if float(v).is_integer() else str(v) for v in values] + [str(label)]))
    return "\n".join(lines) + "\n", table, labels


def parsed(text: str) -> tuple[torch.Tensor, torch.Tensor]:
    """The grader's reading of a CSV text: features float32 [N, F], labels int64 [N]."""
    rows = [line.split(",") for line in text.strip().splitlines()[1:]]
    return (torch.tensor([[float(v) for v in row[:-1]] for row in rows], dtype=torch.float32),
            torch.tensor([int(row[-1]) for row in rows], dtype=torch.int64))


@student_step
def call_csv(sub, path: str, picks: list, with_transform: bool) -> dict:
    """CsvDataset(path) (with a counting transform if asked): its len, then the items at `picks`, in that order."""
    ticket = Ticket() if with_transform else None
    dataset = sub.CsvDataset(path, transform=ticket) if with_transform else sub.CsvDataset(path)
    built = list(ticket.shapes) if ticket else []
    length = length_of(dataset)
    items = [describe_item(dataset, i) for i in picks]
    calls = ticket.shapes[len(built):] if ticket else []
    return {"len": length, "items": items, "at_construction": len(built), "construction_shapes": built[:3],
            "calls": len(calls), "call_shapes": calls[:3]}


def csv_reading(student, features: int = 3) -> dict:
    """CsvDataset on the lesson's iris file (every row) and on a secret CSV file of the same layout."""
    rng = random.Random(secret_seed())
    text, _, _ = secret_csv(features, rng)
    out = {}
    for name, content in (("iris", IRIS_CSV), ("secret", text)):
        path = student.put(f"{name}.csv", content.encode())
        table, labels = parsed(content)
        picks = list(range(len(labels))) if name == "iris" else rng.sample(range(len(labels)), min(12, len(labels)))
        if name == "secret":
            picks.append(len(labels) - 1)
        got = reply(student.call(call_csv, path=path, picks=picks, with_transform=False), what="CsvDataset(path)")
        got["items"] = described_items(got, picks, "CsvDataset(path)[i], one per index asked for")
        got["expected_len"] = len(labels)
        got["expected"] = [[table[i], int(labels[i])] for i in picks]
        got["features"] = table.shape[1]
        out[name] = got
    return out


def csv_transform(student) -> dict:
    """CsvDataset with a counting transform: items asked for in a secret order (one twice), beside the marks each
    must carry if the transform runs in __getitem__, once per access, on that one sample."""
    rng = random.Random(secret_seed())
    text, _, _ = secret_csv(3, rng)
    table, labels = parsed(text)
    picks = rng.sample(range(len(labels)), 5)
    picks.append(picks[1])
    got = reply(student.call(call_csv, path=student.put("measurements.csv", text.encode()), picks=picks,
                             with_transform=True), what="CsvDataset(path, transform=t)", call_shapes=list,
                construction_shapes=list)
    got["items"] = described_items(got, picks, "CsvDataset(path, transform=t)[i], one per index asked for")
    got["expected"] = [[table[i] + MARK * (k + 1), int(labels[i])] for k, i in enumerate(picks)]
    got["untransformed"] = [[table[i], int(labels[i])] for i in picks]
    got["rows"], got["features"] = len(labels), table.shape[1]
    return got


# ---- exercises 3 and 5: the DataLoader ---------------------------------------------------------------------

@student_step
def call_make_loader(sub, runs: list) -> dict:
    """make_loader(Numbered(n), batch_size, shuffle) for each run, served for two epochs."""
    return {"runs": [serve(sub.make_loader(Numbered(n), batch_size, shuffle)) for n, batch_size, shuffle in runs]}


def loader_runs(student, extra: list = ()) -> dict:
    """The student's make_loader on numbered datasets of secret sizes, with and without shuffling."""
    seed = secret_seed()
    batch_size = 4 + seed % 5
    n = batch_size * (5 + seed % 4) + 1 + seed % (batch_size - 1)  # always a partial last batch
    runs = [[n, batch_size, False], [n, batch_size, True], *extra]
    out = reply(student.call(call_make_loader, runs=runs), what="make_loader")
    answers = one_per_case(out.get("runs"), runs, "make_loader, one run per call")
    out["runs"] = [served_epochs(served, f"make_loader(dataset of {count}, batch_size={size}, shuffle={shuffle})")
                   for served, (count, size, shuffle) in zip(answers, runs)]
    out["settings"] = runs
    return out


@student_step
def call_make_loaders(sub, train_size: int, test_size: int, batch_size: int) -> dict:
    """make_loaders(Numbered(train_size), Numbered(test_size), batch_size), each served for two epochs."""
    loaders = sub.make_loaders(Numbered(train_size), Numbered(test_size), batch_size)
    if not (isinstance(loaders, (tuple, list)) and len(loaders) == 2):
        return {"returned": type(loaders).__name__}
    return {"returned": "pair", "train": serve(loaders[0]), "test": serve(loaders[1])}


def train_and_test_loaders(student) -> dict:
    """The student's make_loaders on two numbered datasets of secret sizes."""
    seed = secret_seed()
    batch_size = 5 + seed % 4
    sizes = {"train_size": batch_size * 7 + 1 + seed % 3, "test_size": batch_size * 3 + 2 + seed % 2}
    out = reply(student.call(call_make_loaders, batch_size=batch_size, **sizes), what="make_loaders")
    if out.get("returned") == "pair":
        for which in ("train", "test"):
            out[which] = served_epochs(out.get(which), f"make_loaders' {which}_loader")
    out["settings"] = {"batch_size": batch_size, **sizes}
    return out


# ---- exercise 4: MNIST's transform on real images ----------------------------------------------------------

def mnist_test_images() -> np.ndarray:
    """MNIST's 10 000 real test images, uint8 [10000, 28, 28], from the project's copy (read in the worker)."""
    from gradekit.course.data import MNIST_FILES

    with gzip.open(MNIST_FILES / "t10k-images-idx3-ubyte.gz", "rb") as handle:
        data = handle.read()
    return np.frombuffer(data, dtype=np.uint8, offset=16).reshape(-1, 28, 28)


@student_step
def call_mnist_transform(sub, images) -> dict:
    """mnist_transform() applied to each image, given as a PIL image as torchvision's MNIST gives it."""
    from PIL import Image

    transform = sub.mnist_transform()
    outputs = [plain(transform(Image.fromarray(image.numpy()))) for image in images]
    tensors = [o for o in outputs if isinstance(o, torch.Tensor)]
    if len(tensors) == len(outputs) and len({tuple(t.shape) for t in tensors}) == 1:
        return {"stacked": torch.stack(tensors), "first": None}
    return {"stacked": None, "first": outputs[0] if isinstance(outputs[0], dict) else
            {"type": "Tensor", "shape": list(outputs[0].shape), "dtype": str(outputs[0].dtype)}}


def fitted_constants(pixels: torch.Tensor, outputs: torch.Tensor) -> dict:
    """The (mean, std) a transform out = (pixel/255 − mean) / std would need to give `outputs`, by least squares,
    and whether that line explains them."""
    p, o = pixels.double().reshape(-1), outputs.double().reshape(-1)
    slope = ((p - p.mean()) * (o - o.mean())).mean() / (p - p.mean()).pow(2).mean()
    intercept = o.mean() - slope * p.mean()
    residual = (o - (slope * p + intercept)).abs().max().item()
    if slope.abs().item() < 1e-12:
        return {"mean": None, "std": None, "linear": False}
    std = 1.0 / (255.0 * slope.item())
    return {"mean": -intercept.item() * std, "std": std, "linear": residual < 1e-3 * max(1.0, o.abs().max().item())}


def normalized_images(student, count: int = 256) -> dict:
    """The student's mnist_transform on `count` secret real test images, beside the lesson's pipeline computed here
    ((pixel/255 − 0.1307) / 0.3081, float32) and both sets' statistics."""
    images = mnist_test_images()
    generator = torch.Generator().manual_seed(secret_seed())
    chosen = torch.from_numpy(images[torch.randperm(len(images), generator=generator)[:count].numpy()].copy())
    out = reply(student.call(call_mnist_transform, images=chosen), what="mnist_transform()")
    if not (torch.is_tensor(out.get("stacked")) or (out.get("stacked") is None and type(out.get("first")) is dict)):
        raise not_asked_for("mnist_transform()")
    expected = chosen.float().div(255).sub(MNIST_MEAN).div(MNIST_STD).unsqueeze(1)
    out["expected"] = expected
    out["expected_stats"] = {"mean": expected.mean().item(), "std": expected.std().item()}
    got = out["stacked"]
    if got is not None and got.numel() == expected.numel() and got.is_floating_point():
        out["stats"] = {"mean": got.double().mean().item(), "std": got.double().std().item(),
                        "min": got.min().item(), "max": got.max().item()}
        out["fit"] = fitted_constants(chosen, got.reshape(chosen.shape))
    out["count"] = count
    return out


# The grader's own copy of the lesson's CSV file: Fisher's iris measurements (1936), as in the UCI Machine Learning
# Repository, the species as class indices (0 setosa, 1 versicolor, 2 virginica). The lesson's given code carries
# the same text (`IRIS_CSV`); tests/test_notebooks_2_2_1.py checks that the two are equal.
IRIS_CSV = """\
sepal_length,sepal_width,petal_length,petal_width,label
5.1,3.5,1.4,0.2,0
4.9,3.0,1.4,0.2,0
4.7,3.2,1.3,0.2,0
4.6,3.1,1.5,0.2,0
5.0,3.6,1.4,0.2,0
5.4,3.9,1.7,0.4,0
4.6,3.4,1.4,0.3,0
5.0,3.4,1.5,0.2,0
4.4,2.9,1.4,0.2,0
4.9,3.1,1.5,0.1,0
5.4,3.7,1.5,0.2,0
4.8,3.4,1.6,0.2,0
4.8,3.0,1.4,0.1,0
4.3,3.0,1.1,0.1,0
5.8,4.0,1.2,0.2,0
5.7,4.4,1.5,0.4,0
5.4,3.9,1.3,0.4,0
5.1,3.5,1.4,0.3,0
5.7,3.8,1.7,0.3,0
5.1,3.8,1.5,0.3,0
5.4,3.4,1.7,0.2,0
5.1,3.7,1.5,0.4,0
4.6,3.6,1.0,0.2,0
5.1,3.3,1.7,0.5,0
4.8,3.4,1.9,0.2,0
5.0,3.0,1.6,0.2,0
5.0,3.4,1.6,0.4,0
5.2,3.5,1.5,0.2,0
5.2,3.4,1.4,0.2,0
4.7,3.2,1.6,0.2,0
4.8,3.1,1.6,0.2,0
5.4,3.4,1.5,0.4,0
5.2,4.1,1.5,0.1,0
5.5,4.2,1.4,0.2,0
4.9,3.1,1.5,0.1,0
5.0,3.2,1.2,0.2,0
5.5,3.5,1.3,0.2,0
4.9,3.1,1.5,0.1,0
4.4,3.0,1.3,0.2,0
5.1,3.4,1.5,0.2,0
5.0,3.5,1.3,0.3,0
4.5,2.3,1.3,0.3,0
4.4,3.2,1.3,0.2,0
5.0,3.5,1.6,0.6,0
5.1,3.8,1.9,0.4,0
4.8,3.0,1.4,0.3,0
5.1,3.8,1.6,0.2,0
4.6,3.2,1.4,0.2,0
5.3,3.7,1.5,0.2,0
5.0,3.3,1.4,0.2,0
7.0,3.2,4.7,1.4,1
6.4,3.2,4.5,1.5,1
6.9,3.1,4.9,1.5,1
5.5,2.3,4.0,1.3,1
6.5,2.8,4.6,1.5,1
5.7,2.8,4.5,1.3,1
6.3,3.3,4.7,1.6,1
4.9,2.4,3.3,1.0,1
6.6,2.9,4.6,1.3,1
5.2,2.7,3.9,1.4,1
5.0,2.0,3.5,1.0,1
5.9,3.0,4.2,1.5,1
6.0,2.2,4.0,1.0,1
6.1,2.9,4.7,1.4,1
5.6,2.9,3.6,1.3,1
6.7,3.1,4.4,1.4,1
5.6,3.0,4.5,1.5,1
5.8,2.7,4.1,1.0,1
6.2,2.2,4.5,1.5,1
5.6,2.5,3.9,1.1,1
5.9,3.2,4.8,1.8,1
6.1,2.8,4.0,1.3,1
6.3,2.5,4.9,1.5,1
6.1,2.8,4.7,1.2,1
6.4,2.9,4.3,1.3,1
6.6,3.0,4.4,1.4,1
6.8,2.8,4.8,1.4,1
6.7,3.0,5.0,1.7,1
6.0,2.9,4.5,1.5,1
5.7,2.6,3.5,1.0,1
5.5,2.4,3.8,1.1,1
5.5,2.4,3.7,1.0,1
5.8,2.7,3.9,1.2,1
6.0,2.7,5.1,1.6,1
5.4,3.0,4.5,1.5,1
6.0,3.4,4.5,1.6,1
6.7,3.1,4.7,1.5,1
6.3,2.3,4.4,1.3,1
5.6,3.0,4.1,1.3,1
5.5,2.5,4.0,1.3,1
5.5,2.6,4.4,1.2,1
6.1,3.0,4.6,1.4,1
5.8,2.6,4.0,1.2,1
5.0,2.3,3.3,1.0,1
5.6,2.7,4.2,1.3,1
5.7,3.0,4.2,1.2,1
5.7,2.9,4.2,1.3,1
6.2,2.9,4.3,1.3,1
5.1,2.5,3.0,1.1,1
5.7,2.8,4.1,1.3,1
6.3,3.3,6.0,2.5,2
5.8,2.7,5.1,1.9,2
7.1,3.0,5.9,2.1,2
6.3,2.9,5.6,1.8,2
6.5,3.0,5.8,2.2,2
7.6,3.0,6.6,2.1,2
4.9,2.5,4.5,1.7,2
7.3,2.9,6.3,1.8,2
6.7,2.5,5.8,1.8,2
7.2,3.6,6.1,2.5,2
6.5,3.2,5.1,2.0,2
6.4,2.7,5.3,1.9,2
6.8,3.0,5.5,2.1,2
5.7,2.5,5.0,2.0,2
5.8,2.8,5.1,2.4,2
6.4,3.2,5.3,2.3,2
6.5,3.0,5.5,1.8,2
7.7,3.8,6.7,2.2,2
7.7,2.6,6.9,2.3,2
6.0,2.2,5.0,1.5,2
6.9,3.2,5.7,2.3,2
5.6,2.8,4.9,2.0,2
7.7,2.8,6.7,2.0,2
6.3,2.7,4.9,1.8,2
6.7,3.3,5.7,2.1,2
7.2,3.2,6.0,1.8,2
6.2,2.8,4.8,1.8,2
6.1,3.0,4.9,1.8,2
6.4,2.8,5.6,2.1,2
7.2,3.0,5.8,1.6,2
7.4,2.8,6.1,1.9,2
7.9,3.8,6.4,2.0,2
6.4,2.8,5.6,2.2,2
6.3,2.8,5.1,1.5,2
6.1,2.6,5.6,1.4,2
7.7,3.0,6.1,2.3,2
6.3,3.4,5.6,2.4,2
6.4,3.1,5.5,1.8,2
6.0,3.0,4.8,1.8,2
6.9,3.1,5.4,2.1,2
6.7,3.1,5.6,2.4,2
6.9,3.1,5.1,2.3,2
5.8,2.7,5.1,1.9,2
6.8,3.2,5.9,2.3,2
6.7,3.3,5.7,2.5,2
6.7,3.0,5.2,2.3,2
6.3,2.5,5.0,1.9,2
6.5,3.0,5.2,2.0,2
6.2,3.4,5.4,2.3,2
5.9,3.0,5.1,1.8,2
"""
