"""Exercise 4 (2_2_3.ex4): diagnose reads the pulse: vanishing, exploding or healthy."""

import pytest

from gradekit.checks import fail

pytestmark = pytest.mark.exercise("2_2_3.ex4")


def judge_answers(answers: list, wanted: list, norms: list, names: list) -> None:
    """Fail on the first case diagnose got wrong, with the norms that decide it."""
    __tracebackhide__ = True
    for answer, want, case, name in zip(answers, wanted, norms, names):
        if answer == want:
            continue
        low = min(case, key=case.get)
        high = max(case, key=case.get)
        hint = ""
        if want == "vanishing":
            hint = (" Vanishing gradients die out far from the loss: the first layers' norms, not the last layer's "
                    "(and not the loss, which looks ordinary).")
        fail(f"diagnose said {answer!r} for {name}, which is {want!r}: its smallest gradient norm is "
             f"{case[low]:.3g} ({low}), its largest {case[high]:.3g} ({high}). The rule: \"exploding\" above 1e3, "
             f"else \"vanishing\" below 1e-6, else \"healthy\".{hint}")


@pytest.mark.points(3)
def test_diagnose_tells_the_three_networks_apart(run):
    """diagnose names a healthy, a vanishing and an exploding network's pulse correctly."""
    kinds = ["healthy", "vanishing", "exploding"]
    out = run("diagnose_probe", doing="diagnose(norms) on the gradient norms of three networks", kinds=kinds)
    judge_answers(out["answers"], kinds, out["norms"], [f"a {k} network" for k in kinds])
