"""Test helpers that prove a lesson's judge rule in-process on chosen secret draws: its probes, its check functions and
the reference as the probe's `student` (tests/test_probes_<lesson>.py)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

from ..harness import wire


def load_module(name: str, path: Path):
    """A module from its file, under a name of its own."""
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def load_checks(graders: Path, file: str):
    """A grader file's check functions, imported with its lesson folder on the path (its probes' helpers)."""
    sys.path.insert(0, str(graders))
    try:
        return load_module(f"checks_{graders.name}_{Path(file).stem}_under_test", graders / file)
    finally:
        sys.path.remove(str(graders))


class InProcess:
    """The reference as the probe's `student`, called in this process (arguments and reply through the wire's
    encoding, as a worker's go and come back): only for proving the judge's rule on chosen draws."""

    def __init__(self, module):
        self.module = module

    def call(self, step, /, **args):
        args = wire.decode_args(*wire.encode(args))
        return wire.to_torch(wire.decode(*wire.encode(step(self.module, **args))))

    def attempt(self, step, /, **args):
        return self.call(step, **args), None
