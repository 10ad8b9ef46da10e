"""The worker: a trusted process forked from the pool's template that runs one probe call.

It reads its request, imports the lesson's probes, confines itself (sandbox.py), forks the student's process
(student.py) before any probe code runs, and then runs the probe: trusted code that builds inputs, computes
what the check compares against, calls student steps in the student's process and reads what they produced.
The reply it writes to the pool is the probe's; the student's process never holds its pipe.
"""

from __future__ import annotations

import io
import linecache
import os
import re
import resource
import signal
import sys
import threading
import time
import traceback
import types
from pathlib import Path

from . import guard, sandbox, wire

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


PROC_STATUS = "/proc/self/status"


def _mapped_bytes() -> int | None:
    """What this process maps already (VmSize), from Linux's /proc; None where there is no /proc (macOS)."""
    try:
        with open(PROC_STATUS) as status:
            return next((int(line.split()[1]) * 1024 for line in status if line.startswith("VmSize:")), 0)
    except OSError:
        return None


def _limit_resources(memory_bytes: int, cpu_seconds: int, file_bytes: int) -> None:
    """Cap address space (on top of what the warm zygote already maps), CPU time and file size. Without /proc
    (macOS) the mapped size is unknown and macOS does not enforce RLIMIT_AS: the address space is left uncapped."""
    vm_size = _mapped_bytes()
    limits = [
        *([(resource.RLIMIT_AS, vm_size + memory_bytes)] if vm_size is not None else []),
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


def _filenames(payload: dict) -> set[str]:
    """The file names a traceback frame of student code can carry."""
    return {payload["filename"]} | {label for label, _, _ in payload["cells"]}


def describe_error(error: BaseException, student_files: set[str]) -> dict:
    """Summarise an exception for the judge: type, message and the student's own frames only."""
    frames = [
        {"file": os.path.basename(frame.filename) if os.path.isabs(frame.filename) else frame.filename,
         "line": frame.lineno, "code": (frame.line or "").strip()[:200], "function": frame.name}
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


REQUEST_LIMITS = wire.Limits(header=64 * 1024 * 1024, blobs=256 * 1024 * 1024)


def prepare(again: bool = False) -> None:
    """Run in the template before any fork: what every worker would otherwise compute for itself (`again`: after
    the template imported more modules)."""
    guard.prepare(again)


def _plain_streams() -> None:
    """Print to fds 1 and 2 (the pool reads them: the student's output), line by line, never buffered."""
    for name, fd in (("stdout", 1), ("stderr", 2)):
        stream = io.TextIOWrapper(io.FileIO(fd, "w", closefd=False), encoding="utf-8", errors="replace",
                                  line_buffering=True, write_through=True)
        setattr(sys, name, stream)
        setattr(sys, f"__{name}__", stream)


def _close_others(keep: set[int]) -> None:
    """Close every inherited descriptor but the ones this process was given."""
    try:
        names = [int(fd) for fd in os.listdir("/proc/self/fd")]
    except OSError:
        names = list(range(3, 1024))
    for fd in names:
        if fd not in keep:
            try:
                os.close(fd)
            except OSError:
                pass


def _temporary_folder(folder: str) -> None:
    """Temporary files go to `folder`, for this process and the student's (the pool's own folder, remembered by
    `tempfile` before the view narrowed, is out of reach now)."""
    os.environ["TMPDIR"] = folder
    tempfile = sys.modules.get("tempfile")
    if tempfile is not None:
        tempfile.tempdir = folder


def main(request_fd: int, result_fd: int, keep: set[int]) -> None:
    """The worker's life: its request from the pool, the probe call, the reply on `result_fd`."""
    try:
        request, blobs = wire.read_frame(request_fd, REQUEST_LIMITS)
    except (EOFError, OSError, wire.WireError):
        return
    os.close(request_fd)
    serve(request, blobs, result_fd, keep - {request_fd})


def serve(request: dict, blobs: list[bytes], result_fd: int, keep: set[int] = frozenset({0, 1, 2})) -> None:
    """Run one probe call and write its reply frame to `result_fd`.

    Order matters: limits first; then everything trusted is imported and snapshotted; then the sandbox narrows
    what the process can see and do; then the student's process is forked (it inherits no probe result, because
    none exists yet) and loads the submission; only then does the probe run, here, apart from the student's code.
    """
    workdir = Path(request["workdir"])
    workdir.mkdir(parents=True, exist_ok=True)
    os.setsid()
    _limit_resources(request["memory_bytes"], request["cpu_seconds"], request["file_bytes"])
    _close_others(set(keep) | {0, 1, 2, result_fd})
    _plain_streams()
    os.chdir(workdir)
    import torch  # noqa: F401 - the template has it already; the probes need it

    from . import student as students

    payload = request["submission"]
    probe_files = request["probe_files"]
    try:
        probes, probe_error = import_probes(probe_files), None
    except Exception as error:  # noqa: BLE001 - a broken probe file is the grader's fault, reported as such
        probes, probe_error = [], GraderError(f"the probes in {probe_files} failed to import: {error!r}"[:500])
    trusted = guard.baseline()
    imported_here = guard.Snapshot.of_loaded(beside=trusted)
    zygote_state = guard.torch_state()
    try:
        confinement = sandbox.confine(request)
    except Exception as error:  # noqa: BLE001 - never run student code less confined than asked: fail closed
        wire.write_frame(result_fd, {"status": "error", "sandbox": "failed", "error": describe_error(
            GraderError(f"the sandbox could not be set up: {error!r}"), set())})
        return
    seed, threads = request.get("seed", 0), request.get("threads", 1)
    writing = threading.Lock()  # the loading watcher and the final reply share the pipe

    def send(header: dict, frame_blobs: list[bytes] = ()) -> None:
        with writing:
            wire.write_frame(result_fd, header, frame_blobs)

    # a namespace's /tmp is private; without one, the shared /tmp is no place for a submission's files
    _temporary_folder("/tmp" if confinement.layer == sandbox.NAMESPACES else str(workdir))
    reply: dict = dict(confinement.header())
    if request.get("reference"):  # the grader's own code alone: no student's process to start
        sandbox.not_dumpable()
        reply.update(_outcome(lambda: _reference_call(probes, probe_error, request, blobs), seed, threads,
                              zygote_state), loaded=True)
        send(reply, reply.pop("$blobs"))
        return
    cells = StudentCells(payload, workdir, confinement.folder, (trusted, imported_here), zygote_state, threads)
    student = students.start(payload, confinement.folder, workdir, seed, cells.load, cells.run_step,
                             keep={0, 1, 2})
    sandbox.not_dumpable()
    student.watch_loading(lambda: send({"phase": "loaded"}))

    def call():
        probe = _probe(probes, probe_error, request)
        args = wire.decode_args(request["args"], blobs)
        return student.call(probe, **args) if students.is_step(probe) else probe(student, **args)

    reply.update(_outcome(call, seed, threads, zygote_state))
    reply.update(cell_errors=student.cell_errors, loaded=student.loaded, tampered=sorted(set(student.tampered)))
    send(reply, reply.pop("$blobs"))  # before the student's process is stopped: its teardown need not delay it
    student.stop()


def _probe(probes: list[types.ModuleType], probe_error: Exception | None, request: dict):
    """The probe the request names, or the reason there is none (a grader's fault)."""
    if probe_error is not None:
        raise probe_error
    return find_probe(probes, request["probe"], request["probe_files"])


def _reference_call(probes: list[types.ModuleType], probe_error: Exception | None, request: dict,
                    blobs: list[bytes]):
    """Run a @reference_run probe on its arguments alone."""
    from . import student as students

    probe = _probe(probes, probe_error, request)
    if not students.is_reference(probe):
        raise GraderError(f"{request['probe']} is not marked @reference_run, so it needs a submission")
    return probe(**wire.decode_args(request["args"], blobs))


def _outcome(call, seed: int, threads: int, zygote_state: dict) -> dict:
    """Run the probe call; its result, or how it failed, as reply fields (its encoded blobs under "$blobs")."""
    from . import student as students

    guard.reset_torch_state(zygote_state, seed, threads)
    started = time.perf_counter()
    fields: dict = {"$blobs": []}
    try:
        tree, fields["$blobs"] = wire.encode(call())
        fields.update(status="ok", result=tree)
    except students.StudentFailed as failed:
        fields.update(status="error", error=failed.error)
    except students.StudentDied as died:
        fields.update(status="died", exit_code=died.exit_code, while_loading=died.while_loading)
    except students.StudentBroken as broken:
        fields.update(status="broken", message=str(broken)[:MAX_MESSAGE])
    except BaseException as error:  # noqa: BLE001 - the probe's own fault (or a reply it could not make sense of)
        info = describe_error(error, set())
        fields.update(status="error", error={**info, "type": "GraderError",
                                             "message": f"{info['type']}: {info['message']}"[:MAX_MESSAGE]})
    fields["seconds"] = time.perf_counter() - started
    return fields


class StudentCells:
    """What the student's process does: load the submission's cells, then run steps, the guard around each."""

    def __init__(self, payload: dict, workdir: Path, folder: Path, snapshots: tuple, zygote_state: dict,
                 threads: int) -> None:
        self.payload, self.workdir, self.folder = payload, workdir, folder
        self.snapshots, self.zygote_state, self.threads = snapshots, zygote_state, threads
        self.student_files = _filenames(payload)

    def restore(self) -> list[str]:
        """Put back trusted functions the submission replaced; name them (the check then fails, saying so)."""
        return sorted(set(name for snapshot in self.snapshots for name in snapshot.restore()))

    def load(self, payload: dict) -> tuple[types.ModuleType, list[dict], list[str]]:
        module, cell_errors = load_submission(payload, self.workdir)
        return module, cell_errors, self.restore()

    def run_step(self, module: types.ModuleType, cell_errors: list[dict], request: dict,
                 blobs: list[bytes]) -> tuple[dict, list[bytes]]:
        """One step call: reset torch's state, run the step on the submission, encode what it returned."""
        from . import student as students

        guard.reset_torch_state(self.zygote_state, request.get("seed", 0), self.threads)
        try:
            step = students.find_step(request.get("step", ""))
            args = wire.decode_args(request.get("args") or {}, blobs)
            value = step(Namespace(module, cell_errors, self.folder), **args)
            tree, out = wire.encode(value, students.REPLY_LIMITS)
            header = {"status": "ok", "result": tree}
        except BaseException as error:  # noqa: BLE001 - report anything, even SystemExit, as the step's failure
            header, out = {"status": "error", "error": describe_error(error, self.student_files)}, []
        header["tampered"] = self.restore()
        return header, out
