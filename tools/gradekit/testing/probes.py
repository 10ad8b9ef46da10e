"""Test helpers that prove a lesson's judge rule in-process on chosen secret draws: its probes, its check functions and
the reference as the probe's `student` (tests/test_probes_<lesson>.py)."""

from __future__ import annotations

import importlib.util
import os
import random
import sys
import types
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


def graded_cells(path: Path, workdir: Path, module_name: str = "module_under_test") -> types.ModuleType:
    """A solution's graded cells (no demo cells), run in `workdir` as the grader's student process runs them."""
    from ..harness.submission import read_submission
    from ..harness.worker import load_submission

    cwd = Path.cwd()
    os.chdir(workdir)
    try:
        module, errors = load_submission(read_submission(path, module_name).payload(), workdir)
    finally:
        os.chdir(cwd)
    assert not errors, errors
    return module


def with_cell(module, path: Path) -> types.SimpleNamespace:
    """`module` with a corpus file's definitions in place of its own, as the corpus appends its cell."""
    namespace = dict(vars(module))
    exec(compile(path.read_text(), str(path), "exec"), namespace)
    return types.SimpleNamespace(**namespace)


class InProcess:
    """The reference as the probe's `student`, called in this process (arguments and reply through the wire's
    encoding, as a worker's go and come back): only for proving the judge's rule on chosen draws. With a `workdir`,
    the files a probe hands it (`put`) and reads back (`file`) live there."""

    def __init__(self, module, workdir: Path | None = None):
        self.module = module
        self.workdir = workdir

    def call(self, step, /, **args):
        args = wire.decode_args(*wire.encode(args))
        return wire.to_torch(wire.decode(*wire.encode(step(self.module, **args))))

    def attempt(self, step, /, **args):
        return self.call(step, **args), None

    def put(self, name: str, data: bytes) -> None:
        (self.workdir / name).write_bytes(data)

    def file(self, name: str) -> bytes | None:
        path = self.workdir / name
        return path.read_bytes() if path.is_file() else None


def run_in_process(probes, student):
    """The `run` a check is handed, its probes called here on `student`, the reply through the wire as the judge
    reads it."""
    return lambda name, doing=None, **args: wire.decode(*wire.encode(getattr(probes, name)(student, **args)))


def secret_sequence(probes, seed: int) -> None:
    """Make the probes' secret draws those of `seed`: each secret_seed() call the next number of one sequence."""
    numbers = random.Random(seed)
    probes.secret_seed = lambda: numbers.getrandbits(31)


def load_hidden_probes(graders: Path, probes, name: str):
    """A lesson's hidden/probes.py, importing the lesson's `probes` module as `lesson_probes`, as the judge does."""
    sys.modules["lesson_probes"] = probes
    return load_module(name, graders / "hidden" / "probes.py")
