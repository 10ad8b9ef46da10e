"""The student's process, and the trusted worker's handle on it.

A worker (worker.py) is trusted: it runs the lesson's probe, which builds inputs, computes what a check
compares against and reads what the student's code produced. The student's code never runs there. Before
any probe code runs, the worker forks the **student's process**; that process holds nothing but the warm
modules, the request and the submission, loads the submission's cells and then runs *student steps*
(functions marked `@student_step` in the probes) when the worker asks, with the inputs the worker sends.

Whatever comes back from the student's process is the student's word: plain data parsed as hostile,
and files read without following links. A check passes only on what the worker can verify against values
the student's process never held (README, "The grading rule").
"""

from __future__ import annotations

import ctypes
import os
import signal
import socket
import sys
import threading
import types
from dataclasses import dataclass, field
from pathlib import Path

from . import wire

STEP_MARK = "__gradekit_student_step__"
REFERENCE_MARK = "__gradekit_reference_run__"
REPLY_LIMITS = wire.Limits(header=8 * 1024 * 1024, blobs=64 * 1024 * 1024)  # what the student's process may send
FILE_LIMIT = 64 * 1024 * 1024
PR_SET_PDEATHSIG, PR_SET_DUMPABLE = 1, 4


def student_step(function):
    """Mark a probe function that runs in the student's process: it gets `sub` and plain inputs, returns data."""
    setattr(function, STEP_MARK, True)
    return function


def is_step(function) -> bool:
    return callable(function) and getattr(function, STEP_MARK, False) is True


def reference_run(function):
    """Mark a probe that runs only the grader's own code, from its arguments alone: no student's process is
    started for it, and its result, the same for every submission, is computed once for a whole batch."""
    setattr(function, REFERENCE_MARK, True)
    return function


def is_reference(function) -> bool:
    return callable(function) and getattr(function, REFERENCE_MARK, False) is True


class StudentFailed(Exception):
    """The student's code raised (or a step reported it did): the check fails with the student's own error."""

    def __init__(self, error: dict) -> None:
        super().__init__(error.get("message", ""))
        self.error = error


class StudentDied(Exception):
    """The student's process ended without answering (os._exit, a crash, a kill)."""

    def __init__(self, exit_code: int | None, while_loading: bool) -> None:
        super().__init__(f"exit code {exit_code}")
        self.exit_code = exit_code
        self.while_loading = while_loading


class StudentBroken(Exception):
    """The student's process answered with something that cannot be read as plain data, or a file that cannot be."""


NOT_ASKED_FOR = "your code's answer to the grader is not what the grader asked for"


def not_asked_for(what: str = "") -> StudentBroken:
    """The failure of a step's reply that has another shape than the grader asked for: the submission's fault."""
    return StudentBroken(f"{what}: {NOT_ASKED_FOR}" if what else NOT_ASKED_FOR)


def reply(value, *keys: str, what: str = "", **kinds: type) -> dict:
    """In a probe: a step's reply, once it is a dict holding `keys` and, under each name of `kinds`, a value of that
    type (the student's process may send anything; else StudentBroken, `what` naming the call)."""
    if type(value) is not dict or any(key not in value for key in keys) \
            or any(not isinstance(value.get(key), kind) for key, kind in kinds.items()):
        raise not_asked_for(what)
    return value


def answers_missing(answers, cases, what: str) -> str:
    """Why `answers` (the student's word) are not one per case of `cases`, or "" when they are: a reply that came
    back empty or short would pass every per-case check with no case checked."""
    if isinstance(answers, (list, tuple)) and len(answers) == len(cases):
        return ""
    count = len(answers) if isinstance(answers, (list, tuple, dict, str)) else 0
    return (f"{what}: the grader asked about {len(cases)} case{'s' * (len(cases) != 1)} and {count} "
            f"answer{'s' * (count != 1)} came back. Every case needs its own answer.")


def one_per_case(answers, cases, what: str) -> list:
    """In a probe: `answers` from the student's process, once there is exactly one per case (else StudentBroken)."""
    problem = answers_missing(answers, cases, what)
    if problem:
        raise StudentBroken(problem)
    return list(answers)


# ---- the worker's side ---------------------------------------------------------------------------------------

