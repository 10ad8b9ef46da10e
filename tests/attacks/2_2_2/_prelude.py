# The attacker's toolkit for 2.2.2, a cell before every attack (after tests/attacks/_toolkit.py): make every
# exercise do one thing, and the reply a forger claims.
def every_exercise(attack):
    """Put `attack` in place of every function (and the class) the 2.2.2 checks call."""
    global softmax, cross_entropy, accuracy, MNISTClassifier, evaluate, train_model
    softmax = cross_entropy = accuracy = MNISTClassifier = evaluate = train_model = attack


def claimed_success():
    """A reply claiming every check's success from the lesson's contract alone: no model, no training, no counting
    (uniform probabilities, a loss of zero, believable histories and accuracies, an empty trace)."""
    import torch

    trace = {"calls": [], "output": torch.zeros(64, 10)}
    return {
        "returned": torch.full((4, 10), 0.1), "input_unchanged": True, "is_tensor": True, "shape": [],
        "type": "dict", "keys": ["accuracy", "loss"], "loss": [0.5, 0.3], "accuracy": [0.9, 0.95],
        "first": 0.75, "second": 0.75, "calls": [{"training": False, "grad": False}],
        "trace": trace, "eval": trace, "eval_again": trace["output"], "train_a": trace, "train_b": trace,
        "config": "{}",
    }
