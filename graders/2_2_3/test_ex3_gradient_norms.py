"""Exercise 3 (2_2_3.ex3): gradient_norms takes the pulse: one L2 norm per parameter's gradient."""

import pytest

from gradekit.checks import expect, fail

pytestmark = pytest.mark.exercise("2_2_3.ex3")

DOING = ("gradient_norms(model, X, y, nn.CrossEntropyLoss()) on a 4-layer ReLU network that still holds the "
         "gradients of an earlier step")


def close(got: dict, want: dict, rtol: float = 1e-4) -> bool:
    """Every norm within rtol of the one wanted (tiny ones too: relative, not absolute)."""
    return all(isinstance(got.get(n), float) and abs(got[n] - w) <= rtol * abs(w) + 1e-30 for n, w in want.items())


def judge_norms(out: dict) -> None:
    """Fail, in the course's words, unless gradient_norms returned the fresh gradients' norms."""
    __tracebackhide__ = True
    got = out["returned"]
    expect(got["kind"] == "dict", f"gradient_norms returned a {got['kind']}, not a dict {{name: norm}}.")
    norms, names = got["norms"], out["names"]
    missing = [n for n in names if n not in norms]
    expect(not missing, f"gradient_norms has no entry for {missing[:4]}: one norm per name of "
                        f"model.named_parameters() ({names[:3]}...).")
    odd = [n for n in names if norms[n] is None]
    if odd:
        fail(f"The norm of {odd[0]} is not a number: return each norm as a float (.item()).")
    if close(norms, out["expected"]):
        return
    first = names[0]
    shown = f"{first}: {norms[first]:.4g}, where its gradient's norm is {out['expected'][first]:.4g}"
    if close(norms, out["weights"]):
        fail(f"These are the norms of the weights themselves ({shown}): param.norm() says how big the knobs are, "
             "not how hard the loss pushes on them. Take the pulse on param.grad.norm().")
    if close(norms, out["stale"]):
        fail(f"These are the norms of the gradients the model held before your backward pass ({shown}): read "
             "them after loss.backward(), never before.")
    if close(norms, out["accumulated"]):
        fail(f"These norms are of the old gradients plus the new ones ({shown}): gradients add up. Clear them "
             "first with model.zero_grad(): clear, compute, use.")
    fail(f"The norms differ from those of one backward pass from clear gradients ({shown}). Clear, then "
         "criterion(model(X), y).backward(), then param.grad.norm() for each parameter.")


@pytest.mark.points(3)
def test_gradient_norms_take_the_pulse_after_backward(run):
    """gradient_norms returns each parameter's gradient norm after one backward pass from clear gradients."""
    judge_norms(run("norms_probe", doing=DOING, kind="healthy"))
