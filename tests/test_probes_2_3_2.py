"""2.3.2's secret draws: train_one_epoch's check catches a loop that returns its last batch's loss on every secret
start, not only on most; load_checkpoint's checks catch a fixed next epoch on every secret checkpoint."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from gradekit.testing.probes import (InProcess, graded_cells, load_checks, load_hidden_probes, load_module,
                                      run_in_process, with_cell)

ROOT = Path(__file__).resolve().parents[1]
GRADERS = ROOT / "graders" / "2_3_2"
MISTAKES = ROOT / "tests" / "corpus" / "2_3_2" / "mistakes"
LAST_BATCH_LIKE_THE_MEAN = [589, 1395, 2362]  # secret starts whose epoch (seed 1, 120 samples) ends on a batch
# whose loss equals the epoch's mean loss to the check's 1e-5 (about 1 start in 1 300)


@pytest.fixture(scope="module")
def probes():
    return load_module("probes_2_3_2_under_test", GRADERS / "probes.py")


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    """The reference solution's graded cells, as the grader's student process runs them."""
    path = ROOT / "solutions" / "2_3_2" / "gpu_training.py"
    return graded_cells(path, tmp_path_factory.mktemp("reference_2_3_2"), "gpu_training_under_test")


def with_mistake(reference, name: str):
    """The reference with a corpus mistake's cell run over it (its function in place of the reference's own)."""
    return with_cell(reference, MISTAKES / f"{name}.py")


@pytest.fixture(scope="module")
def mistaken(reference):
    """The reference with a train_one_epoch that returns the last batch's loss."""
    return with_mistake(reference, "last_batch_loss")


@pytest.fixture(scope="module")
def checks():
    return load_checks(GRADERS, "test_ex1_train_on_the_gpu.py")


def epoch_check(checks, probes, module):
    """test_gpu_epoch_matches_the_cpu_run on `module`, its probe run in this process."""
    student = InProcess(module)
    checks.test_gpu_epoch_matches_the_cpu_run(run_in_process(probes, student))


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


# ---- load_checkpoint: the epoch a checkpoint says --------------------------------------------------------------

FIXED_NEXT_EPOCH = [65536, 65541, 65546]  # secret seeds on which the checkpoint's model is trained 3 epochs: when the
# checkpoint said the epochs it was trained (2 + seed % 5, as it did), a load_checkpoint that always answers 4 passed


LOAD_CHECKS = {"load_gpu_checkpoint_on_cpu": "test_a_gpu_checkpoint_loads_on_a_cpu_only_machine",
               "load_checkpoint_onto_gpu": "test_load_checkpoint_puts_model_and_optimizer_on_the_device"}


@pytest.fixture(scope="module")
def checkpoint_checks():
    return load_checks(GRADERS, "test_ex2_device_aware_checkpoints.py")


def load_check(checks, probes, module, probe: str, seed: int, workdir: Path, monkeypatch) -> None:
    """One of load_checkpoint's checks on `module`, its probe run in this process, the secret draws from `seed` on."""
    draws = itertools.count(seed)
    probes.secret_seed = lambda: next(draws)
    monkeypatch.chdir(workdir)
    student = InProcess(module, workdir)
    getattr(checks, LOAD_CHECKS[probe])(run_in_process(probes, student))


@pytest.mark.parametrize("probe", sorted(LOAD_CHECKS))
def test_these_seeds_hand_over_a_model_trained_three_epochs(probes, reference, probe, tmp_path, monkeypatch):
    """Coverage guard: on each seed below the checkpoint's model was trained 3 epochs (Adam's step count 3 x 4
    batches), the epoch a fixed answer of 4 fits."""
    for seed in FIXED_NEXT_EPOCH:
        draws = itertools.count(seed)
        probes.secret_seed = lambda: next(draws)
        workdir = tmp_path / str(seed)
        workdir.mkdir()
        monkeypatch.chdir(workdir)
        out = getattr(probes, probe)(InProcess(reference, workdir), seed=22)
        assert float(out["saved_optimizer"]["0.step"]) == 12, f"seed {seed} no longer covers the case"


