"""Exercise 6 (2_2_2.ex6): train_model trains for real and saves its model; the learner's mnist_model.pt reaches
97 % on MNIST's 10 000 real test images.

Accuracies come from the worker: each saved file is read there (weights only) and evaluated by a trusted rebuild
of the student's network (checked against the student's model on secret inputs), never by the student's code.
"""

import pytest

from gradekit.checks import expect, fail, figure, fmt

pytestmark = pytest.mark.exercise("2_2_2.ex6")

DIGITS = [str(d) for d in range(10)]
QUICK = {"offline_split": True, "train_subset": 2000, "batch_size": 64, "epochs": 2, "lr": 1e-3, "seed": 0,
         "save_path": "quick_model.pt"}
# "data_root": the probe adds a real data folder (torchvision's MNIST/raw/ layout), never None.
FLOOR = 1.4612  # log(1 + 9/e): the least cross-entropy when probabilities in [0, 1] go in where logits belong


def trained(run) -> dict:
    __tracebackhide__ = True
    return run("train_report", doing="train_model(config) on 2 000 images of the offline split", config=QUICK)


@pytest.mark.points(1)
@pytest.mark.time_limit(120)
def test_train_model_returns_the_history_and_saves_the_model(run):
    """train_model(config) returns {"loss": [...], "accuracy": [...]}, one float per epoch, and saves the state_dict."""
    out = trained(run)
    expect(out["type"] == "dict", f"train_model returned a {out['type']}, not a dict.")
    expect(out["keys"] == ["accuracy", "loss"], f"train_model's history has the keys {out['keys']}; expected exactly "
                                                "'loss' and 'accuracy'.")
    for key in ("loss", "accuracy"):
        values = out[key]
        expect(isinstance(values, list) and len(values) == QUICK["epochs"] and all(isinstance(v, float) for v in values),
               f"history['{key}'] is {values}; expected {QUICK['epochs']} floats, one per epoch.")
    expect(out["saved"], f"train_model saved nothing at config['save_path'] ({QUICK['save_path']}): "
                         "torch.save(model.state_dict(), config['save_path']) once training is done.")
    if "load_error" in out:
        fail("The saved file does not load with torch.load(..., weights_only=True) into MNISTClassifier(**MODEL_CONFIG): "
             f"save model.state_dict(), not the pickled model (architecture in code, values in file). {out['load_error']}")
    expect("rebuild_error" not in out, out.get("rebuild_error"))


@pytest.mark.points(2)
@pytest.mark.time_limit(120)
def test_training_works_not_just_the_loss_going_down(run):
    """After two epochs the loss has fallen well below its start and the saved model classifies validation images."""
    out = trained(run)
    course = run.reference("course_curve", config=QUICK)
    losses = out.get("loss")
    expect(isinstance(losses, list) and losses and all(isinstance(v, float) for v in losses),
           f"train_model reported no losses ({losses!r}).")
    series = {"your train_model": losses, **({"the course's run": course["loss"]} if course["loss"] else {})}
    figure("training_loss", kind="lines", title="training loss per epoch (2 000 images)", xlabel="epoch", series=series)
    theirs = f" The course's run on the same images went {fmt(course['loss'], 3)}." if course["loss"] else ""
    if min(losses) >= FLOOR - 1e-3:
        fail(f"Your training loss went {fmt(losses, 3)}: it never fell below {FLOOR:.2f}, the least cross-entropy can be "
             f"when probabilities go in where logits belong (log(1 + 9/e)).{theirs} Training stalls: is there a "
             "softmax before nn.CrossEntropyLoss? It takes the raw logits and applies log-softmax itself.")
    expect(losses[-1] < 1.0, f"Your training loss went {fmt(losses, 3)}.{theirs} Is the optimizer stepping (clear, "
                             "compute, use)?")
    expect("trusted_accuracy" in out, "The saved model could not be evaluated."
                                      + (f" {out['rebuild_error']}" if "rebuild_error" in out else ""))
    expect(out["trusted_accuracy"] >= 0.8,
           f"Your loss went {fmt(losses, 3)}, yet the model you saved classifies {out['trusted_accuracy']:.1%} of the "
           "2 000 validation images right" + (f" (the course's run: {course['accuracy'][-1]:.1%})" if course["accuracy"]
                                               else "") + ". Loss going down ≠ training working: was the model you "
           "trained the one you saved?")


