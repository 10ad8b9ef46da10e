"""2.1.4's fit check holds on every secret start the probe can draw, not only on the lucky ones."""

from __future__ import annotations

import os
import random
from pathlib import Path

import pytest

from gradekit.harness import wire
from gradekit.harness.submission import read_submission
from gradekit.harness.worker import Namespace, load_submission
from gradekit.testing.probes import InProcess, load_checks, load_module

ROOT = Path(__file__).resolve().parents[1]
GRADERS = ROOT / "graders" / "2_1_4"
SLOW_STARTS = [6240]  # secret draws (below) whose 200 epochs of Adam, the reference's or the grader's, end above 0.02


@pytest.fixture(scope="module")
def probes():
    return load_module("probes_2_1_4_under_test", GRADERS / "probes.py")


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    """The reference solution's graded cells, as the grader's student process runs them (no demo cells)."""
    path = ROOT / "solutions" / "2_1_4" / "training_loop.py"
    workdir = tmp_path_factory.mktemp("reference_2_1_4")
    cwd = Path.cwd()
    os.chdir(workdir)
    try:
        module, errors = load_submission(read_submission(path, "training_loop_under_test").payload(), workdir)
    finally:
        os.chdir(cwd)
    assert not errors, errors
    return Namespace(module, errors)


@pytest.fixture(scope="module")
def checks():
    return load_checks(GRADERS, "test_ex2_train.py")


def draw(probes, seed: int) -> None:
    """Make the probe's secret draws those of `seed` (each call the next number of one sequence)."""
    sequence = random.Random(seed)
    probes.secret_seed = lambda: sequence.getrandbits(31)


@pytest.fixture(scope="module")
def slow_fits(probes, reference):
    """fit_known_function's report (through the wire, as the judge reads it) on each slow start."""
    fits = {}
    for seed in SLOW_STARTS:
        draw(probes, seed)
        fits[seed] = wire.decode(*wire.encode(probes.fit_known_function(InProcess(reference))))
    return fits


@pytest.mark.parametrize("seed", SLOW_STARTS)
def test_the_fit_check_passes_the_reference_on_a_slow_start(slow_fits, checks, seed):
    """On a secret start from which 200 epochs of Adam end above the course's 0.02 (about 3 draws in 10 000), the
    reference still scores the point: the bar is as low as the grader's own run from the same start gets."""
    fit = slow_fits[seed]
    assert fit["grid_mse"] > 0.02, "no longer a slow start: this test covers nothing"
    checks.test_loop_fits_a_known_function(lambda name, doing=None, **args: {"fit": fit})


def test_the_fit_check_still_fails_a_loop_that_never_learns(slow_fits, checks):
    """On a slow start, weights that never moved still fail, in the course's words (zero_grad between backward and
    step leaves them where they started)."""
    fit = {**slow_fits[SLOW_STARTS[0]]}
    fit["grid_mse"] = fit["untrained_mse"]
    with pytest.raises(BaseException, match="a working loop gets below 0.02"):
        checks.test_loop_fits_a_known_function(lambda name, doing=None, **args: {"fit": fit})
