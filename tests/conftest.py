"""Fixtures shared by the notebook tests (an offline MNIST data root built once from the project's own copy), and the
`slow` marker on every lesson's notebook test."""

from __future__ import annotations

from pathlib import Path

import pytest

from gradekit.course.data import mnist_data_root

# Submissions the tests grade, never tests: the attack corpus even ships a conftest.py that empties the run.
collect_ignore = ["attacks", "corpus"]


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """A lesson's notebook test (tests/test_notebooks_<lesson>.py) executes its release notebook: `slow` by its
    name, so a new lesson's notebook test stays out of `make test-fast` without a marker of its own."""
    for item in items:
        if item.path.name.startswith("test_notebooks_"):
            item.add_marker(pytest.mark.slow)


@pytest.fixture(scope="session")
def mnist_root(tmp_path_factory) -> Path:
    """`ROOT/MNIST/raw/` holding MNIST's original test files, for torchvision's real MNIST class offline."""
    return mnist_data_root(tmp_path_factory.mktemp("mnist"))


@pytest.fixture
def mnist_parameters(mnist_root, tmp_path) -> dict:
    """A notebook's parameters for a quick offline run: the test-set split, 2 epochs, checkpoints in tmp."""
    return {"DATA_ROOT": str(mnist_root), "OFFLINE_SPLIT": True, "EPOCHS": 2, "BATCH_SIZE": 500,
            "WORK_DIR": str(tmp_path / "ckpt")}


@pytest.fixture
def notebook_checks_off(monkeypatch):
    """Check cells only say they are off (tests/test_notebook_check.py runs them for real): quick notebook runs."""
    monkeypatch.setenv("GRADEKIT_NOTEBOOK_CHECKS", "off")
