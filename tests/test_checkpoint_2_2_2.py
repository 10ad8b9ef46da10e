"""Lesson 2.2.2's accuracy check proved both ways on genuinely trained models, graded as a learner's are.

How the proof is made honestly: these machines have no MNIST training set, only the 10 000 test images the project
carries. So both models are trained by the reference's own `train_model` on the lesson's offline split, 8 000 of
the *test* images (`offline_split=True`): a model that has seen most of the test set. Its score on the 10 000
test images is inflated by those images, so passing proves only that a genuinely trained model, saved by the
lesson's code and read by the grader weights-only, reaches the bars through the trusted rebuild — not what MNIST
training reaches. The failing model is trained the same way on 300 images for one epoch: far below 95 %, and the
feedback names its weakest digits. The passing one uses another valid MODEL_CONFIG (one hidden layer of 128), so a
config other than the reference's is proved to score 100 % on the checkpoint checks too.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from gradekit.grading.batch import GradeOptions, grade_batch
from gradekit.verify import solved_module

pytestmark = pytest.mark.slow  # trains two models and grades them

ROOT = Path(__file__).resolve().parents[1]
OTHER_CONFIG = 'MODEL_CONFIG = {"hidden_sizes": (128,), "dropout": 0.1}\n'


def trained_submission(folder: Path, mnist_root: Path, cell: str, train_subset: int | None, epochs: int) -> Path:
    """The reference module (with `cell` appended) in `folder`, and mnist_model.pt trained by its own train_model."""
    folder.mkdir(parents=True)
    module = solved_module(ROOT, "2_2_2", folder)
    (folder / "mnist_model.pt").unlink(missing_ok=True)  # the reference's own checkpoint: not this proof's
    module.write_text(module.read_text() + "\n\n# %%\n" + cell)
    spec = importlib.util.spec_from_file_location(f"proof_{folder.name}", module)
    code = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(code)  # the graded cells only: definitions
    code.train_model({"data_root": str(mnist_root), "offline_split": True, "train_subset": train_subset,
                      "batch_size": 64, "epochs": epochs, "lr": 1e-3, "seed": 0,
                      "save_path": str(folder / "mnist_model.pt")})
    return module


def test_the_accuracy_check_passes_a_trained_model_and_fails_an_undertrained_one(tmp_path, mnist_root):
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # a small MLP: one thread is fastest on a shared machine
    try:
        good = trained_submission(tmp_path / "good", mnist_root, OTHER_CONFIG, None, 3)
        weak = trained_submission(tmp_path / "weak", mnist_root, "", 300, 1)
    finally:
        torch.set_num_threads(threads)
    grades = grade_batch(ROOT, "2_2_2", [good.parent, weak.parent], tmp_path / "out",
                         GradeOptions(jobs=2, extra=("-k", "mnist_model")))  # the checkpoint checks only
    passed, failed = ({c.name: c for c in grade.checks} for grade in grades)

    for name in ("test_mnist_model_reaches_95_percent", "test_mnist_model_reaches_97_percent"):
        assert passed[name].passed, passed[name].message
        assert not failed[name].passed
        assert "on MNIST's 10 000 test images" in failed[name].message
        assert "Weakest digits: digit" in failed[name].message
    bars = failed["test_mnist_model_reaches_97_percent"].figures  # the per-digit bars of the feedback page
    assert len(bars) == 1, bars
