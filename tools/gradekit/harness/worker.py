"""The worker: a process forked from the warm zygote that loads the submission and runs one probe.

Everything here happens after the fork, in a process that holds no expected value, no reference result
and no grader state: it receives inputs, calls the student's code through a trusted probe, and writes
plain data (see wire.py) to its result pipe, then exits.
"""

from __future__ import annotations

import io
import linecache
import os
import re
import resource
import signal
import sys
import time
import traceback
import types
from pathlib import Path

from . import guard, sandbox, wire

MAX_MESSAGE = 1500
LOG_BYTES = 1 << 20  # the student's prints kept: the last MiB (a flood starts the log over)
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
    _, hard = resource.getrlimit(resource.RLIMIT_CPU)
    if hard == resource.RLIM_INFINITY or hard > cpu_seconds + 1:  # pid 1 of a namespace ignores SIGXCPU: kill
        resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds + 1))
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the file-size limit fails (EFBIG), nothing dies


class CappedLog(io.RawIOBase):
    """The student's stdout and stderr: a log file holding at most `limit` bytes, the latest ones."""

    def __init__(self, fd: int, limit: int = LOG_BYTES) -> None:
        super().__init__()
        self.fd, self.limit = fd, limit

    def writable(self) -> bool:
        return True

    def fileno(self) -> int:
        return self.fd

    def write(self, data) -> int:
        data = bytes(data)
        try:
            if os.fstat(self.fd).st_size + len(data) > self.limit:
                os.ftruncate(self.fd, 0)  # the file is opened O_APPEND: writing goes on at the new end
                os.write(self.fd, b"[earlier output dropped: more than %d bytes]\n" % self.limit)
            os.write(self.fd, data[-self.limit // 2:])
        except OSError:
            pass  # a full disk or the file-size limit: the output is lost, the student's code goes on
        return len(data)


def _isolate_io(workdir: Path, keep_fd: int) -> None:
    """Send the student's prints to a capped log file, close every inherited descriptor but the result pipe."""
    log = os.open(workdir / "output.log", os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_APPEND, 0o600)
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
    for name, fd in (("stdout", 1), ("stderr", 2)):
        stream = io.TextIOWrapper(CappedLog(fd), encoding="utf-8", errors="replace", line_buffering=True,
                                  write_through=True)
        setattr(sys, name, stream)
        setattr(sys, f"__{name}__", stream)


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


def import_probes(paths: list[str]) -> list[types.ModuleType]:
    """Import the lesson's probe modules by path (public first, as `lesson_probes`), before the view narrows."""
    import importlib.util

    modules = []
    for index, path in enumerate(paths):
        module_name = "lesson_probes" if index == 0 else f"lesson_probes_{index}"
        spec = importlib.util.spec_from_file_location(module_name, path)
        module = importlib.util.module_from_spec(spec)
        sys.modules[module_name] = module
        spec.loader.exec_module(module)
        modules.append(module)
    return modules


def find_probe(modules: list[types.ModuleType], name: str, paths: list[str]):
    """The probe called `name`, from the last module that defines it (hidden probes override public ones)."""
    for module in reversed(modules):
        if hasattr(module, name):
            return getattr(module, name)
    raise GraderError(f"no probe named {name!r} in {paths}")


def prepare() -> None:
    """Run in the zygote before any fork: what every worker would otherwise compute for itself."""
    guard.prepare()


def serve(request: dict, blobs: list[bytes], result_fd: int) -> None:
    """Run one probe in this (already forked) process and write its reply frame to `result_fd`.

    Order matters: limits and the log first; then everything trusted is imported and snapshotted; then the
    sandbox narrows what the process can see and do; only then does student code run.
    """
    workdir = Path(request["workdir"])
    workdir.mkdir(parents=True, exist_ok=True)
    os.setsid()
    _limit_resources(request["memory_bytes"], request["cpu_seconds"], request["file_bytes"])
    _isolate_io(workdir, result_fd)
    os.chdir(workdir)
    import torch  # noqa: F401 - the zygote has it already; the probes need it

    write_frame, encode = wire.write_frame, wire.encode  # held here: student code cannot swap them for us
    payload = request["submission"]
    student_files = _filenames(payload)
    probe_files = request["probe_files"]
    reply: dict = {}
    try:
        probes, probe_error = import_probes(probe_files), None
    except Exception as error:  # noqa: BLE001 - a broken probe file is the grader's fault, reported as such
        probes, probe_error = [], GraderError(f"the probes in {probe_files} failed to import: {error!r}"[:500])
    trusted = guard.baseline()
    imported_here = guard.Snapshot.of_loaded(beside=trusted)
    zygote_state = guard.torch_state()
    reset, restore_trusted, restore_here = guard.reset_torch_state, trusted.restore, imported_here.restore
    try:
        confinement = sandbox.confine(request)
    except Exception as error:  # noqa: BLE001 - never run student code less confined than asked: fail closed
        reply.update(status="error", sandbox="failed",
                     error=describe_error(GraderError(f"the sandbox could not be set up: {error!r}"), set()))
        write_frame(result_fd, reply, [])
        return
    reply.update(confinement.header())
    seed, threads = request.get("seed", 0), request.get("threads", 1)
    reset(zygote_state, seed, threads)
    started = time.perf_counter()
    module, cell_errors = load_submission(payload, workdir)
    (workdir / "loaded").touch()  # tells the zygote a later timeout happened in a call, not at import
    tampered = restore_trusted() + restore_here()
    reset(zygote_state, seed, threads)
    reply["cell_errors"] = cell_errors
    out_blobs: list[bytes] = []
    try:
        if probe_error is not None:
            raise probe_error
        probe = find_probe(probes, request["probe"], probe_files)
        args = wire.decode_args(request["args"], blobs)
        value = probe(Namespace(module, cell_errors, confinement.folder), **args)
        tampered += restore_trusted() + restore_here()
        tree, out_blobs = encode(value)
        reply.update(status="ok", result=tree)
    except BaseException as error:  # noqa: BLE001 - report anything, even SystemExit, as the check's failure
        tampered += restore_trusted() + restore_here()
        reply.update(status="error", error=describe_error(error, student_files))
        out_blobs = []
    reply["tampered"] = sorted(set(tampered))
    reply["seconds"] = time.perf_counter() - started
    write_frame(result_fd, reply, out_blobs)
