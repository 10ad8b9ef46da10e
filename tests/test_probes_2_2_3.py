"""2.2.3's X-ray check catches a batch size of one's own on every secret draw, not only on most."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from gradekit.testing.probes import InProcess, graded_cells, load_checks, load_module, run_in_process, with_cell

ROOT = Path(__file__).resolve().parents[1]
GRADERS = ROOT / "graders" / "2_2_3"
MISTAKE = ROOT / "tests" / "corpus" / "2_2_3" / "mistakes" / "x_ray_of_a_batch_of_eight.py"
OWN_BATCH = 8  # the mistake's batch size, the notebook's PlumbingNet example
BATCH_OF_EIGHT = [17, 22, 27]  # seeds whose first draw hands model_summary a batch of 8 (1 in 11)


@pytest.fixture(scope="module")
def probes():
    return load_module("probes_2_2_3_under_test", GRADERS / "probes.py")


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    """The reference solution's graded cells, as the grader's student process runs them."""
    path = next((ROOT / "solutions" / "2_2_3").glob("*.py"))
    return graded_cells(path, tmp_path_factory.mktemp("reference_2_2_3"), "modules_under_test")


@pytest.fixture(scope="module")
def mistaken(reference):
    """The reference with the corpus's model_summary, an X-ray of a batch of 8, in place of its own."""
    return with_cell(reference, MISTAKE)


@pytest.fixture(scope="module")
def checks():
    return load_checks(GRADERS, "test_ex1_model_summary.py")


def shapes_check(checks, probes, module):
    """test_summary_shows_every_layers_output_shape on `module`, its probe run in this process."""
    student = InProcess(module)
    checks.test_summary_shows_every_layers_output_shape(run_in_process(probes, student))


def test_these_seeds_first_draw_a_batch_of_eight():
    """Coverage guard: on each seed below a plain draw (one batch size, 3 to 13) hands model_summary a batch of 8,
    where an X-ray of a batch of 8 is the right one."""
    for seed in BATCH_OF_EIGHT:
        generator = torch.Generator().manual_seed(seed)
        batch = int(torch.randint(3, 14, (1,), generator=generator))
        assert batch == OWN_BATCH, f"seed {seed} no longer covers the case"


@pytest.mark.parametrize("seed", BATCH_OF_EIGHT)
def test_a_batch_of_ones_own_fails_where_a_plain_draw_hands_it_that_batch(checks, probes, reference, mistaken, seed):
    """The probe X-rays the network at two different secret batch sizes: the mistake fails, the reference passes,
    on seeds where the one batch size drawn before (1 in 11) let an X-ray of a batch of 8 through."""
    probes.secret_seed = lambda: seed
    assert probes.secret_architecture("images")[1][0] == OWN_BATCH  # the first X-ray is still of a batch of 8
    shapes_check(checks, probes, reference)
    with pytest.raises(BaseException, match="never a size of your own"):
        shapes_check(checks, probes, mistaken)


def test_the_second_batch_size_is_never_the_first(probes):
    """Over many secret draws the two batch sizes differ, each within 3 to 13, and the second takes every value."""
    seen = set()
    for seed in range(500):
        probes.secret_seed = lambda seed=seed: seed
        for kind in ("images", "nested"):
            _, first, second = probes.secret_architecture(kind)
            assert first[0] != second[0] and 3 <= first[0] <= 13 and 3 <= second[0] <= 13, (seed, first, second)
            assert first[1:] == second[1:]
            seen.add(second[0])
    assert seen == set(range(3, 14))
