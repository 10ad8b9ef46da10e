"""Exercise 3 (2_3_1.ex3): resume restores model and optimizer and returns the next epoch; loss continues."""

import pytest

from gradekit.checks import expect, fail, figure, fmt, same_tensor

pytestmark = pytest.mark.exercise("2_3_1.ex3")

AMNESIA = ("Resuming without the optimizer's state is giving an experienced pilot amnesia: Adam forgets its "
           "momentum (exp_avg) and adaptive rates (exp_avg_sq) and the loss spikes. "
           "Call optimizer.load_state_dict(checkpoint['optimizer_state_dict']).")


@pytest.mark.points(1)
def test_resume_returns_the_next_epoch(run):
    """resume returns the next epoch to run: the checkpoint's epoch plus one."""
    out = run("resume_state", doing="resume(path, model, optimizer)")
    returned, saved = out["returned"], out["saved_epoch"]
    if returned == saved:
        fail(f"resume returned {saved}, the epoch saved in the checkpoint. That epoch is already done: return "
             f"checkpoint['epoch'] + 1, or the resumed run repeats epoch {saved}.")
    expect(returned == saved + 1, f"resume returned {returned!r} for a checkpoint saved after epoch {saved}; "
                                  f"expected {saved + 1} (the next epoch to run).")


@pytest.mark.points(2)
def test_resume_restores_model_and_optimizer(run):
    """resume restores both the model's and the optimizer's state."""
    out = run("resume_state", doing="resume(path, model, optimizer)")
    for key, value in out["saved_model"].items():
        same_tensor(out["restored_model"].get(key), value, f"model {key} after resume")
    expect(out["restored_optimizer"], f"After resume the optimizer has no state at all. {AMNESIA}")
    for key, value in out["saved_optimizer"].items():
        expect(key in out["restored_optimizer"], f"After resume the optimizer lacks state {key}. {AMNESIA}")
        same_tensor(out["restored_optimizer"][key], value, f"optimizer state {key} after resume")


@pytest.mark.points(2)
def test_resumed_loss_continues_smoothly(run):
    """After a crash and a resume, the loss curve continues as if nothing had happened."""
    out = run("resume_continuity", doing="crash after epoch 3, resume, train to epoch 6", seed=12, total=6,
              crash_after=3)
    straight, resumed = out["straight"], out["resumed"]
    expect("restore_error" not in out, f"After resume, the model's or the optimizer's state cannot be loaded into a "
                                       f"fresh MNISTNet and Adam: {out.get('restore_error')}")
    figure("resume_loss", kind="lines", series={"uninterrupted": straight, "crash-and-resume": resumed},
           title="Training loss: uninterrupted vs crash after epoch 3 and resume", xlabel="epoch",
           ylabel="training loss", mark_x=3, mark_label="crash → resume")
    if resumed != straight:
        first = next(i for i, (a, b) in enumerate(zip(straight, resumed)) if a != b)
        spike = " The loss jumped right after the resume: the spike of a fresh optimizer." \
            if first == 3 and resumed[3] > straight[3] else ""
        fail(f"Uninterrupted losses {fmt(straight)} vs crash-and-resume {fmt(resumed)}: they part at epoch "
             f"{first + 1}.{spike} {AMNESIA if spike else 'Restore both state_dicts exactly.'}")
    for key, value in out["straight_final"].items():
        same_tensor(out["resumed_final"][key], value, f"final {key} of the resumed run")
