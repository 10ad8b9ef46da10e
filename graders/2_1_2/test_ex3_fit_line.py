"""Exercise 3 (2_1_2.ex3): fit_line_raw, clear, compute, use: the grader's loss trajectory, and the best line."""

import pytest

from gradekit.checks import expect, fail, figure, fmt

pytestmark = pytest.mark.exercise("2_1_2.ex3")

DOING = "fit_line_raw(X, y, lr=0.1, steps=60)"


def returned_well(out: dict, steps: int, doing: str = DOING) -> dict:
    """The run's report once fit_line_raw returned (w, b, losses) of the right kinds."""
    __tracebackhide__ = True
    expect("error" not in out, f"{doing} failed: {out.get('error') or out.get('raw')}")
    expect("shape" not in out, f"{doing} returned {out.get('shape')}, not the tuple (w, b, losses).")
    expect(out["w"] is not None and out["b"] is not None,
           f"{doing} returned w as {out['w_is']} and b as {out['b_is']}: both should be 0-dim tensors.")
    expect("losses" in out, f"{doing} returned losses as {out.get('losses_is')}: a list of Python floats, one per "
                            "step (loss.item(): a number, not the graph).")
    expect(len(out["losses"].array) == steps, f"{doing} returned {len(out['losses'].array)} losses for {steps} "
                                              "steps: one per step.")
    return out


def judge_trajectory(out: dict, doing: str = DOING) -> None:
    """The learner's losses against the grader's, step by step; accumulation and a frozen loss named."""
    __tracebackhide__ = True
    mine, reference = out["losses"].array, out["reference"]["losses"].array
    figure("fit_line_losses", kind="lines", series={"your fit_line_raw": mine.tolist(), "clear, compute, use":
           reference.tolist()}, title="Loss per step: yours vs the grader's run from the same start",
           xlabel="step", ylabel="loss")
    off = [i for i, (a, b) in enumerate(zip(mine, reference)) if not abs(a - b) <= 1e-4 * abs(b) + 1e-6]
    if not off:
        return
    first = off[0]
    piled = out["accumulated"]["losses"].array
    if all(abs(a - b) <= 1e-3 * abs(b) + 1e-5 for a, b in zip(mine[:first + 3], piled[:first + 3])):
        cleared, summed = out["reference"]["grads_w"][:5], out["accumulated"]["grads_w"][:5]
        fail(f"Your losses {fmt(mine[:6].tolist())} follow a run that never clears its gradients, not "
             f"{fmt(reference[:6].tolist())}. backward() adds to .grad; without the clear, w.grad piles up step after "
             f"step: {fmt(summed, 3)} instead of {fmt(cleared, 3)}. This is the #1 beginner bug: clear, compute, use: "
             "set w.grad and b.grad to None (or zero them) before every backward().")
    frozen = [name for name in ("w", "b") if out[name] == 0.0]
    if frozen and not all(abs(out["reference"][name]) < 1e-9 for name in frozen):
        fail(f"After {len(mine)} steps {' and '.join(frozen)} still {'is' if len(frozen) == 1 else 'are'} exactly 0: "
             "its gradient never arrived, so it never learned (your losses "
             f"{fmt(mine[:4].tolist())} vs {fmt(reference[:4].tolist())}). The tape never reached it: is the loss "
             "computed from w.data (or b.data), a detached copy? .data reaches around the recording and breaks "
             "training silently. Compute the loss from the recording leaves: line_loss(w, b, X, y).")
    if len(mine) > 1 and abs(mine[-1] - mine[0]) <= 1e-7 * abs(mine[0]):
        fail(f"Your loss never moves: {fmt(mine[:4].tolist())} ... {mine[-1]:.4f}, so w and b never learn. The tape "
             "never reached them: is the loss computed from w.data, a detached w, or copies of w and b? Compute it "
             "from the recording leaves, line_loss(w, b, X, y).")
    fail(f"Step {first + 1}: your loss is {mine[first]:.6f}, the grader's run from w = b = 0 gives "
         f"{reference[first]:.6f} (yours {fmt(mine[:first + 2].tolist())} vs {fmt(reference[:first + 2].tolist())}). "
         "Each step: clear, compute (line_loss, backward), use (w -= lr * w.grad under torch.no_grad()), and log "
         "the loss computed before the update.")


@pytest.mark.points(2)
def test_losses_follow_the_grader_trajectory(run):
    """fit_line_raw's losses, step by step, are those of clear, compute, use from w = b = 0."""
    out = returned_well(run("fit_line_case", doing=DOING, n=32, lr=0.1, steps=60), 60)
    judge_trajectory(out)


@pytest.mark.points(1)
def test_fit_recovers_the_line(run):
    """fit_line_raw ends where 60 steps from w = b = 0 end: on the best line through the points, up to the noise."""
    out = returned_well(run("fit_line_case", doing=DOING, n=32, lr=0.1, steps=60), 60)
    w, b, best_w, best_b = out["w"], out["b"], out["best_w"], out["best_b"]
    end_w, end_b = out["reference"]["w"], out["reference"]["b"]
    expect(abs(w - end_w) <= 1e-3 and abs(b - end_b) <= 1e-3,
           f"After 60 steps your line is w = {w:.4f}, b = {b:.4f}; 60 steps of lr=0.1 from w = b = 0 end at "
           f"w = {end_w:.4f}, b = {end_b:.4f}, next to the best line through these points, w = {best_w:.4f}, "
           f"b = {best_b:.4f} (drawn from w = {out['w_true']:.2f}, b = {out['b_true']:.2f} plus noise). Return "
           "the trained w and b.")