@dataclass
class Student:
    """The trusted worker's handle on the student's process: call steps, read the files the code wrote."""

    pid: int
    channel: socket.socket
    folder: Path  # the submission's folder (artifacts the student made sit beside the graded file)
    workdir: Path  # the student's process's working directory: where its files land
    seed: int = 0
    cell_errors: list = field(default_factory=list)
    tampered: list = field(default_factory=list)
    loaded: bool = False
    exit_code: int | None = None
    _loading: threading.Thread | None = None
    _load_problem: Exception | None = None

    def watch_loading(self, on_loaded) -> None:
        """Wait, in a thread, for the student's process to finish loading the submission; then call `on_loaded`."""
        def wait() -> None:
            try:
                header, _ = self._receive()
                self.cell_errors = list(header.get("cell_errors") or [])[:50]
                self.tampered += [str(name) for name in header.get("tampered") or []][:50]
                self.loaded = True
                on_loaded()
            except Exception as error:  # noqa: BLE001 - kept for the first call to raise
                self._load_problem = error

        self._loading = threading.Thread(target=wait, daemon=True)
        self._loading.start()

    def wait_loaded(self) -> None:
        """Block until the submission's cells have run in the student's process (or it died trying)."""
        if self._loading is not None:
            self._loading.join()
            self._loading = None
        if self._load_problem is not None:
            problem, self._load_problem = self._load_problem, None
            if isinstance(problem, EOFError):
                raise StudentDied(self.reap(), while_loading=True)
            raise problem

    def call(self, step, /, **args):
        """Run `step(sub, **args)` in the student's process; its result as plain data (tensors as torch tensors)."""
        if not is_step(step):
            raise TypeError(f"{getattr(step, '__qualname__', step)!r} is not marked @student_step")
        self.wait_loaded()
        tree, blobs = wire.encode(args)
        name = f"{step.__module__}:{step.__qualname__}"
        try:
            wire.write_frame(self.channel.fileno(), {"step": name, "args": tree, "seed": self.seed}, blobs)
            header, reply_blobs = self._receive()
        except (EOFError, BrokenPipeError, ConnectionResetError):
            raise StudentDied(self.reap(), while_loading=False) from None
        self.tampered += [str(name) for name in header.get("tampered") or []][:50]
        if header.get("status") == "ok":
            try:
                return wire.to_torch(wire.decode(header.get("result"), reply_blobs))
            except wire.WireError as error:
                raise StudentBroken(f"your code returned something the grader cannot read ({error})") from None
        error = header.get("error")
        raise StudentFailed(error if type(error) is dict else {"type": "Error", "message": "failed"})

    def attempt(self, step, /, **args) -> tuple[object, dict | None]:
        """Like `call`, but the student's error comes back as data (value, None) or (None, error)."""
        try:
            return self.call(step, **args), None
        except StudentFailed as failed:
            if failed.error.get("not_implemented") or failed.error.get("type") == "MissingName":
                raise
            return None, failed.error

    def _receive(self) -> tuple[dict, list[bytes]]:
        try:
            return wire.read_frame(self.channel.fileno(), REPLY_LIMITS)
        except wire.WireError as error:
            raise StudentBroken(f"your code sent the grader something it cannot read ({error})") from None

    def file(self, name: str, limit: int = FILE_LIMIT) -> bytes | None:
        """The bytes of a file the student's code wrote in its working directory; None if there is none."""
        return read_regular_file(self.workdir / _relative(name), limit)

    def artifact(self, name: str, limit: int = FILE_LIMIT) -> bytes | None:
        """The bytes of a file beside the graded submission (a checkpoint the student made); None if absent."""
        return read_regular_file(self.folder / _relative(name), limit)

    def put(self, name: str, data: bytes) -> str:
        """Write an input file into the student's working directory; return its path as the student's code sees it."""
        path = self.workdir / _relative(name)
        try:
            path.unlink()
        except FileNotFoundError:
            pass
        except OSError as error:
            raise StudentBroken(f"could not give your code the file {name} ({error})") from None
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o644)
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
        return str(path)

    def reap(self) -> int | None:
        """The student's process's exit code once it has ended (killing it first if it has not)."""
        if self.exit_code is None:
            try:
                os.kill(self.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            try:
                _, status = os.waitpid(self.pid, 0)
                self.exit_code = os.waitstatus_to_exitcode(status)
            except ChildProcessError:
                pass
        return self.exit_code

    def stop(self) -> None:
        """End the student's process (it holds nothing the worker needs once the probe has returned)."""
        self.reap()
        if self._loading is not None:
            self._loading.join(timeout=1.0)  # the kill ended its wait on the channel
        self.channel.close()


def _relative(name: str) -> Path:
    """A file name the probe chose, kept inside the folder it names."""
    path = Path(name)
    if path.is_absolute() or ".." in path.parts:
        raise ValueError(f"not a plain relative file name: {name!r}")
    return path


def read_regular_file(path: Path, limit: int) -> bytes | None:
    """Read a regular file without following a link or blocking on a FIFO; None if absent; refuse it if too big."""
    try:
        descriptor = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except FileNotFoundError:
        return None
    except OSError as error:
        raise StudentBroken(f"{path.name} cannot be read: it is a link or not a plain file ({error.strerror})") \
            from None
    with os.fdopen(descriptor, "rb") as handle:
        info = os.fstat(descriptor)
        if not _is_regular(info.st_mode):
            raise StudentBroken(f"{path.name} is not a plain file")
        if info.st_size > limit:
            raise StudentBroken(f"{path.name} is {info.st_size >> 20} MiB, more than the {limit >> 20} MiB read")
        data = handle.read(limit + 1)
    if len(data) > limit:
        raise StudentBroken(f"{path.name} is more than the {limit >> 20} MiB read")
    return data


def _is_regular(mode: int) -> bool:
    import stat

    return stat.S_ISREG(mode)


def start(payload: dict, folder: Path, workdir: Path, seed: int, run_cells, run_step, keep: set[int]) -> Student:
    """Fork the student's process (before any probe code runs) and return the worker's handle on it.

    There, `run_cells(payload)` loads the submission and returns (module, cell_errors, tampered), and
    `run_step(module, cell_errors, request, blobs)` runs one step call and returns its reply frame.
    """
    ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    pid = os.fork()
    if pid == 0:
        code = 0
        try:
            ours.close()
            _become_student(theirs.fileno(), keep)
            serve(theirs.fileno(), payload, run_cells, run_step)
        except BaseException:  # noqa: BLE001 - nothing of the student's may run on in the worker's code
            code = 70
        finally:
            os._exit(code)
    theirs.close()
    return Student(pid=pid, channel=ours, folder=folder, workdir=workdir, seed=seed)


def _become_student(channel_fd: int, keep: set[int]) -> None:
    """Hold only the channel to the worker and the output streams; die with the worker."""
    try:
        names = [int(fd) for fd in os.listdir("/proc/self/fd")]
    except OSError:
        names = list(range(3, 1024))
    for fd in names:
        if fd > 2 and fd != channel_fd and fd not in keep:
            try:
                os.close(fd)
            except OSError:
                pass
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        libc.prctl(PR_SET_DUMPABLE, 1, 0, 0, 0)  # the student's own process: its tools may read /proc/self
    except (OSError, AttributeError):
        pass
    if os.getppid() == 1 and os.getpid() != 2:
        os._exit(70)  # the worker died before the death signal was armed


def serve(channel_fd: int, payload: dict, run_cells, run_step) -> None:
    """In the student's process: load the submission, say so, then run the worker's step calls until it hangs up."""
    module, cell_errors, tampered = run_cells(payload)
    wire.write_frame(channel_fd, {"loaded": True, "cell_errors": cell_errors, "tampered": tampered})
    while True:
        try:
            request, blobs = wire.read_frame(channel_fd)
        except (EOFError, OSError, wire.WireError):
            return
        header, out_blobs = run_step(module, cell_errors, request, blobs)
        wire.write_frame(channel_fd, header, out_blobs)


def find_step(name: str) -> types.FunctionType:
    """The step `module:qualname` among the lesson's probe modules, only if it is marked @student_step."""
    module_name, _, qualname = str(name).partition(":")
    if not module_name.startswith("lesson_probes"):
        raise LookupError(f"no probe module {module_name!r}")
    target = sys.modules.get(module_name)
    for part in qualname.split("."):
        target = getattr(target, part, None)
    if not is_step(target):
        raise LookupError(f"{name!r} is not a student step")
    return target
