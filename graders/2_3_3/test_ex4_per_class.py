"""Exercise 4 (2_3_3.ex4): per-class accuracy, computed right, in eval mode without gradients; the hardest classes."""

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gradekit.checks import expect, fail, grading_settings

pytestmark = pytest.mark.exercise("2_3_3.ex4")

CLASSES = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]


def brute_force(predictions: list[int], labels: list[int]) -> dict[str, float]:
    """Count by hand: correct / present for each class, nan for a class with no images."""
    out = {}
    for c, name in enumerate(CLASSES):
        present = [p for p, y in zip(predictions, labels) if y == c]
        out[name] = sum(p == c for p in present) / len(present) if present else math.nan
    return out


def compare(got, predictions, labels) -> None:
    __tracebackhide__ = True
    expect(isinstance(got, dict), f"per_class_accuracy returned {got}, not a dict keyed by class name.")
    expect(sorted(got) == sorted(CLASSES), f"per_class_accuracy's keys are {sorted(got)}; expected the 10 class names "
                                           f"{CLASSES} (torchvision's FashionMNIST.classes).")
    want = brute_force(predictions, labels)
    for name in CLASSES:
        value, expected = got[name], want[name]
        if math.isnan(expected):
            expect(isinstance(value, float) and math.isnan(value),
                   f"No '{name}' image is in the loader, so its accuracy is undefined: return nan, not {value}.")
            continue
        count = labels.count(CLASSES.index(name))
        expect(isinstance(value, float) and abs(value - expected) < 1e-9,
               f"'{name}': {value} but {round(expected * count)} of its {count} images were predicted right "
               f"({expected:.4f}). Divide each class's correct count by that class's number of images.")


CASE = ([0, 1, 2, 2, 4, 4, 4, 6, 6, 9, 9, 3], [0, 1, 2, 4, 4, 4, 6, 6, 2, 9, 8, 8])  # no 3, 5 or 7 in the labels


@pytest.mark.points(0)  # provided code: caught if broken, worth nothing
def test_per_class_accuracy_matches_a_count_by_hand(run):
    predictions, labels = CASE
    out = run("per_class_report", doing="per_class_accuracy(model, loader, 'cpu')", predictions=CASE[0],
              labels=CASE[1], batch_size=5)
    compare(out["result"], predictions, labels)


@pytest.mark.points(0)
@grading_settings(3)
@given(pairs=st.lists(st.tuples(st.integers(0, 9), st.integers(0, 9)), min_size=1, max_size=60),
       batch_size=st.integers(1, 16))
def test_per_class_accuracy_on_generated_predictions(run, pairs, batch_size):
    predictions, labels = [p for p, _ in pairs], [y for _, y in pairs]
    out = run("per_class_report", doing="per_class_accuracy(model, loader, 'cpu')", predictions=predictions,
              labels=labels, batch_size=batch_size)
    compare(out["result"], predictions, labels)


@pytest.mark.points(0)
def test_per_class_accuracy_evaluates_in_eval_mode_without_gradients(run):
    out = run("per_class_report", doing="per_class_accuracy(model, loader, 'cpu')", predictions=CASE[0],
              labels=CASE[1], batch_size=5)
    calls = out["calls"]
    expect(calls, "per_class_accuracy never called the model.")
    if any(call["training"] for call in calls):
        fail("per_class_accuracy ran the model in train mode: call model.eval() first (Dropout off, BatchNorm on its "
             "running statistics), or the numbers change from run to run.")
    if any(call["grad"] for call in calls):
        fail("per_class_accuracy recorded gradients: wrap evaluation in torch.no_grad() (or inference_mode()).")


@pytest.mark.points(2)
@pytest.mark.time_limit(120)
def test_hardest_classes_are_your_models_three_lowest(run):
    out = run("artifact_report", doing="evaluating best_model.pt", name="best_model.pt")
    expect(out["exists"], f"No best_model.pt beside your submission ({out['path']}): run your pipeline (exercise 5) "
                          "so it saves the best model's state_dict there.")
    expect("load_error" not in out, f"best_model.pt does not load into build_model(**BEST_CONFIG): "
                                    f"{out.get('load_error')}")
    expect("rebuild_error" not in out, out.get("rebuild_error"))  # per-class accuracy from the trusted rebuild
    ranked = sorted(range(10), key=lambda c: out["per_class"][c])
    lowest = [CLASSES[c] for c in ranked[:3]]
    hardest = out["hardest"]
    expect(isinstance(hardest, list) and len(hardest) == 3,
           f"HARDEST_CLASSES is {hardest}; list your model's three lowest classes, lowest first.")
    third = out["per_class"][ranked[2]]
    near_ties = {CLASSES[c] for c in range(10) if out["per_class"][c] <= third + 0.01}  # 1 point: a near tie
    clearly_lowest = {CLASSES[c] for c in range(10) if out["per_class"][c] < third - 0.01}
    expect(clearly_lowest <= set(hardest) <= near_ties and len(set(hardest)) == 3,
           f"HARDEST_CLASSES is {hardest}, but your model's three lowest classes are "
           + ", ".join(f"{CLASSES[c]} ({out['per_class'][c]:.1%})" for c in ranked[:3]) + ".")
