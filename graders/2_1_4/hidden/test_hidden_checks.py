"""Hidden checks of lesson 2.1.4 (course staff and CI only): an unknown optimizer name, a loop called twice."""

import pytest

from gradekit.checks import expect, fmt


@pytest.mark.exercise("2_1_4.ex1")
@pytest.mark.points(1)
def test_make_optimizer_refuses_an_unknown_name(run):
    """make_optimizer raises ValueError for a name other than "sgd" and "adam"."""
    out = run("unknown_optimizer", doing='make_optimizer("rmsprop", params, lr=0.1)', name="rmsprop")
    did = f"raised {out['raised']}" if out["raised"] else f"returned a {out['returned']}"
    expect(out["raised"] == "ValueError", f'make_optimizer("rmsprop", ...) {did}; it should raise ValueError naming '
                                          'the optimizers it knows ("sgd", "adam").')


@pytest.mark.exercise("2_1_4.ex2")
@pytest.mark.points(2)
def test_train_keeps_using_the_optimizer_it_is_given(run):
    """Two calls of train (6 + 6 epochs) with one Adam continue like a single 12-epoch run."""
    out = run("train_twice", doing="train(..., epochs=6) twice with the same model and Adam", first=6, second=6)
    values = [v for call in out["calls"] for v in (call["values"] or [])]
    reference = out["reference"]
    close = len(values) == len(reference) and all(
        isinstance(a, float) and abs(a - b) <= 1e-4 * (1 + abs(b)) for a, b in zip(values, reference))
    expect(close, f"6 + 6 epochs with one Adam gave losses {fmt([v for v in values if isinstance(v, float)])}; one "
                  f"12-epoch run gives {fmt(reference)}. Train with the optimizer you are handed: a new one built "
                  "inside train forgets Adam's momentum at every call, giving an experienced pilot amnesia.")
    for key, value in out["reference_final"].items():
        mine = out["final"][key]
        expect(mine.close(value, rtol=1e-4, atol=1e-5), f"{key} after 6 + 6 epochs differs from 12 epochs by up to "
                                                        f"{mine.max_abs_diff(value):.3g}.")
