"""Lesson 2.3.2's release notebook for real: executed by nbclient on real MNIST files, and graded as a notebook.

On a CPU-only machine the notebook takes its CPU paths (the device-mismatch demo uses the meta device, the
timing table has one column, train_portable trains without mixed precision); the graders still run the
graded cells on a (simulated) GPU.
"""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest

from gradekit.build.outputs import release_notebook
from gradekit.build.pipeline import lesson_sources
from gradekit.build.source import read_source
from gradekit.notebooks import errors, execute, offline_mnist_root
from gradekit.verify import grade

ROOT = Path(__file__).resolve().parents[1]
LESSON = "2_3_2"
MNIST = ROOT.parent / "shared" / "data" / "mnist"
RELEASE = ROOT / "assignments" / LESSON / "2-3-2-gpu-training.ipynb"


@pytest.fixture(scope="module")
def solved_notebook_text() -> str:
    return release_notebook(read_source(next(p for p in lesson_sources(ROOT, [LESSON]))), solved=True)


@pytest.fixture(scope="module")
def mnist_root(tmp_path_factory) -> Path:
    if not (MNIST / "t10k-images-idx3-ubyte.gz").exists():
        pytest.fail(f"MNIST's test files are expected in {MNIST} (shared/data/mnist beside the checkout)")
    return offline_mnist_root(MNIST, tmp_path_factory.mktemp("mnist"))


def parameters(mnist_root: Path, work: Path) -> dict:
    return {"DATA_ROOT": str(mnist_root), "OFFLINE_SPLIT": True, "EPOCHS": 2, "BATCH_SIZE": 500,
            "WORK_DIR": str(work)}


def test_reference_notebook_runs_top_to_bottom_on_real_mnist(solved_notebook_text, mnist_root, tmp_path):
    notebook = execute(solved_notebook_text, parameters(mnist_root, tmp_path / "ckpt"), cwd=tmp_path)
    outputs = "\n".join(o.get("text", "") for c in notebook.cells for o in c.get("outputs", []))
    assert "RuntimeError:" in outputs, "the device-mismatch error is shown first"
    assert "same predictions on the CPU: True" in outputs
    assert "became 0: the gradient vanished" in outputs
    assert "mixed precision" in outputs and "resumed at epoch 2" in outputs
    assert (tmp_path / "ckpt" / "gpu_training.pt").exists() and (tmp_path / "ckpt" / "portable.pt").exists()


def test_starter_notebook_stops_at_the_first_stub(mnist_root, tmp_path):
    notebook = execute(RELEASE.read_text(), parameters(mnist_root, tmp_path / "ckpt"), cwd=tmp_path,
                       allow_errors=True)
    found = errors(notebook)
    assert found and found[0][0] == "NotImplementedError"
    graded = {c["id"] for c in notebook.cells if "graded" in c.metadata.get("tags", [])}
    assert not [cell for _, cell in found if cell in graded], "the graded cells only define names; they must run"


def _graded_as_notebook(notebook, tmp_path) -> dict:
    path = tmp_path / RELEASE.name
    nbformat.write(notebook, path)
    return grade(ROOT, LESSON, path, hidden=False)


def test_a_notebook_whose_training_cell_crashes_still_gets_full_marks(solved_notebook_text, tmp_path):
    notebook = nbformat.reads(solved_notebook_text, as_version=4)
    notebook.cells.insert(8, nbformat.v4.new_code_cell("raise RuntimeError('CUDA out of memory (my training run)')"))
    notebook.cells.append(nbformat.v4.new_code_cell("while True:\n    pass  # an experiment left running"))
    report = _graded_as_notebook(notebook, tmp_path)
    assert report["lessons"][LESSON]["points"] == report["lessons"][LESSON]["max_points"] > 0


def test_graded_cells_are_found_by_their_comment_when_tags_are_lost(solved_notebook_text, tmp_path):
    notebook = nbformat.reads(solved_notebook_text, as_version=4)
    for cell in notebook.cells:
        cell.metadata.pop("tags", None)
    notebook.cells.append(nbformat.v4.new_code_cell("raise SystemExit('an experiment')"))
    report = _graded_as_notebook(notebook, tmp_path)
    assert report["lessons"][LESSON]["points"] == report["lessons"][LESSON]["max_points"] > 0


def test_a_broken_notebook_gets_a_clear_message_for_every_check(tmp_path):
    path = tmp_path / RELEASE.name
    path.write_text(RELEASE.read_text()[:-200])
    report = grade(ROOT, LESSON, path, hidden=False)
    assert report["lessons"][LESSON]["points"] == 0
    assert all("not valid notebook JSON" in check["message"] for check in report["checks"])
    assert json.dumps(report).count("Traceback") == 0
