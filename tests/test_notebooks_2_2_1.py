"""Lesson 2.2.1's release notebook for real: executed top to bottom by nbclient with its checks on, on MNIST's
real test files (offline split), with the solutions in place (every check passes) and as shipped (every check
says "not implemented yet"); and the lesson's CSV file is the one the graders read."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import pytest

from gradekit.testing.notebooks import execute, reference_notebook, stub_stops

ROOT = Path(__file__).resolve().parents[1]
LESSON = "2_2_1"
RELEASE = ROOT / "assignments" / LESSON / "2-2-1-datasets-and-dataloaders.ipynb"
EXERCISES = [ex["id"] for ex in json.loads((ROOT / "assignments" / LESSON / "manifest.json").read_text())["exercises"]]


@pytest.fixture
def parameters(mnist_root, monkeypatch) -> dict:
    """Checks on; MNIST from the project's copy, offline (the 8 000 / 2 000 split of the test set)."""
    monkeypatch.delenv("GRADEKIT_NOTEBOOK_CHECKS", raising=False)
    return {"DATA_ROOT": str(mnist_root), "OFFLINE_SPLIT": True}


def check_outputs(notebook) -> dict[str, str]:
    """Cell id -> plain text of every check cell's outputs (the exercises' check() cells and check_all())."""
    return {cell["id"]: "\n".join(o.get("text", "") + o.get("data", {}).get("text/plain", "")
                                  for o in cell.get("outputs", []))
            for cell in notebook.cells if "-check-" in cell.get("id", "") and cell["id"] != "c00-check-setup"}


def test_reference_notebook_runs_and_every_check_passes(parameters, tmp_path):
    notebook = execute(reference_notebook(ROOT, LESSON), parameters, cwd=tmp_path)
    outputs = "\n".join(o.get("text", "") for c in notebook.cells for o in c.get("outputs", []))
    assert "squares[3]: (tensor([3.]), tensor([9.]))" in outputs
    assert "iris: 150 flowers" in outputs and (tmp_path / "iris.csv").is_file()
    assert "inputs (2, 1) targets (2, 1) x = [8.0, 9.0]" in outputs  # the last, partial batch
    assert "samples: 8000 for training, 2000 for testing" in outputs
    assert "one batch: (64, 1, 28, 28) torch.float32 | labels: (64,) torch.int64" in outputs
    shown = check_outputs(notebook)
    assert len(shown) == len(EXERCISES) + 1
    for exercise in EXERCISES:
        plain = next(text for cell, text in shown.items() if cell.endswith("-check-" + exercise.split(".")[-1]))
        assert ": all " in plain and "checks passed" in plain and "✗" not in plain, plain
    plain_all = next(text for cell, text in shown.items() if cell.endswith("-check-all"))
    assert f"Lesson {LESSON}: all " in plain_all and "✗" not in plain_all, plain_all


def test_starter_notebook_stops_at_the_first_stub_and_every_check_says_not_implemented(parameters, tmp_path):
    notebook = execute(RELEASE.read_text(), parameters, cwd=tmp_path, allow_errors=True)
    problem = stub_stops(notebook)
    assert not problem, problem
    shown = check_outputs(notebook)
    assert len(shown) == len(EXERCISES) + 1
    for cell, plain in shown.items():
        assert "✗" in plain and "not implemented yet" in plain and ": all " not in plain, (cell, plain)


def test_the_lessons_csv_file_is_the_one_the_graders_read(tmp_path):
    """The iris CSV travels in the lesson's given code (IRIS_CSV) and in the public probes: the same text."""
    from gradekit.harness.submission import read_submission

    source = next((ROOT / "solutions" / LESSON).glob("*.py"))
    namespace: dict = {}
    for cell in read_submission(source, "given").cells:  # the given code's cells, in order
        exec(compile(cell.source, str(source), "exec"), namespace)
    spec = importlib.util.spec_from_file_location("probes_2_2_1", ROOT / "graders" / LESSON / "probes.py")
    probes = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(probes)
    assert namespace["IRIS_CSV"] == probes.IRIS_CSV
    lines = probes.IRIS_CSV.strip().splitlines()
    assert lines[0] == "sepal_length,sepal_width,petal_length,petal_width,label" and len(lines) == 151
    assert namespace["write_iris_csv"](str(tmp_path / "iris.csv")) and (tmp_path / "iris.csv").read_text() == probes.IRIS_CSV


def test_the_student_bundle_carries_the_csv_and_the_mnist_images_the_probes_read():
    """The bundle's notebook and starter carry IRIS_CSV (the file is written from there), and the public probes'
    real MNIST test images ship with gradekit.course.data (PACKAGE_DATA)."""
    from gradekit.release.contents import bundle_files

    files, _ = bundle_files(ROOT, [LESSON])
    for name in ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"):
        assert f"tools/gradekit/course/data/mnist/{name}" in files
    for name in ("datasets_and_dataloaders.py", "2-2-1-datasets-and-dataloaders.ipynb"):
        text = files[f"assignments/{LESSON}/{name}"].decode()
        assert "IRIS_CSV = " in text and "def write_iris_csv" in text and "5.9,3.0,5.1,1.8,2" in text
