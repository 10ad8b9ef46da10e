"""2.1.4's fit check holds on every secret start the probe can draw, not only on the lucky ones."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from gradekit.harness import wire
from gradekit.harness.worker import Namespace
from gradekit.testing.probes import (InProcess, graded_cells, load_checks, load_module, run_in_process,
                                      secret_sequence, with_cell)

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
    return Namespace(graded_cells(path, tmp_path_factory.mktemp("reference_2_1_4"), "training_loop_under_test"), [])


@pytest.fixture(scope="module")
def checks():
    return load_checks(GRADERS, "test_ex2_train.py")


@pytest.fixture(scope="module")
def slow_fits(probes, reference):
    """fit_known_function's report (through the wire, as the judge reads it) on each slow start."""
    fits = {}
    for seed in SLOW_STARTS:
        secret_sequence(probes, seed)
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


# ---- make_optimizer("adam"): another eps ------------------------------------------------------------------------

ADAM_EPS = 1e-6  # the corpus's adam_other_eps
EPS_HIDDEN = [0, 1, 2]  # seeds whose standard-normal gradients (the plain draw) are nowhere small enough to show eps


def plain_adam_after(probes, seed: int, eps: float) -> list:
    """Adam's three steps by hand on the plain draw of `seed`: standard-normal parameters and gradients."""
    generator = torch.Generator().manual_seed(seed)
    params = [torch.randn(4, 3, generator=generator), torch.randn(3, generator=generator)]
    grads = [[torch.randn(p.shape, generator=generator) for p in params] for _ in range(3)]
    return [w for step in probes.by_hand("adam", params, grads, 0.1, eps=eps) for w in step]


def test_these_seeds_draw_gradients_that_hide_eps(probes):
    """Coverage guard: on each seed a plain draw gives Adam with eps 1e-6 the course's steps within the check's
    tolerance (about 3 draws in 4)."""
    for seed in EPS_HIDDEN:
        mine, right = plain_adam_after(probes, seed, ADAM_EPS), plain_adam_after(probes, seed, probes.EPS)
        assert all(torch.allclose(a, b, rtol=1e-5, atol=1e-6) for a, b in zip(mine, right)), \
            f"seed {seed} no longer covers the case"


@pytest.mark.parametrize("seed", EPS_HIDDEN)
def test_adam_with_another_eps_fails_where_a_plain_draw_hides_it(probes, reference, seed):
    """The probe's small gradients reach Adam's eps, and it redraws until each other eps or beta the check names
    lands clearly outside its tolerance: the corpus's eps 1e-6 fails, the reference passes (SGD's checks too)."""
    checks = load_checks(GRADERS, "test_ex1_make_optimizer.py")
    path = ROOT / "tests" / "corpus" / "2_1_4" / "mistakes" / "adam_other_eps.py"
    mistake = with_cell(reference._module, path)

    def run_on(module, check):
        probes.secret_seed = lambda: seed
        student = InProcess(module)
        check(run_in_process(probes, student))

    for check in (checks.test_adam_uses_the_course_defaults, checks.test_sgd_is_plain_gradient_descent,
                  checks.test_optimizer_steps_the_parameters_it_was_given):
        run_on(reference, check)
    with pytest.raises(BaseException, match="eps=1e-8"):
        run_on(mistake, checks.test_adam_uses_the_course_defaults)
