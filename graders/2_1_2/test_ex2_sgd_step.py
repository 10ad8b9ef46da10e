"""Exercise 2 (2_1_2.ex2): sgd_step_ updates in place under torch.no_grad(), params stay leaves, gradients cleared."""

import pytest

from gradekit.checks import close_tensor, expect, fmt

pytestmark = pytest.mark.exercise("2_1_2.ex2")

SHAPES = [[3], [2, 2], []]
DOING = "sgd_step_([w1, w2, b], lr=0.1)"


def judge_update(out: dict) -> None:
    """Every parameter moved to p - lr * grad in place and is still a recording leaf."""
    __tracebackhide__ = True
    expect("error" not in out, f"{DOING} failed: {out.get('error') or out.get('raw')}")
    for i, (row, want, before) in enumerate(zip(out["params"], out["expected"], out["before"]), start=1):
        what = f"parameter {i} (shape {list(want.shape)})"
        if row["now_grad_fn"] is not None or row["now_is_leaf"] is False:
            expect(False, f"After sgd_step_ the list holds a new tensor in place of {what}, made by {row['now_grad_fn']}:"
                          " the update was recorded and the parameter is no longer a leaf. Update in place under "
                          "torch.no_grad(): `p -= lr * p.grad`.")
        expect(row["same_object"], f"After sgd_step_ the list holds another tensor in place of {what}: update the "
                                   "parameters themselves, in place (`p -= lr * p.grad`).")
        if row["value"].equal(before) and not want.equal(before):
            expect(False, f"{what} did not move: it still holds {fmt(before.array.ravel().tolist())}. "
                          "`p = p - lr * p.grad` only gives the name p a new tensor; update in place with "
                          "`p -= lr * p.grad` (under torch.no_grad()).")
        close_tensor(row["value"], want, f"{what} after sgd_step_ (expected p - lr * p.grad)", rtol=1e-6, atol=1e-7)
        expect(row["is_leaf"] and row["requires_grad"],
               f"After sgd_step_ {what} is_leaf={row['is_leaf']}, requires_grad={row['requires_grad']}: a parameter "
               "must stay a leaf that records, or the next backward() gives it no gradient.")


@pytest.mark.points(2)
def test_sgd_step_updates_in_place_and_params_stay_leaves(run):
    """sgd_step_ moves every parameter by -lr × its gradient, in place, and each stays a leaf that records."""
    judge_update(run("sgd_case", doing=DOING, shapes=SHAPES, lr=0.1))


@pytest.mark.points(1)
def test_sgd_step_clears_the_gradients(run):
    """After its update sgd_step_ leaves every gradient cleared (None or zeros), ready for the next step."""
    out = run("sgd_case", doing=DOING, shapes=SHAPES, lr=0.1)
    expect("error" not in out, f"{DOING} failed: {out.get('error') or out.get('raw')}")
    for i, (row, grad, want) in enumerate(zip(out["params"], out["grads"], out["expected"]), start=1):
        expect(row["value"].close(want, rtol=1e-6, atol=1e-7),
               f"Parameter {i} was not moved to p - lr * p.grad: clear the gradient after using it, not instead.")
        left = row["grad"]
        if left is None or not abs(left.array).any():
            continue
        kept = " (the gradient it was given)" if left.equal(grad) else ""
        expect(False, f"After sgd_step_ parameter {i} still holds the gradient {fmt(left.array.ravel().tolist())}"
                      f"{kept}. The next backward() adds to it: gradients accumulate until cleared, the #1 beginner "
                      "bug. Clear it: `p.grad = None` (or `p.grad.zero_()`).")