@pytest.mark.parametrize("probe", sorted(LOAD_CHECKS))
@pytest.mark.parametrize("seed", FIXED_NEXT_EPOCH)
def test_a_fixed_next_epoch_fails_on_a_checkpoint_trained_three_epochs(checkpoint_checks, probes, reference, probe,
                                                                       seed, tmp_path, monkeypatch):
    """The checkpoint says a secret epoch from 10 to 9 999, apart from the epochs it was trained: a load_checkpoint
    that always returns 4 fails, the reference passes, on seeds where the old draw let the guess through."""
    load_check(checkpoint_checks, probes, reference, probe, seed, tmp_path, monkeypatch)
    (tmp_path / "mistake").mkdir()
    with pytest.raises(BaseException, match="for a checkpoint saved after epoch"):
        load_check(checkpoint_checks, probes, with_mistake(reference, "load_checkpoint_returns_a_fixed_epoch"), probe,
                   seed, tmp_path / "mistake", monkeypatch)


# ---- amp_train_step: the scale after overflowing steps ---------------------------------------------------------

BORDERLINE_OVERFLOW = [150000467, 107000338, 11000050]  # secret starts on which one of the 6 steps from a scale of
# 2**24 (loader seed 54) overflows, or not, as the lesson's step does, but would not, or would, with its gradients
# 1 % larger or smaller (0.07 % to 0.23 %): a correct step that sums in another float16 order could change the
# scales there (the borderline about 1 draw in 40 at 1 %, a flip about 1 in 5 000 with the 1e-4 of a bias added
# after the float16 product instead of with it)


@pytest.fixture(scope="module")
def hidden():
    return load_hidden_probes(GRADERS, load_module("lesson_probes", GRADERS / "probes.py"),
                              "hidden_probes_2_3_2_under_test")


@pytest.fixture(scope="module")
def hidden_checks():
    return load_checks(GRADERS / "hidden", "test_hidden_checks.py")


def borderline_steps(base, weights: dict, margin: float = 1e-2) -> list:
    """The steps of the hidden check's run (float16, scale 2**24, loader seed 54) from `weights` whose overflow
    differs at the scale `margin` below or above the one it ran with (torch's generator replayed for each)."""
    import torch

    with base.place("accelerator") as device:
        model, optimizer, criterion = base.fresh_from(weights, device=device)
        scaler = torch.amp.GradScaler(device.type, init_scale=2.0 ** 24)
        found = []
        for step, (inputs, labels) in enumerate(base.SeededLoader(54, n=32 * 6)):
            inputs, labels = inputs.to(device), labels.to(device)
            scale, state, flags = scaler.get_scale(), torch.get_rng_state(), []
            for factor in (1 - margin, 1 + margin):
                torch.set_rng_state(state)
                model.zero_grad()
                with torch.autocast(device.type, dtype=torch.float16):
                    loss = criterion(model(inputs), labels)
                (loss * (scale * factor)).backward()
                flags.append(not all(bool(torch.isfinite(p.grad).all()) for p in model.parameters()))
            torch.set_rng_state(state)
            base.trusted_amp_batch(model, inputs, labels, optimizer, criterion, scaler, device, torch.float16)
            if len({*flags, scaler.get_scale() < scale}) > 1:
                found.append(step + 1)
        return found


def test_these_seeds_first_draw_a_borderline_overflow(probes):
    """Coverage guard: on each seed below the plain first draw has a step whose overflow flips within 1 %."""
    for seed in BORDERLINE_OVERFLOW:
        probes.secret_seed = lambda seed=seed: seed
        assert borderline_steps(probes, probes.secret_start()), f"seed {seed} no longer covers the case"


class Handed(InProcess):
    """The student's process, noting the secret start each call hands it."""

    def __init__(self, module):
        super().__init__(module)
        self.starts = []

    def call(self, step, /, **args):
        self.starts.append(args.get("weights"))
        return super().call(step, **args)


@pytest.mark.parametrize("seed", BORDERLINE_OVERFLOW)
def test_overflow_check_hands_over_a_start_clear_of_the_boundary(hidden, hidden_checks, reference, seed):
    """The hidden overflow check redraws until no step's overflow is within 1 % of flipping: the start the student's
    step gets is clear on seeds whose first draw was borderline, and the reference passes."""
    base = hidden.base
    draws = itertools.count(seed)
    base.secret_seed = hidden.secret_seed = lambda: next(draws)
    student = Handed(reference)
    hidden_checks.test_overflowing_steps_back_off_like_the_lessons_step(run_in_process(hidden, student))
    assert student.starts and borderline_steps(base, student.starts[0]) == []
