"""2.1.1's describe checks catch a describe that does not read the dtype from t on every secret draw, not only on
most: a plain draw gives three tensors of one dtype about 1 time in 25 (float32 alone 1 in 125)."""

from __future__ import annotations

import types
from pathlib import Path

import pytest
import torch

from gradekit.testing.probes import InProcess, graded_cells, load_checks, load_module, run_in_process, with_cell

ROOT = Path(__file__).resolve().parents[1]
GRADERS = ROOT / "graders" / "2_1_1"
MISTAKE = ROOT / "tests" / "corpus" / "2_1_1" / "mistakes" / "describe_dtype_is_the_default.py"
COUNT = 3  # tensors per device, as both describe checks ask
ALL_FLOAT32 = {"cpu": [11, 41, 130], "meta": [203, 420, 565]}  # seeds whose plain draw on that device is all float32


@pytest.fixture(scope="module")
def probes():
    return load_module("probes_2_1_1_under_test", GRADERS / "probes.py")


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    """The reference solution's graded cells, as the grader's student process runs them."""
    path = ROOT / "solutions" / "2_1_1" / "tensors.py"
    return graded_cells(path, tmp_path_factory.mktemp("reference_2_1_1"), "modules_under_test")


@pytest.fixture(scope="module")
def mistaken(reference):
    """The reference with the corpus's describe, which names torch.get_default_dtype(), in place of its own."""
    return with_cell(reference, MISTAKE)


@pytest.fixture(scope="module")
def checks():
    hidden = load_checks(GRADERS / "hidden", "test_hidden_checks.py")
    return {"cpu": load_checks(GRADERS, "test_ex1_make_tensors.py").test_describe_returns_shape_dtype_device,
            "meta": hidden.test_describe_reads_the_device_from_the_tensor}


def describe_check(check, probes, module):
    """One describe check on `module`, its probe run in this process."""
    student = InProcess(module)
    check(run_in_process(probes, student))


def test_these_seeds_first_draw_only_float32_tensors(probes):
    """Coverage guard: on each seed below the plain draw (the CPU's cases first, then the meta device's) gives that
    device three float32 tensors, where a describe that names the default dtype is right every time."""
    for device, seeds in ALL_FLOAT32.items():
        for seed in seeds:
            generator = torch.Generator().manual_seed(seed)
            drawn = {where: probes.describe_cases(generator, where, COUNT) for where in ("cpu", "meta")}
            assert {case["dtype"] for case in drawn[device]} == {"float32"}, f"seed {seed} no longer covers {device}"


@pytest.mark.parametrize("device, seed", [(device, seed) for device, seeds in ALL_FLOAT32.items() for seed in seeds])
def test_a_describe_naming_the_default_dtype_fails_where_a_plain_draw_is_all_float32(checks, probes, reference,
                                                                                      mistaken, device, seed):
    """The probe redraws until no one dtype fits all of a device's cases: the mistake fails, the reference passes,
    on seeds where the first draw would have let it through."""
    probes.secret_seed = lambda: seed
    describe_check(checks[device], probes, reference)
    with pytest.raises(BaseException, match="read the three attributes from t itself|the dtype is wrong"):
        describe_check(checks[device], probes, mistaken)


def test_no_one_dtype_or_shape_fits_all_cases_of_a_draw(probes):
    """Over many draws, each device's cases hold at least two dtypes and two shapes: a describe that reads either
    from anything but t is wrong on one of them."""
    for seed in range(400):
        probes.secret_seed = lambda seed=seed: seed
        out = probes.described(types.SimpleNamespace(call=lambda step, cases: [
            {"ok": True, "shape": c["shape"], "dtype": c["dtype"], "device": c["device"]} for c in cases]), COUNT)
        for device in ("cpu", "meta"):
            cases = [case for _, case in out[device]]
            assert len({case["dtype"] for case in cases}) > 1 and len({tuple(case["shape"]) for case in cases}) > 1
