"""2.1.3's make_mlp forward check catches a ReLU after the last layer on every secret draw, not only on most."""

from __future__ import annotations

import os
import types
from pathlib import Path

import pytest
import torch

from gradekit.harness import wire
from gradekit.harness.submission import read_submission
from gradekit.harness.worker import load_submission
from gradekit.testing.probes import InProcess, load_checks, load_module

ROOT = Path(__file__).resolve().parents[1]
GRADERS = ROOT / "graders" / "2_1_3"
MISTAKE = ROOT / "tests" / "corpus" / "2_1_3" / "mistakes" / "mlp_relu_after_last_layer.py"
SIZES = [5, 7, 6, 3]
NON_NEGATIVE_DRAWS = [2, 64, 254, 277]  # seeds whose first draw gives make_mlp(SIZES) no negative output at all


@pytest.fixture(scope="module")
def probes():
    return load_module("probes_2_1_3_under_test", GRADERS / "probes.py")


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    """The reference solution's graded cells, as the grader's student process runs them."""
    path = next((ROOT / "solutions" / "2_1_3").glob("*.py"))
    workdir = tmp_path_factory.mktemp("reference_2_1_3")
    cwd = Path.cwd()
    os.chdir(workdir)
    try:
        module, errors = load_submission(read_submission(path, "modules_under_test").payload(), workdir)
    finally:
        os.chdir(cwd)
    assert not errors, errors
    return module


@pytest.fixture(scope="module")
def mistaken(reference):
    """The reference with the corpus's make_mlp, a ReLU after every Linear layer, in place of its own."""
    namespace = dict(vars(reference))
    exec(compile(MISTAKE.read_text(), str(MISTAKE), "exec"), namespace)
    return types.SimpleNamespace(**namespace)


@pytest.fixture(scope="module")
def checks():
    return load_checks(GRADERS, "test_ex5_make_mlp.py")


def forward_check(checks, probes, module):
    """test_make_mlp_forward_matches_the_math on `module`, its probe run in this process."""
    student = InProcess(module)
    checks.test_make_mlp_forward_matches_the_math(
        lambda name, doing, **args: wire.decode(*wire.encode(getattr(probes, name)(student, **args))))


def test_these_seeds_first_draw_a_case_without_negative_outputs(probes):
    """Coverage guard: on each seed below a plain draw could not tell a ReLU after the last layer from none."""
    for seed in NON_NEGATIVE_DRAWS:
        generator = torch.Generator().manual_seed(seed)
        weights = probes.linear_layers(generator, SIZES)
        inputs = probes.draw(generator, 8, SIZES[0])
        assert bool((probes.stack(inputs, weights) >= 0).all()), f"seed {seed} no longer covers the case"


@pytest.mark.parametrize("seed", NON_NEGATIVE_DRAWS)
def test_a_relu_after_the_last_layer_fails_where_a_plain_draw_has_no_negative_output(checks, probes, reference,
                                                                                      mistaken, seed):
    """The probe redraws until the right output has a clearly negative entry: the mistake fails, the reference
    passes, on seeds where the first draw (about 1 in 80) would have let the mistake through."""
    probes.secret_seed = lambda: seed
    forward_check(checks, probes, reference)
    with pytest.raises(BaseException, match="no output is ever negative"):
        forward_check(checks, probes, mistaken)