@pytest.mark.points(1)
@pytest.mark.time_limit(120)
def test_reported_accuracy_is_the_saved_models(run):
    """The last accuracy in the history is the saved model's accuracy on the validation images, as a fraction."""
    out = trained(run)
    expect("trusted_accuracy" in out, "The saved model could not be evaluated."
                                      + (f" {out['rebuild_error']}" if "rebuild_error" in out else ""))
    accuracies = out.get("accuracy")
    expect(isinstance(accuracies, list) and accuracies and isinstance(accuracies[-1], float),
           f"train_model reported no accuracies ({accuracies!r}).")
    expect(abs(accuracies[-1] - out["trusted_accuracy"]) <= 0.03,
           f"train_model reports a last accuracy of {accuracies[-1]:.4f}, but the model it saved classifies "
           f"{out['trusted_accuracy']:.4f} of the 2 000 validation images right: record evaluate(model, val_loader) "
           "after each epoch, as a fraction.")


def checkpoint(run) -> dict:
    """The learner's mnist_model.pt evaluated on the 10 000 real test images (or why it could not be)."""
    __tracebackhide__ = True
    out = run("checkpoint_report", doing="evaluating mnist_model.pt", name="mnist_model.pt")
    expect(out["exists"], f"No mnist_model.pt beside your submission ({out['path']}): run the training cell of "
                          "exercise 6, which saves the trained model's state_dict there, next to the notebook.")
    if "load_error" in out:
        if "Weights only load failed" in out["load_error"] or "Unsupported" in out["load_error"]:
            fail("mnist_model.pt holds a pickled model, not a state_dict: save model.state_dict() — architecture in "
                 "code, values in file.")
        fail(f"mnist_model.pt does not load into MNISTClassifier(**MODEL_CONFIG) with MODEL_CONFIG = {out['config']}: "
             f"{out['load_error']}")
    expect("rebuild_error" not in out, out.get("rebuild_error"))
    return out


def verdict(out: dict, bar: float, what: str) -> None:
    __tracebackhide__ = True
    weakest = sorted(range(10), key=lambda c: out["per_class"][c])[:3]
    spots = ", ".join(f"digit {c}: {out['per_class'][c]:.1%}" for c in weakest)
    expect(out["accuracy"] >= bar, f"Your model reaches {out['accuracy']:.2%} on MNIST's 10 000 test images; {what} "
                                   f"needs {bar:.0%}. Weakest digits: {spots}. Train longer, on the full training "
                                   "set (OFFLINE_SPLIT = False).")


@pytest.mark.points(1)
@pytest.mark.time_limit(120)
def test_mnist_model_reaches_95_percent(run):
    """mnist_model.pt reaches 95 % on MNIST's 10 000 test images (partial marks)."""
    verdict(checkpoint(run), 0.95, "partial marks")


@pytest.mark.points(2)
@pytest.mark.time_limit(120)
def test_mnist_model_reaches_97_percent(run):
    """mnist_model.pt reaches 97 % on MNIST's 10 000 test images (full marks)."""
    out = checkpoint(run)
    figure("per_class_accuracy", kind="bars", labels=[f"digit {d}" for d in DIGITS], values=out["per_class"],
           threshold=0.97, threshold_label="full marks: 97 % overall", xlabel="accuracy on the 10 000 test images",
           title=f"mnist_model.pt per digit: {out['accuracy']:.2%} overall")
    verdict(out, 0.97, "full marks")
