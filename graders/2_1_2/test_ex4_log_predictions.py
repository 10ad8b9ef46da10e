"""Exercise 4 (2_1_2.ex4): log_predictions snips the tape: the predictions' values, out of the graph."""

import pytest

from gradekit.checks import close_tensor, expect

pytestmark = pytest.mark.exercise("2_1_2.ex4")


@pytest.mark.points(2)
def test_logged_predictions_have_left_the_graph(run):
    """log_predictions returns w * X + b as a tensor that holds no graph: no grad_fn, no recording, .numpy() works."""
    out = run("log_predictions_case", doing="log_predictions(X, w, b)", n=16)
    expect(out["is_tensor"], f"log_predictions returned {out['returned']}: return a tensor (the detached predictions).")
    close_tensor(out["values"], out["expected"], "log_predictions(X, w, b) (expected w * X + b)", rtol=1e-6,
                 atol=1e-6)
    expect(out["grad_fn"] is None and not out["requires_grad"],
           f"log_predictions returned a tensor that still holds the graph (grad_fn={out['grad_fn']}, requires_grad="
           f"{out['requires_grad']}): a log or a plot would keep the whole tape alive, and .numpy() refuses it. "
           "Snip the tape: .detach() (or compute it under torch.no_grad()).")
    expect(out["numpy_ok"], "log_predictions returned a tensor on which .numpy() fails.")
