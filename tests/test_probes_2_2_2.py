"""2.2.2's accuracy check catches argmax over the wrong dimension on every secret draw, not only on most."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from gradekit.testing.probes import InProcess, graded_cells, load_checks, load_module, run_in_process, with_cell

ROOT = Path(__file__).resolve().parents[1]
GRADERS = ROOT / "graders" / "2_2_2"
MISTAKE = ROOT / "tests" / "corpus" / "2_2_2" / "mistakes" / "argmax_over_the_wrong_dimension.py"
COUNT, CORRECT = 10, 7  # the check's square case: ten rows of ten logits, argmax(dim=0) is comparable with targets
LUCKY_DRAWS = [8916, 19251, 58068]  # seeds whose first draw gives argmax(dim=0) exactly 7 of 10 right (1 in 10 000)


@pytest.fixture(scope="module")
def probes():
    return load_module("probes_2_2_2_under_test", GRADERS / "probes.py")


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    """The reference solution's graded cells, as the grader's student process runs them."""
    path = next((ROOT / "solutions" / "2_2_2").glob("*.py"))
    return graded_cells(path, tmp_path_factory.mktemp("reference_2_2_2"), "modules_under_test")


@pytest.fixture(scope="module")
def mistaken(reference):
    """The reference with the corpus's accuracy, argmax over dimension 0, in place of its own."""
    return with_cell(reference, MISTAKE)


@pytest.fixture(scope="module")
def checks():
    return load_checks(GRADERS, "test_ex1_ex3_softmax_cross_entropy_accuracy.py")


def accuracy_check(checks, probes, module):
    """test_accuracy_is_the_fraction_of_rows_predicted_right[10-7] on `module`, its probe run in this process."""
    student = InProcess(module)
    checks.test_accuracy_is_the_fraction_of_rows_predicted_right(
        run_in_process(probes, student),
        COUNT, CORRECT)


def test_these_seeds_first_draw_a_case_where_argmax_over_the_batch_scores_right():
    """Coverage guard: on each seed below a plain draw (the probe's first) could not tell argmax(dim=0) from
    argmax(dim=1)."""
    for seed in LUCKY_DRAWS:
        generator = torch.Generator().manual_seed(seed)
        logits = torch.randn(COUNT, 10, generator=generator)
        predicted = logits.argmax(dim=1)
        targets = predicted.clone()
        wrong = torch.randperm(COUNT, generator=generator)[:COUNT - CORRECT]
        targets[wrong] = (predicted[wrong] + torch.randint(1, 10, (len(wrong),), generator=generator)) % 10
        assert int((predicted == targets).sum()) == CORRECT
        assert int((logits.argmax(dim=0) == targets).sum()) == CORRECT, f"seed {seed} no longer covers the case"


@pytest.mark.parametrize("seed", LUCKY_DRAWS)
def test_argmax_over_the_batch_fails_where_a_plain_draw_scores_it_right(checks, probes, reference, mistaken, seed):
    """The probe redraws until argmax(dim=0) counts another fraction than the right one: the mistake fails, the
    reference passes, on seeds where the first draw would have let the mistake through."""
    probes.secret_seed = lambda: seed
    accuracy_check(checks, probes, reference)
    with pytest.raises(BaseException, match="not over the batch"):
        accuracy_check(checks, probes, mistaken)
