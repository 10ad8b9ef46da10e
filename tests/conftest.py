"""Fixtures shared by the tests (an offline MNIST data root built once from the project's own copy, a warm grading
service), the `slow` marker on every lesson's notebook test, and how pytest-xdist shares the work out."""

from __future__ import annotations

from pathlib import Path

import pytest

from gradekit.course.data import mnist_data_root
from gradekit.grading.service import GradingService

# Submissions the tests grade, never tests: the attack corpus even ships a conftest.py that empties the run.
collect_ignore = ["attacks", "corpus"]


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """A lesson's notebook test (tests/test_notebooks_<lesson>.py) executes its release notebook: `slow` by its
    name, so a new lesson's notebook test stays out of `make test-fast` without a marker of its own."""
    for item in items:
        if item.path.name.startswith("test_notebooks_"):
            item.add_marker(pytest.mark.slow)
    if hasattr(config, "workerinput"):  # a pytest-xdist worker: every worker sorts its collection the same way
        heavy_first(items)


# Files whose module fixture grades one batch per lesson: under pytest-xdist each lesson's batch is one unit of work,
# and the lessons' batches are shared out between the workers (a test id there starts with its lesson).
SPLIT_BY_LESSON = ("test_attacks.py", "test_corpus.py")
# The longest units first, so neither worker is left with one at the end: the attack batches, then the corpus's.
HEAVY_FIRST = ("test_attacks.py", "test_corpus.py")


def unit_of_work(nodeid: str) -> str:
    """The tests one xdist worker runs together: a file (its module fixtures run once), or a lesson's batch."""
    path, _, rest = nodeid.partition("::")
    if Path(path).name in SPLIT_BY_LESSON and "[" in rest:
        return f"{path}:{rest.split('[', 1)[1].split('/')[0].rstrip(']')}"
    return path


def heavy_first(items: list[pytest.Item]) -> None:
    """Put the attack and corpus batches first, the later lessons' (they grade training) before the earlier ones'."""
    def weight(item: pytest.Item) -> tuple:
        path, _, lesson = unit_of_work(item.nodeid).partition(":")
        name = Path(path).name
        rank = HEAVY_FIRST.index(name) if name in HEAVY_FIRST else len(HEAVY_FIRST)
        return rank, tuple(-int(part) for part in lesson.split("_") if part.isdigit())
    items.sort(key=weight)


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config, log):
    """`make test`'s workers (-n 2) take whole units of work (unit_of_work), longest first."""
    from xdist.scheduler import LoadScopeScheduling

    class ByUnitOfWork(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return unit_of_work(nodeid)

    config.option.loadscopereorder = False  # keep the order heavy_first gave the collection
    return ByUnitOfWork(config, log)


@pytest.fixture(scope="session")
def grading_service():
    """One warm worker pool and judge server for the tests that grade lessons again and again (each grading is
    still its own `pytest graders/<lesson>` run: grading/service.py). Its reader thread is one of gradekit's own, so
    the plugin's fork test still tries its fork (machine.cannot_grade_here)."""
    with GradingService(Path(__file__).resolve().parents[1]) as service:
        yield service


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
