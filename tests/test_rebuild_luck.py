"""The trusted rebuild (gradekit.course.rebuild), shared by 2.2.2's and 2.3.3's model checks, reads a correct
network the same way on every secret draw, not only on most.

Two steps of its whitelist can both lie within TOLERANCE of what a model gave: F.gelu and its tanh form
(F.gelu(x, approximate="tanh")) differ by at most about 2e-4. The rebuild took the first that fit, F.gelu, and a
layer later the difference, carried through the next Linear, exceeded TOLERANCE on about 9 secret draws in 10
(build_model((512, 256), 0.3, True)): a model with the tanh form failed with "could not be checked" by luck. The
reading is now the nearest step that fits. And a leaky_relu followed by a functional dropout had its slope read as
slope / (1 - p) (the dropout's scaling taken for the slope): such a model could never be checked in train mode.
"""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest
import torch
import torch.nn.functional as F

import gradekit.course.rebuild as rebuild
from gradekit.testing.probes import InProcess, graded_cells, load_checks, load_module, run_in_process, with_cell

ROOT = Path(__file__).resolve().parents[1]
TANH_GELU_DRAWS = [0, 1, 2]  # base seeds where the first fitting reading (F.gelu) of the tanh form fails a layer later

GELU_TANH_2_3_3 = '''
import torch.nn.functional as F

class GeluTanhModel(nn.Module):
    """build_model's blocks with the tanh form of GELU as a function (a correct network for the raw-logits and
    train/eval checks; the layers check asks for ReLU)."""

    def __init__(self, hidden_sizes, dropout, batchnorm):
        super().__init__()
        self.linears, self.norms, size = nn.ModuleList(), nn.ModuleList(), 28 * 28
        for width in hidden_sizes:
            self.linears.append(nn.Linear(size, width))
            self.norms.append(nn.BatchNorm1d(width) if batchnorm else nn.Identity())
            size = width
        self.dropout, self.head = nn.Dropout(dropout), nn.Linear(size, 10)

    def forward(self, x):
        x = x.view(x.size(0), -1)
        for linear, norm in zip(self.linears, self.norms):
            x = self.dropout(F.gelu(norm(linear(x)), approximate="tanh"))
        return self.head(x)


def build_model(hidden_sizes=(512, 256), dropout=0.3, batchnorm=True):
    return GeluTanhModel(tuple(hidden_sizes), dropout, batchnorm)
'''

LEAKY_DROPOUT_2_3_3 = '''
import torch.nn.functional as F

class LeakyModel(nn.Module):
    """build_model's blocks with F.leaky_relu(x, 0.1) and F.dropout(x, p, self.training) in forward."""

    def __init__(self, hidden_sizes, dropout, batchnorm):
        super().__init__()
        self.linears, self.norms, self.p, size = nn.ModuleList(), nn.ModuleList(), dropout, 28 * 28
        for width in hidden_sizes:
            self.linears.append(nn.Linear(size, width))
            self.norms.append(nn.BatchNorm1d(width) if batchnorm else nn.Identity())
            size = width
        self.head = nn.Linear(size, 10)

    def forward(self, x):
        x = x.view(x.size(0), -1)
        for linear, norm in zip(self.linears, self.norms):
            x = F.dropout(F.leaky_relu(norm(linear(x)), 0.1), self.p, self.training)
        return self.head(x)


def build_model(hidden_sizes=(512, 256), dropout=0.3, batchnorm=True):
    return LeakyModel(tuple(hidden_sizes), dropout, batchnorm)
'''

GELU_TANH_2_2_2 = '''
import torch.nn.functional as F

class MNISTClassifier(nn.Module):
    """The classifier's blocks with the tanh form of GELU as a function."""

    def __init__(self, hidden_sizes=(256, 128), dropout=0.2):
        super().__init__()
        self.linears, self.norms, size = nn.ModuleList(), nn.ModuleList(), 28 * 28
        for width in hidden_sizes:
            self.linears.append(nn.Linear(size, width))
            self.norms.append(nn.BatchNorm1d(width))
            size = width
        self.dropout, self.head = nn.Dropout(dropout), nn.Linear(size, 10)

    def forward(self, x):
        x = x.flatten(1)
        for linear, norm in zip(self.linears, self.norms):
            x = self.dropout(F.gelu(norm(linear(x)), approximate="tanh"))
        return self.head(x)
'''


def lesson(name: str, tmp_path_factory):
    """A lesson's probes, its reference's graded cells and its model check file."""
    graders = ROOT / "graders" / name
    path = next((ROOT / "solutions" / name).glob("*.py"))
    module = graded_cells(path, tmp_path_factory.mktemp(f"reference_{name}"), f"modules_under_test_{name}")
    checks = load_checks(graders, "test_ex4_classifier.py" if name == "2_2_2" else "test_ex2_ex3_models.py")
    return load_module(f"probes_{name}_luck_under_test", graders / "probes.py"), module, checks


