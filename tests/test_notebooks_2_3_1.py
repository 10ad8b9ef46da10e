"""Lesson 2.3.1's release notebook for real: executed by nbclient on real MNIST test files."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from gradekit.course.data import MNIST_FILES as MNIST
from gradekit.testing.notebooks import execute, reference_notebook, stub_stops

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.usefixtures("notebook_checks_off")
LESSON = "2_3_1"
RELEASE = ROOT / "assignments" / LESSON / "2-3-1-saving-and-loading.ipynb"


@pytest.fixture(scope="module")
def solved_notebook_text() -> str:
    return reference_notebook(ROOT, LESSON)


def test_reference_notebook_runs_top_to_bottom_on_real_mnist(solved_notebook_text, mnist_parameters, tmp_path):
    notebook = execute(solved_notebook_text, mnist_parameters, cwd=tmp_path)
    outputs = "\n".join(o.get("text", "") for c in notebook.cells for o in c.get("outputs", []))
    assert "same predictions: True" in outputs
    assert (tmp_path / "ckpt" / "mnist_model.pth").exists() and (tmp_path / "ckpt" / "best.pt").exists()
    assert "stopped after" in outputs
    assert outputs.count("Checks are switched off in this run") == 5, "four check cells and check_all, one line each"


def test_starter_notebook_stops_at_the_first_stub(mnist_parameters, tmp_path):
    notebook = execute(RELEASE.read_text(), mnist_parameters, cwd=tmp_path,
                       allow_errors=True)
    problem = stub_stops(notebook)
    assert not problem, problem


def given_code() -> dict:
    """The names the lesson's given code defines (its first graded cell), run in a fresh namespace."""
    from gradekit.harness.submission import read_submission

    source = next((ROOT / "solutions" / LESSON).glob("*.py"))
    namespace: dict = {}
    exec(compile(read_submission(source, "given").cells[0].source, str(source), "exec"), namespace)
    return namespace


def plain_mnist_folder(folder: Path, names: tuple[str, ...]) -> Path:
    """A folder holding MNIST's original files directly, as a student downloads them (no MNIST/raw/ inside)."""
    folder.mkdir(parents=True, exist_ok=True)
    for name in names:
        shutil.copy(MNIST / name, folder / name)
    return folder


def test_a_plain_folder_of_the_test_files_is_a_data_root_offline(tmp_path):
    folder = plain_mnist_folder(tmp_path / "my-mnist", ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"))
    train, val = given_code()["get_mnist_loaders"](str(folder), 500, offline_split=True)
    assert (len(train.dataset), len(val.dataset)) == (8000, 2000)
    images, labels = next(iter(val))
    assert tuple(images.shape) == (500, 1, 28, 28) and int(labels.max()) <= 9
    assert not (folder / "MNIST").exists(), "the files were read where they are, not looked for in MNIST/raw/"


def test_a_plain_folder_of_all_four_files_is_a_data_root(tmp_path):
    """Only MNIST's test files are on this machine, so packed copies of them stand in for the two training files,
    with their checksums told to torchvision: all four `.gz` files are unpacked from the folder, none downloaded."""
    import hashlib

    folder = plain_mnist_folder(tmp_path / "my-mnist", ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"))
    for kind in ("images-idx3", "labels-idx1"):
        shutil.copy(folder / f"t10k-{kind}-ubyte.gz", folder / f"train-{kind}-ubyte.gz")
    given = given_code()
    given["LocalMNIST"].resources = [(name, hashlib.md5((folder / name).read_bytes()).hexdigest())
                                     for name, _ in given["LocalMNIST"].resources]
    train, val = given["get_mnist_loaders"](str(folder), 500)
    assert (len(train.dataset), len(val.dataset)) == (10000, 10000)
    assert (folder / "train-images-idx3-ubyte").is_file() and not (folder / "MNIST").exists()


def test_the_notebook_says_how_to_use_a_local_copy_of_mnist():
    cells = json.loads(RELEASE.read_text())["cells"]
    text = "".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown")
    assert "train-images-idx3-ubyte.gz" in text and "`MNIST/raw/`" in text and "OFFLINE_SPLIT = True" in text
