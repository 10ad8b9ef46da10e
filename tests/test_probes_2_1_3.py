"""2.1.3's checks hold on every secret draw, not only on most: make_mlp's and TwoLayerNet's forward checks catch a
ReLU after the last layer, the residual check catches a ReLU after the sum, and the hidden make_mlp check passes a
correct MLP whose float32 rounding differs from the grader's (another summation order) on every drawn depth."""

from __future__ import annotations

import sys
import types
from pathlib import Path

import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F

from gradekit.testing.probes import (InProcess, graded_cells, load_checks, load_hidden_probes, load_module,
                                      run_in_process, secret_sequence, with_cell)

ROOT = Path(__file__).resolve().parents[1]
GRADERS = ROOT / "graders" / "2_1_3"
MISTAKES = ROOT / "tests" / "corpus" / "2_1_3" / "mistakes"
MISTAKE = MISTAKES / "mlp_relu_after_last_layer.py"
SIZES = [5, 7, 6, 3]
NON_NEGATIVE_DRAWS = [2, 64, 254, 277]  # seeds whose first draw gives make_mlp(SIZES) no negative output at all


@pytest.fixture(scope="module")
def probes():
    return load_module("probes_2_1_3_under_test", GRADERS / "probes.py")


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    """The reference solution's graded cells, as the grader's student process runs them."""
    path = next((ROOT / "solutions" / "2_1_3").glob("*.py"))
    return graded_cells(path, tmp_path_factory.mktemp("reference_2_1_3"), "modules_under_test")


@pytest.fixture(scope="module")
def mistaken(reference):
    """The reference with the corpus's make_mlp, a ReLU after every Linear layer, in place of its own."""
    return with_cell(reference, MISTAKE)


@pytest.fixture(scope="module")
def checks():
    return load_checks(GRADERS, "test_ex5_make_mlp.py")


def forward_check(checks, probes, module):
    """test_make_mlp_forward_matches_the_math on `module`, its probe run in this process."""
    student = InProcess(module)
    checks.test_make_mlp_forward_matches_the_math(run_in_process(probes, student))


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


# ---- TwoLayerNet: a ReLU after fc2 -------------------------------------------------------------------------------

TWO_LAYER_SIZES = [6, 5, 3]
TWO_LAYER_NON_NEGATIVE = [417, 524, 586, 1383]  # seeds whose first draw gives TwoLayerNet(6, 5, 3) no negative output


def test_these_seeds_first_draw_a_two_layer_case_without_negative_outputs(probes):
    """Coverage guard: on each seed a plain draw could not tell a ReLU after fc2 from none (about 1 in 350)."""
    for seed in TWO_LAYER_NON_NEGATIVE:
        generator = torch.Generator().manual_seed(seed)
        weights = probes.linear_layers(generator, TWO_LAYER_SIZES)
        inputs = probes.draw(generator, 8, TWO_LAYER_SIZES[0])
        right = probes.stack(inputs, weights)
        assert torch.allclose(probes.stack(inputs, weights, relu_last=True), right, rtol=1e-5, atol=1e-5), \
            f"seed {seed} no longer covers the case"


@pytest.mark.parametrize("seed", TWO_LAYER_NON_NEGATIVE)
def test_a_relu_after_fc2_fails_where_a_plain_draw_has_no_negative_output(probes, reference, seed):
    """The probe redraws until the right output has a clearly negative entry: the corpus's ReLU after fc2 fails,
    the reference passes."""
    checks = load_checks(GRADERS, "test_ex1_two_layer_net.py")
    mistake = with_cell(reference, MISTAKES / "two_layer_net_relu_after_fc2.py")
    probes.secret_seed = lambda: seed
    run_check(checks.test_forward_computes_the_two_layer_math, probes, reference)
    with pytest.raises(BaseException, match="none after fc2"):
        run_check(checks.test_forward_computes_the_two_layer_math, probes, mistake)


def run_check(check, probes, module):
    """A check on `module`, its probe run in this process."""
    student = InProcess(module)
    check(run_in_process(probes, student))


# ---- ResidualBlock: a ReLU after the sum -------------------------------------------------------------------------

RESIDUAL_NON_NEGATIVE = [19934, 48103, 58032]  # seeds whose first draw gives x + fc2(relu(fc1(x))) no negative entry


