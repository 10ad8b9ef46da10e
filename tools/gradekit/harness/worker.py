"""The worker: a process forked from the warm zygote that loads the submission and runs one probe.

Everything here happens after the fork, in a process that holds no expected value, no reference result
and no grader state: it receives inputs, calls the student's code through a trusted probe, and writes
plain data (see wire.py) to its result pipe, then exits.
"""

from __future__ import annotations

import linecache
import os
import re
import resource
import sys
import time
import traceback
import types
from pathlib import Path

from . import wire

MAX_MESSAGE = 1500
ANSI = re.compile(r"\x1b\[[0-9;]*m")


class MissingName(AttributeError):
    """The submission does not define a name the exercise asks for."""


class Namespace:
    """The submission as probes see it: attribute access that explains a missing name in the course's terms."""

    def __init__(self, module: types.ModuleType, cell_errors: list[dict], folder: Path | None = None) -> None:
        self._module = module
        self._cell_errors = cell_errors
        self.folder = folder  # where the submitted file lives: artifacts the student made sit beside it

    def __getattr__(self, name: str):
        try:
            return getattr(self._module, name)
        except AttributeError:
            raise MissingName(name) from None

    def has(self, name: str) -> bool:
        """Tell whether the submission defines `name`."""
        return hasattr(self._module, name)


def _limit_resources(memory_bytes: int, cpu_seconds: int, file_bytes: int) -> None:
    """Cap address space (on top of what the warm zygote already maps), CPU time and file size."""
    vm_size = 0
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmSize:"):
                vm_size = int(line.split()[1]) * 1024
    limits = [
        (resource.RLIMIT_AS, vm_size + memory_bytes),
        (resource.RLIMIT_CPU, cpu_seconds),
        (resource.RLIMIT_FSIZE, file_bytes),
        (resource.RLIMIT_CORE, 0),
    ]
    for which, value in limits:
        _, hard = resource.getrlimit(which)
        value = value if hard == resource.RLIM_INFINITY else min(value, hard)
        resource.setrlimit(which, (value, hard))


def _isolate_io(workdir: Path, keep_fd: int) -> None:
    """Send the student's prints to a capped log file, close every inherited descriptor but the result pipe."""
    log = os.open(workdir / "output.log", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.dup2(log, 1)
    os.dup2(log, 2)
    for fd in os.listdir("/proc/self/fd"):
        number = int(fd)
        if number > 2 and number != keep_fd:
            try:
                os.close(number)
            except OSError:
                pass
    sys.stdout = open(1, "w", buffering=1, closefd=False)
    sys.stderr = open(2, "w", buffering=1, closefd=False)


def _filenames(payload: dict) -> set[str]:
    """The file names a traceback frame of student code can carry."""
    return {payload["filename"]} | {label for label, _, _ in payload["cells"]}


def describe_error(error: BaseException, student_files: set[str]) -> dict:
    """Summarise an exception for the judge: type, message and the student's own frames only."""
    frames = [
        {"file": frame.filename, "line": frame.lineno, "code": (frame.line or "").strip()[:200], "function": frame.name}
        for frame in traceback.extract_tb(error.__traceback__)
        if frame.filename in student_files
    ]
    if isinstance(error, MissingName):
        kind, message = "MissingName", str(error.args[0]) if error.args else ""
    elif isinstance(error, GraderError):
        kind, message = "GraderError", str(error)
    else:
        kind, message = type(error).__name__, str(error)
    message = ANSI.sub("", message)
    return {
        "type": kind,
        "message": message[:MAX_MESSAGE],
        "frames": frames[-3:],
        "not_implemented": isinstance(error, NotImplementedError),
        "memory": isinstance(error, MemoryError) or "can't allocate memory" in message or "not enough memory" in message,
    }


def load_submission(payload: dict, workdir: Path) -> tuple[types.ModuleType, list[dict]]:
    """Run the submission's cells one by one in a fresh module; a failing cell is recorded, the rest still run."""
    module = types.ModuleType(payload["module_name"])
    module.__file__ = str(workdir / f"{payload['module_name']}.py")
    sys.modules[payload["module_name"]] = module
    cell_errors: list[dict] = []
    student_files = _filenames(payload)
    module_file = payload["filename"] if payload["filename"].endswith(".py") else None
    for label, source, first_line in payload["cells"]:
        filename = module_file or label
        lines = source.splitlines(keepends=True)
        if module_file is None:
            linecache.cache[filename] = (len(source), None, lines, filename)
        try:
            code = compile("\n" * (first_line - 1) + source, filename, "exec", dont_inherit=True)
        except SyntaxError as error:
            cell_errors.append({"cell": label, "type": "SyntaxError", "line": error.lineno,
                                "message": f"{error.msg} (line {error.lineno}: {(error.text or '').strip()})"})
            continue
        try:
            exec(code, module.__dict__)
        except BaseException as error:  # noqa: BLE001 - a student's cell may raise anything, even SystemExit
            info = describe_error(error, student_files)
            cell_errors.append({"cell": label, **info})
    return module, cell_errors


class GraderError(RuntimeError):
    """A fault of the grader itself (a probe that does not exist), not of the submission."""


def _find_probe(paths: list[str], name: str):
    """Import the lesson's probe modules by path (public first, as `lesson_probes`); find `name`, last first."""
    import importlib.util

    modules = []
    for index, path in enumerate(paths):
        module_name = "lesson_probes" if index == 0 else f"lesson_probes_{index}"
        spec = importlib.util.spec_from_file_location(module_name, path)
        module = importlib.util.module_from_spec(spec)
        sys.modules[module_name] = module
        spec.loader.exec_module(module)
        modules.append(module)
    for module in reversed(modules):
        if hasattr(module, name):
            return getattr(module, name)
    raise GraderError(f"no probe named {name!r} in {paths}")


def serve(request: dict, blobs: list[bytes], result_fd: int) -> None:
    """Run one probe in this (already forked) process and write its reply frame to `result_fd`."""
    workdir = Path(request["workdir"])
    workdir.mkdir(parents=True, exist_ok=True)
    os.setsid()
    _limit_resources(request["memory_bytes"], request["cpu_seconds"], request["file_bytes"])
    _isolate_io(workdir, result_fd)
    os.chdir(workdir)
    import torch

    torch.set_num_threads(request.get("threads", 1))
    torch.manual_seed(request.get("seed", 0))
    started = time.perf_counter()
    payload = request["submission"]
    module, cell_errors = load_submission(payload, workdir)
    (workdir / "loaded").touch()  # tells the zygote a later timeout happened in a call, not at import
    reply: dict = {"cell_errors": cell_errors}
    out_blobs: list[bytes] = []
    try:
        probe = _find_probe(request["probe_files"], request["probe"])
        args = wire.decode_args(request["args"], blobs)
        value = probe(Namespace(module, cell_errors, Path(payload["filename"]).parent), **args)
        tree, out_blobs = wire.encode(value)
        reply.update(status="ok", result=tree)
    except BaseException as error:  # noqa: BLE001 - report anything, even SystemExit, as the check's failure
        reply.update(status="error", error=describe_error(error, _filenames(payload)))
        out_blobs = []
    reply["seconds"] = time.perf_counter() - started
    wire.write_frame(result_fd, reply, out_blobs)
