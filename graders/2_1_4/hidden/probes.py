"""Probes for the hidden checks of lesson 2.1.4 (trusted code in the worker, like the public ones)."""

from __future__ import annotations

import torch

import lesson_probes as base
from gradekit.probe import student_step


@student_step
def call_unknown_name(sub, name: str) -> dict:
    """make_optimizer with a name it does not know: the error it raised, or what it returned instead."""
    try:
        returned = sub.make_optimizer(name, iter([torch.zeros(2, requires_grad=True)]), 0.1)
    except NotImplementedError:
        raise
    except Exception as refused:  # noqa: BLE001 - refusing the name is the right outcome; its kind is judged
        return {"raised": type(refused).__name__, "message": str(refused)[:200]}
    return {"raised": None, "returned": type(returned).__name__}


def unknown_optimizer(student, name: str) -> dict:
    """What make_optimizer does with a name other than "sgd" and "adam"."""
    return student.call(call_unknown_name, name=name)


def train_twice(student, first: int, second: int, lr: float = 0.02) -> dict:
    """train called twice on one model with one Adam (first, then second epochs), beside the grader's single run of
    first + second epochs from the same secret start (the dropout seed restarts where the second call starts)."""
    start = base.secret_start(0.1, "mse")
    got = student.call(base.call_train, rule="adam", lr=lr, epochs=[first, second], dropout=0.1, **start)
    reference = base.functional_trajectory(start["start"], start["X"], start["y"], rule="adam", lr=lr,
                                           epochs=first + second, dropout=0.1, masks=start["masks"],
                                           segments=(first,))
    return {"calls": got["calls"], "final": got["final"], "reference": reference["losses"],
            "reference_final": reference["final"]}
