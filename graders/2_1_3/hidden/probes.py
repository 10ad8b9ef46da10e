"""Probes for the hidden checks of lesson 2.1.3 (trusted code in the worker, like the public ones)."""

from __future__ import annotations

import lesson_probes as base


def generated_mlps(student, cases: list) -> list:
    """make_mlp on each generated list of sizes, with secret weights and inputs, in one worker."""
    return [base.mlp_values(student, sizes) for sizes in cases]


def generated_counts(student, specs: list) -> dict:
    """count_parameters on each generated model (some with a buffer), in one student call."""
    return base.count_cases(student, specs)


def float64_linear(student) -> dict:
    """linear_by_hand on a float64 nn.Linear(5, 2): the result keeps the layer's dtype."""
    return base.linear_by_hand_values(student, 5, 2, dtype="float64")
