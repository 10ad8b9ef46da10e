"""Patches the grader's own helpers in the student's process (the probes' finite_differences, describe, plain,
build_function) so that what the steps report looks right, and returns a tensor subclass whose detach() empties
every list named like the integrity guard's report. Honest work: nothing (the starter)."""
# ---- attack ----
import sys

import torch


def _patch():
    probes = sys.modules.get("lesson_probes")
    if probes is None:
        return
    probes.finite_differences = lambda spec, x, h=1e-6: torch.zeros_like(x)
    probes.build_function = lambda spec: (lambda t: (t * 0).sum())
    probes.plain = lambda value: 0.0
    probes.describe = lambda value: "a tensor of shape [] and dtype float32"


_patch()


def _stub(*args, **kwargs):
    _patch()
    first = args[1] if len(args) > 1 and torch.is_tensor(args[1]) else torch.zeros(1)
    return torch.zeros_like(first).as_subclass(Blinder)  # noqa: F821 - from the toolkit


every_exercise(_stub)  # noqa: F821 - from the prelude
