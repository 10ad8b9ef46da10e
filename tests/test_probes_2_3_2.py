"""2.3.2's secret draws: train_one_epoch's check catches a loop that returns its last batch's loss on every secret
start, not only on most."""

from __future__ import annotations

import itertools
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
GRADERS = ROOT / "graders" / "2_3_2"
LAST_BATCH = ROOT / "tests" / "corpus" / "2_3_2" / "mistakes" / "last_batch_loss.py"
LAST_BATCH_LIKE_THE_MEAN = [589, 1395, 2362]  # secret starts whose epoch (seed 1, 120 samples) ends on a batch
# whose loss equals the epoch's mean loss to the check's 1e-5 (about 1 start in 1 300)


@pytest.fixture(scope="module")
def probes():
    return load_module("probes_2_3_2_under_test", GRADERS / "probes.py")


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    """The reference solution's graded cells, as the grader's student process runs them."""
    path = ROOT / "solutions" / "2_3_2" / "gpu_training.py"
    workdir = tmp_path_factory.mktemp("reference_2_3_2")
    cwd = Path.cwd()
    os.chdir(workdir)
    try:
        module, errors = load_submission(read_submission(path, "gpu_training_under_test").payload(), workdir)
    finally:
        os.chdir(cwd)
    assert not errors, errors
    return module


@pytest.fixture(scope="module")
def mistaken(reference):
    """The reference with the corpus's train_one_epoch, which returns the last batch's loss, in place of its own."""
    namespace = dict(vars(reference))
    exec(compile(LAST_BATCH.read_text(), str(LAST_BATCH), "exec"), namespace)
    return types.SimpleNamespace(**namespace)


@pytest.fixture(scope="module")
def checks():
    return load_checks(GRADERS, "test_ex1_train_on_the_gpu.py")


def epoch_check(checks, probes, module):
    """test_gpu_epoch_matches_the_cpu_run on `module`, its probe run in this process."""
    student = InProcess(module)
    checks.test_gpu_epoch_matches_the_cpu_run(
        lambda name, doing, **args: wire.decode(*wire.encode(getattr(probes, name)(student, **args))))


def test_these_seeds_first_draw_a_last_batch_as_large_as_the_mean(probes):
    """Coverage guard: on each seed below the plain first draw could not tell the last batch's loss from the mean."""
    for seed in LAST_BATCH_LIKE_THE_MEAN:
        probes.secret_seed = lambda seed=seed: seed
        with probes.place("accelerator") as device:
            model, optimizer, criterion = probes.fresh_from(probes.secret_start(), device=device)
            losses = []
            for inputs, labels in probes.SeededLoader(1, n=120):
                optimizer.zero_grad()
                loss = criterion(model(inputs.to(device)), labels.to(device))
                loss.backward()
                optimizer.step()
                losses.append((loss.item(), len(labels)))
        last = losses[-1][0]
        means = [sum(v for v, _ in losses) / len(losses), sum(v * n for v, n in losses) / sum(n for _, n in losses)]
        assert any(abs(last - mean) <= 1e-5 * abs(mean) + 1e-7 for mean in means), \
            f"seed {seed} no longer covers the case"


@pytest.mark.parametrize("seed", LAST_BATCH_LIKE_THE_MEAN)
def test_a_last_batch_loss_fails_where_a_plain_draw_ends_on_the_mean(checks, probes, reference, mistaken, seed):
    """The probe redraws until the last batch's loss lies clearly apart from both means: the mistake fails, the
    reference passes, on seeds where the first draw would have let the mistake through."""
    for module, passes in ((reference, True), (mistaken, False)):
        draws = itertools.count(seed)  # the secret seeds the probe draws: the unlucky one first, then others
        probes.secret_seed = lambda: next(draws)
        if passes:
            epoch_check(checks, probes, module)
        else:
            with pytest.raises(BaseException, match="mean over batches"):
                epoch_check(checks, probes, module)
