"""Exercise 4 (2_3_1.ex4): EarlyStopping's rule, and training that stops, saves and restores the best."""

import pytest

from gradekit.checks import each_case, expect, fail, fmt

pytestmark = pytest.mark.exercise("2_3_1.ex4")

F, T = False, True
EDGE_CASES = [  # (patience, min_delta or None for the default, losses, what step() must return each epoch)
    (1, None, [1.0, 1.2, 0.5], [F, T, F]),
    (2, None, [3.0, 2.0, 2.5, 2.6, 1.0], [F, F, F, T, F]),
    (3, 0.1, [1.0, 0.95, 0.92, 0.85, 0.80, 0.79, 0.78], [F, F, F, F, F, F, T]),
    (2, 0.5, [2.0, 1.4, 1.0, 0.85], [F, F, F, F]),
    (1, 0.0, [0.1, 0.2, 0.3], [F, T, T]),
]


@pytest.mark.points(2)
def test_early_stopping_rule(run):
    """EarlyStopping.step says stop once patience epochs in a row fail to improve by min_delta."""
    cases = [{"patience": p, "min_delta": d, "losses": losses} for p, d, losses, _ in EDGE_CASES]
    traces = run("early_stopping_traces", doing="EarlyStopping.step", cases=cases)
    for trace, (patience, delta, losses, want) in each_case(traces, EDGE_CASES, "EarlyStopping.step"):
        got = [step[0] for step in trace]
        if got != want:
            epoch = next(i for i, (a, b) in enumerate(zip(got, want)) if a != b)
            fail(f"EarlyStopping(patience={patience}, min_delta={delta or 0.0}) on validation losses "
                 f"{fmt(losses[:epoch + 1], 2)}: step() returned {got[epoch]} at epoch {epoch + 1}, expected "
                 f"{want[epoch]}. Stop once `patience` epochs in a row failed to improve on best_loss - min_delta.")


@pytest.mark.points(1)
def test_early_stopping_tracks_best_loss_and_counter(run):
    """EarlyStopping keeps the best loss so far and counts the epochs since it."""
    losses = [2.0, 1.5, 1.7, 1.6, 1.4, 1.9]
    best, counter = [2.0, 1.5, 1.5, 1.5, 1.4, 1.4], [0, 0, 1, 2, 0, 1]
    cases = [{"patience": 3, "min_delta": None, "losses": losses}]
    [(trace, _)] = each_case(run("early_stopping_traces", doing="EarlyStopping.step", cases=cases), cases,
                             "EarlyStopping.step")
    steps = each_case(trace, losses, "EarlyStopping.step, epoch by epoch")
    for epoch, ((got, _), want_best, want_counter) in enumerate(zip(steps, best, counter), start=1):
        seen = fmt(losses[:epoch], 1)
        expect(got[1] == want_best, f"After epoch {epoch} (losses {seen}) best_loss is {got[1]}, expected "
                                    f"{want_best}: the lowest validation loss so far.")
        expect(got[2] == want_counter, f"After epoch {epoch} (losses {seen}) counter is {got[2]}, expected "
                                       f"{want_counter}: epochs since the last improvement.")


DOING = "train_with_early_stopping(..., max_epochs=15, patience=2)"


def with_rows(out: dict, course: dict) -> dict:
    """The run's report, once its history is known to be a list of rows, one per epoch the course's loop ran."""
    __tracebackhide__ = True
    out = {**out, "trusted_val": course["val"]}
    expect(isinstance(out["rows"], list) and out["rows"] and all(isinstance(row, dict) for row in out["rows"]),
           f"train_with_early_stopping returned {out['rows']}, not a list of per-epoch rows.")
    expect(len(out["rows"]) <= len(out["trusted_val"]), f"train_with_early_stopping reports {len(out['rows'])} "
                                                        f"epochs with max_epochs={len(out['trusted_val'])}.")
    for row, trusted in zip(out["rows"], out["trusted_val"]):
        reported = row.get("val_loss")
        expect(isinstance(reported, float) and abs(reported - trusted) <= 1e-4 * (1 + abs(trusted)),
               f"Epoch {row.get('epoch')}: the history says val_loss {reported!r}, but the model trained that many "
               f"epochs by train_one_epoch has validation loss {trusted:.4f}: train with train_one_epoch and report "
               "evaluate(model, val_loader, criterion) after each epoch.")
    return out


@pytest.mark.points(1)
def test_training_stops_after_patience(run):
    """Training stops patience epochs after the best validation loss."""
    out = with_rows(run("early_stopping_run", doing=DOING, seed=13, max_epochs=15, patience=2, path_type="str"),
                    run.reference("course_run", doing="15 epochs of the course's loop", seed=13, epochs=15,
                                  states=False))
    losses = [row["val_loss"] for row in out["rows"]]
    best = losses.index(min(losses))
    expect(len(losses) == best + 1 + 2,
           f"Validation losses {fmt(losses)}: the best is epoch {best + 1}, so with patience=2 training stops after "
           f"epoch {best + 3}; it ran {len(losses)} epochs.")


@pytest.mark.points(2)
def test_training_restores_the_best_weights(run):
    """After training, the model holds the best epoch's weights again."""
    out = with_rows(run("early_stopping_run", doing=DOING, seed=13, max_epochs=15, patience=2, path_type="str"),
                    run.reference("course_run", doing="15 epochs of the course's loop", seed=13, epochs=15,
                                  states=False))
    losses = [row["val_loss"] for row in out["rows"]]
    final = out["final_val_loss"]
    expect(final is not None, "After training the model no longer has MNISTNet's layers and shapes.")
    if abs(final - min(losses)) > 1e-6:
        fail(f"After training the model's validation loss is {final:.4f}, but the best epoch reached {min(losses):.4f}"
             f" (losses {fmt(losses)}). Early stopping must restore the best weights from the checkpoint before "
             "returning: model.load_state_dict(torch.load(checkpoint_path)).")


@pytest.mark.points(1)
def test_best_model_is_saved_to_checkpoint_path(run):
    """The best epoch's weights are saved at checkpoint_path."""
    out = with_rows(run("early_stopping_run", doing=DOING, seed=13, max_epochs=15, patience=2, path_type="str"),
                    run.reference("course_run", doing="15 epochs of the course's loop", seed=13, epochs=15,
                                  states=False))
    expect(out["saved"], "Nothing loadable was saved at checkpoint_path (a state_dict or a checkpoint dict).")
    losses = [row["val_loss"] for row in out["rows"]]
    expect(out["saved_val_loss"] is not None and abs(out["saved_val_loss"] - min(losses)) < 1e-6,
           f"The weights at checkpoint_path give validation loss {out['saved_val_loss']:.4f}; the best epoch had "
           f"{min(losses):.4f}. Save the model whenever the validation loss improves.")