def test_these_seeds_first_draw_a_residual_case_without_negative_sums(probes):
    """Coverage guard: on each seed a plain draw could not tell relu(x + branch(x)) from x + branch(x) with fc1
    registered first, as the corpus's mistake does (about 1 in 20 000)."""
    for seed in RESIDUAL_NON_NEGATIVE:
        generator = torch.Generator().manual_seed(seed)
        weights = probes.linear_layers(generator, [5, 5, 5])
        inputs = probes.draw(generator, 8, 5)
        right = inputs + probes.stack(inputs, weights)
        assert torch.allclose(torch.relu(right), right, rtol=1e-5, atol=1e-5), f"seed {seed} no longer covers the case"


@pytest.mark.parametrize("seed", RESIDUAL_NON_NEGATIVE)
def test_a_relu_after_the_sum_fails_where_a_plain_draw_has_no_negative_sum(probes, reference, seed):
    """The probe redraws until x + branch(x) has a clearly negative entry in either order: the corpus's ReLU after
    the sum fails the weighted check, the reference passes."""
    checks = load_checks(GRADERS, "test_ex6_residual_block.py")
    mistake = with_cell(reference, MISTAKES / "residual_relu_after_sum.py")
    probes.secret_seed = lambda: seed
    run_check(checks.test_residual_block_adds_the_input_to_the_branch, probes, reference)
    with pytest.raises(BaseException, match=r"relu\(x \+ branch\(x\)\)"):
        run_check(checks.test_residual_block_adds_the_input_to_the_branch, probes, mistake)


# ---- hidden make_mlp on drawn sizes: float32 rounding in another order -------------------------------------------

ROUNDED_APART = [2186]  # sequences of secret draws on which unscaled weights put a drawn MLP's rounding past 1e-5


class Linear64(nn.Linear):
    """A correct Linear layer that sums in float64 and rounds once: another summation order than F.linear's."""

    def forward(self, x):  # noqa: D102
        return F.linear(x.double(), self.weight.double(), self.bias.double()).float()


def rounded_otherwise(reference):
    """The reference with a correct make_mlp whose Linear layers round differently from the grader's."""
    def make_mlp(sizes):
        layers = []
        for index, (fan_in, fan_out) in enumerate(zip(sizes[:-1], sizes[1:])):
            layers += ([nn.ReLU()] if index else []) + [Linear64(fan_in, fan_out)]
        return nn.Sequential(*layers)
    return types.SimpleNamespace(**{**vars(reference), "make_mlp": make_mlp})


@pytest.fixture()
def hidden(probes, monkeypatch):
    monkeypatch.setitem(sys.modules, "lesson_probes", probes)  # put back after the test
    module = load_hidden_probes(GRADERS, probes, "hidden_probes_2_1_3_under_test")
    return module, load_checks(GRADERS / "hidden", "test_hidden_checks.py")


@pytest.mark.parametrize("seed", ROUNDED_APART)
def test_unscaled_weights_put_this_draw_past_the_tolerance(hidden, probes, seed):
    """Coverage guard: with unscaled weights, on this sequence a drawn MLP's float64-rounded output differs from
    F.linear's float32 one by more than the check's rtol=atol=1e-5 (about 1 drawn MLP in 8 000)."""
    secret_sequence(probes, seed)
    sizes_list = hidden[0].drawn_sizes(probes.secret_generator(), 4, longest=6, widest=9)
    for _ in range(3):  # the fixed cases' draws
        probes.secret_generator()
    apart = False
    for sizes in sizes_list:
        generator = probes.secret_generator()
        weights = probes.linear_layers(generator, sizes)
        inputs = probes.draw(generator, 8, sizes[0])
        value = inputs
        for index in range(0, len(weights), 2):
            value = F.linear(value.double(), weights[index].double(), weights[index + 1].double()).float()
            value = torch.relu(value) if index < len(weights) - 2 else value
        apart |= not torch.allclose(value, probes.stack(inputs, weights), rtol=1e-5, atol=1e-5)
    assert apart, f"seed {seed} no longer covers the case"


@pytest.mark.parametrize("seed", ROUNDED_APART)
def test_a_correct_mlp_rounding_otherwise_passes_the_hidden_check(hidden, probes, reference, seed):
    """The hidden check draws weights at He's scale, so a correct MLP that sums in another order stays within 1e-5 of
    the grader's output on any drawn depth; the corpus's ReLU after the last layer still fails."""
    module, checks = hidden
    secret_sequence(probes, seed)
    run_check(checks.test_make_mlp_on_drawn_sizes, module, rounded_otherwise(reference))
    secret_sequence(probes, seed)
    with pytest.raises(BaseException, match="expected"):
        run_check(checks.test_make_mlp_on_drawn_sizes, module, with_cell(reference, MISTAKE))