@pytest.fixture(scope="module")
def lesson_2_3_3(tmp_path_factory):
    return lesson("2_3_3", tmp_path_factory)


@pytest.fixture(scope="module")
def lesson_2_2_2(tmp_path_factory):
    return lesson("2_2_2", tmp_path_factory)


def variant(module, cell: str, tmp_path: Path):
    """The reference with a cell of the test's in place of its model."""
    path = tmp_path / "cell.py"
    path.write_text(cell)
    return with_cell(module, path)


@pytest.fixture
def secret_draws(monkeypatch):
    """Make the rebuild's secret draws (weights, then inputs) those of a base seed: draw(seed)."""
    def draw(seed: int) -> None:
        counter = itertools.count()
        monkeypatch.setattr(rebuild, "secret_seed", lambda: seed * 1000 + next(counter))
    return draw


def test_these_seeds_make_the_first_fitting_reading_fail(secret_draws, monkeypatch):
    """Coverage guard: on each seed both F.gelu and its tanh form fit the first activation of the tanh-form
    model within TOLERANCE, and the old rule (the first step that fits: every distance alike) fails the rebuild."""
    monkeypatch.setattr(rebuild, "distance", lambda got, want: 0.0, raising=False)
    namespace = {"nn": torch.nn, "F": F, "torch": torch}
    exec(GELU_TANH_2_3_3, namespace)
    for seed in TANH_GELU_DRAWS:
        secret_draws(seed)
        model = namespace["build_model"]((512, 256), 0.3, True)
        weights = rebuild.secret_weights(rebuild.model_state(model))
        inputs = rebuild.secret_inputs()
        model.load_state_dict(weights)
        model.eval()
        with torch.no_grad():
            trace = rebuild.traced_call(model, inputs)
        normed = trace["calls"][1]["output"]
        assert rebuild.close(F.gelu(normed), F.gelu(normed, approximate="tanh")), f"seed {seed}: no longer a tie"
        with pytest.raises(rebuild.Unrebuildable, match="does not compute"):
            rebuild.rebuild(trace, weights, inputs, "the weights the grader gave your model")


@pytest.mark.parametrize("seed", TANH_GELU_DRAWS)
def test_the_tanh_form_of_gelu_is_read_as_itself_on_every_draw(lesson_2_3_3, secret_draws, tmp_path, seed):
    """2.3.3: the raw-logits and train/eval checks pass a tanh-form GELU model; its layers check still fails
    in the course's words (ReLU expected); the reference passes it."""
    probes, reference, checks = lesson_2_3_3
    secret_draws(seed)
    run = run_in_process(probes, InProcess(variant(reference, GELU_TANH_2_3_3, tmp_path)))
    checks.test_model_outputs_raw_logits(run)
    checks.test_train_and_eval_modes_change_the_output(run)
    with pytest.raises(BaseException, match="expected"):
        checks.test_build_model_layers_in_order(run, [512, 256], 0.3, True)
    secret_draws(seed)
    checks.test_build_model_layers_in_order(run_in_process(probes, InProcess(reference)), [512, 256], 0.3, True)


@pytest.mark.parametrize("seed", TANH_GELU_DRAWS)
def test_the_tanh_form_of_gelu_passes_2_2_2s_model_checks(lesson_2_2_2, secret_draws, tmp_path, seed):
    """2.2.2: MNISTClassifier(**MODEL_CONFIG) with the tanh form of GELU passes the raw-logits and dropout checks."""
    probes, reference, checks = lesson_2_2_2
    secret_draws(seed)
    run = run_in_process(probes, InProcess(variant(reference, GELU_TANH_2_2_2, tmp_path)))
    checks.test_classifier_outputs_raw_logits(run)
    checks.test_dropout_works_in_train_mode_only(run)


@pytest.mark.parametrize("seed", [0, 1])
def test_a_leaky_relu_before_a_functional_dropout_is_read_in_train_mode(lesson_2_3_3, secret_draws, tmp_path, seed):
    """The leaky slope is read from the kept entries (negative over positive scaling): F.leaky_relu then F.dropout
    rebuilds in train mode with the dropout's own p; the layers check names what it expected (ReLU)."""
    probes, reference, checks = lesson_2_3_3
    secret_draws(seed)
    run = run_in_process(probes, InProcess(variant(reference, LEAKY_DROPOUT_2_3_3, tmp_path)))
    checks.test_train_and_eval_modes_change_the_output(run)
    secret_draws(seed)
    out = probes.model_report(InProcess(variant(reference, LEAKY_DROPOUT_2_3_3, tmp_path)), [128], 0.1, False, 0)
    assert [layer["type"] for layer in out["layers"] if layer["type"].startswith("F.")] == ["F.leaky_relu", "F.dropout"]
    assert [layer.get("p") for layer in out["layers"] if layer["type"] == "F.dropout"] == [0.1]
    with pytest.raises(BaseException, match="expected"):
        checks.test_build_model_layers_in_order(run, [128], 0.1, False)
