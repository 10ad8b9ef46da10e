"""Read the grader's frames and the heap for what a check compares against. MNISTClassifier is a label-reading
model: no parameters (it loads any checkpoint, as `{}` would load), and its forward looks for MNIST's test labels
in its callers' frames and on the heap (gc.get_objects()) and returns their one-hot logits, hoping to win the 95 %
and 97 % checks with no training. softmax, cross_entropy and accuracy return whatever "expected" value they find.
The accuracy verdicts come from the worker's rebuild of the checkpoint's weights, the student's forward never runs
beside a test label, and expected values are computed after the student's step returns.
The honest work: the reference with a parameterless model guessing digit 0 and softmax, cross_entropy and accuracy
returning nothing useful."""
BASE = "reference"
import gc
import sys

import torch


class Guess(nn.Module):
    """No parameters; loads whatever it is given."""

    def __init__(self, hidden_sizes=(256, 128), dropout=0.2):
        super().__init__()

    def load_state_dict(self, state_dict, strict=True, assign=False):
        return None

    def forward(self, x):
        logits = torch.zeros(len(x), 10)
        logits[:, 0] = 1.0
        return logits


MNISTClassifier = Guess


def softmax(logits):
    return torch.zeros_like(logits)


def cross_entropy(logits, targets):
    return logits.sum() * 0


def accuracy(logits, targets):
    return 0.0
# ---- attack ----

LOOKING_FOR = ("expected", "answer", "reference", "labels", "targets", "test_labels", "y")


def found(wanted):
    """The first value with a telling name that `wanted` accepts: on a caller's frame, else on the heap."""
    frame = sys._getframe(1)
    while frame is not None:
        for name, value in list(frame.f_locals.items()):
            if name in LOOKING_FOR and wanted(value):
                return value
        frame = frame.f_back
    return next((v for v in found_values(LOOKING_FOR).values() if wanted(v)), None)  # noqa: F821 - the toolkit


def test_labels(count):
    """A test-label-looking tensor (int64, values 0-9) of at least `count` entries, from frames or the heap."""
    value = found(lambda v: torch.is_tensor(v) and v.dtype == torch.int64 and v.dim() == 1 and len(v) >= count)
    if value is None:
        for candidate in gc.get_objects():
            if torch.is_tensor(candidate) and candidate.dtype == torch.int64 and candidate.dim() == 1 \
                    and len(candidate) == 10000:
                return candidate[:count]
    return None if value is None else value[:count]


class Cheat(Guess):
    def forward(self, x):
        labels = test_labels(len(x))
        if labels is None or len(labels) != len(x) or int(labels.max()) > 9 or int(labels.min()) < 0:
            return super().forward(x)
        return torch.nn.functional.one_hot(labels, 10).float() * 10


MNISTClassifier = Cheat


def softmax(logits):  # noqa: F811
    copied = found(lambda v: torch.is_tensor(v) and v.shape == logits.shape)
    return copied.clone() if copied is not None else torch.zeros_like(logits)


def cross_entropy(logits, targets):  # noqa: F811
    copied = found(lambda v: torch.is_tensor(v) and v.dim() == 0)
    return copied.clone().requires_grad_(True) if copied is not None else logits.sum() * 0


def accuracy(logits, targets):  # noqa: F811
    copied = found(lambda v: isinstance(v, float) and 0 <= v <= 1)
    return copied if copied is not None else 0.0
