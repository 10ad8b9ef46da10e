"""Probes for the hidden checks of lesson 2.1.3 (trusted code in the worker, like the public ones).

The architectures are drawn here from `secret_seed()`, after the student's process was forked, plus fixed edge
cases: a submission cannot know which sizes it will be asked for, and all of them are checked in one worker.
"""

from __future__ import annotations

import torch

import lesson_probes as base


def drawn_sizes(generator: torch.Generator, count: int, longest: int, widest: int) -> list:
    """`count` lists of 2 to `longest` layer sizes between 1 and `widest`."""
    lengths = torch.randint(2, longest + 1, (count,), generator=generator)
    return [[int(n) for n in torch.randint(1, widest + 1, (int(length),), generator=generator)] for length in lengths]


def generated_mlps(student) -> list:
    """make_mlp on a single layer, a repeated width and drawn sizes, with secret weights (scaled: a deep stack's
    values stay of one size, so float32 rounding stays far below the check's 1e-5) and inputs."""
    cases = [[4, 2], [1, 1], [3, 3, 3, 3]] + drawn_sizes(base.secret_generator(), 4, longest=6, widest=9)
    return [{**base.mlp_values(student, sizes, scaled=True), "sizes": sizes} for sizes in cases]


def generated_counts(student) -> dict:
    """count_parameters on drawn models, some with a buffer, in one student call."""
    generator = base.secret_generator()
    specs = [{"sizes": [3, 4, 2], "buffer": True}, {"sizes": [1, 1], "buffer": False}]
    specs += [{"sizes": sizes, "buffer": bool(index % 2)}
              for index, sizes in enumerate(drawn_sizes(generator, 6, longest=5, widest=12))]
    return {**base.count_cases(student, specs), "specs": specs}


def float64_linear(student) -> dict:
    """linear_by_hand on a float64 nn.Linear(5, 2): the result keeps the layer's dtype."""
    return base.linear_by_hand_values(student, 5, 2, dtype="float64")
