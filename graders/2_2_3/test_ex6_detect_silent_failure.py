"""Exercise 6 (2_2_3.ex6): detect_silent_failure: loss going down while accuracy sits at the class prior."""

import pytest

from gradekit.checks import fail, figure

pytestmark = pytest.mark.exercise("2_2_3.ex6")

SITUATIONS = {
    "silent": "the loss went down while the accuracy sat at the class prior: the model learned how common each "
              "class is and nothing about the inputs. Loss going down does not mean training is working",
    "working": "the loss went down and the accuracy rose far above the class prior: training is working",
    "loud": "the loss went up: a failure, but a loud one, not the silent failure this function detects",
    "balanced_prior": "the classes are balanced, so the prior is 1 / number of classes, and the accuracy sat there "
                      "while the loss went down",
    "uniform_guess": "the accuracy sat at 1 / number of classes, but on these imbalanced classes the prior is the "
                     "most common class's share, max(class_counts) / sum(class_counts)",
}


def judge_cases(out: dict) -> None:
    """Fail on the first situation detect_silent_failure got wrong, with its numbers."""
    __tracebackhide__ = True
    for answer, case in zip(out["answers"], out["cases"]):
        if answer is case["expected"]:
            continue
        loss, accuracy = case["history"]["loss"], case["history"]["accuracy"]
        returned = answer if isinstance(answer, str) else repr(answer)
        fail(f"detect_silent_failure returned {returned} where it should return {case['expected']}: loss "
             f"{loss[0]:.3f} → {loss[-1]:.3f}, accuracy {accuracy[0]:.1%} → {accuracy[-1]:.1%}, class prior "
             f"{case['prior']:.1%} (class counts {case['class_counts']}). Here {SITUATIONS[case['name']]}.")


@pytest.mark.points(3)
def test_silent_failure_is_told_from_working_and_loud_training(run):
    """detect_silent_failure flags a falling loss at the class prior, and neither real learning nor a rising loss."""
    out = run("silent_probe", doing="detect_silent_failure(history, class_counts) on three training histories",
              names=["silent", "working", "loud"])
    silent = out["cases"][0]
    epochs = len(silent["history"]["loss"])
    figure("silent_failure", kind="lines", series={"loss": silent["history"]["loss"],
                                                   "accuracy": silent["history"]["accuracy"],
                                                   "class prior": [silent["prior"]] * epochs},
           title="A silent failure: the loss goes down, the accuracy sits at the class prior", xlabel="epoch",
           ylabel="loss / accuracy")
    judge_cases(out)
