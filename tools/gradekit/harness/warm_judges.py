"""Warm judges: judges forked from one process that imported pytest and the grading plugin once.

A judge is `python -m pytest graders/<lesson> ...`; started afresh it spends about a second importing pytest, its
plugins, Hypothesis, numpy and matplotlib before its first check. The judge server imports them once (for a batch, a
grading service, a notebook's kernel) and forks a judge per grading. It never runs student code (judges don't either: workers do), and it holds nothing of
any submission: it is told a judge's arguments, environment and folder, forks, and reports the judge's exit. Each
judge is what a fresh `python -m pytest` would be: a session of its own, its own environment and current folder, no
input, its output into the file descriptor it was given, and the interpreter's exit steps (threads joined, atexit) at its end.
"""

from __future__ import annotations

import atexit
import gc
import json
import os
import select
import signal
import socket
import subprocess
import sys
import threading
from pathlib import Path

from .client import GRADEKIT_PARENT

# What every judge imports before its first check, and pytest's plugins from their entry points. The grading plugin
# itself is left to pytest: a bundle's conftest.py loads it only when it is not imported yet.
PRELOAD = ("pytest", "numpy", "hypothesis", "gradekit.harness.client", "gradekit.harness.feedback",
           "gradekit.harness.submission", "gradekit.harness.machine", "gradekit.reporting.report",
           "gradekit.reporting.figures", "gradekit.reporting.feedback_page", "gradekit.checks",
           "gradekit.course.strategies", "gradekit.course.layers", "gradekit.harness.hypothesis_settings",
           "matplotlib.backends.backend_agg", "matplotlib.figure")
PLUGIN = "gradekit.harness.plugin"
PYTEST = [sys.executable, "-m", "pytest"]  # how a judge's command line starts
MESSAGE_BYTES = 1 << 20  # a request: a judge's command line and environment
BOOTSTRAP = (f"import sys; sys.path.insert(0, {GRADEKIT_PARENT!r}); "
             "from gradekit.harness.warm_judges import serve; serve({fd})")


class ServerGone(ConnectionError):
    """The judge server ended before the judge's exit was known: the batch runs that judge afresh."""


class WarmJudges:
    """The caller's side (a batch, a notebook's kernel): start the server, run judges on it from any thread, stop it."""

    def __init__(self, cwd: Path, env: dict) -> None:
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        self.process = subprocess.Popen([sys.executable, "-c", BOOTSTRAP.format(fd=theirs.fileno())],
                                        pass_fds=[theirs.fileno()], cwd=cwd, env=env, stdin=subprocess.DEVNULL,
                                        start_new_session=True)  # a kernel's interrupt is not the server's
        theirs.close()
        self.connection = ours
        self.lock = threading.Lock()
        self.numbers = iter(range(1, 1 << 62))
        self.exits: dict[int, int | None] = {}
        self.waiting: dict[int, threading.Event] = {}
        self.gone = False
        ready = self.connection.recv(MESSAGE_BYTES)
        if json.loads(ready or b"{}").get("ready") is not True:
            self.stop()
            raise RuntimeError(f"the judge server did not start ({ready[:200]!r})")
        self.reader = threading.Thread(target=self._read_exits, name="gradekit-warm-judges", daemon=True)
        self.reader.start()

    def start(self, args: list[str], cwd: Path, env: dict, output: int) -> int:
        """Fork a judge running `pytest *args` in `cwd` with `env`, writing to the file descriptor `output`; its
        number (for `wait`, `kill` and `exit_code`). Raises ServerGone if the server has ended."""
        with self.lock:
            number = next(self.numbers)
            self.waiting[number] = threading.Event()
            request = json.dumps({"id": number, "args": args, "cwd": str(cwd), "env": env}).encode()
            if self.gone or len(request) > MESSAGE_BYTES:
                self.waiting.pop(number)
                raise ServerGone("the judge server has ended" if self.gone else
                                 "a command line and environment too big for one request")
            try:
                socket.send_fds(self.connection, [request], [output])
            except OSError as error:
                self.waiting.pop(number)
                raise ServerGone(str(error)) from error
        return number

    def wait(self, number: int, timeout: float | None) -> bool:
        """Whether judge `number` has ended (or the server has) within `timeout` seconds."""
        return self.waiting[number].wait(timeout)

    def kill(self, number: int) -> None:
        """Kill judge `number` and everything it started."""
        with self.lock:
            try:
                self.connection.send(json.dumps({"kill": number}).encode())
            except OSError:
                pass

    def exit_code(self, number: int) -> int:
        """The exit code of judge `number`, which has ended (see `wait`); raises ServerGone if only the server did."""
        with self.lock:
            self.waiting.pop(number, None)
            if number not in self.exits:
                raise ServerGone("the judge server ended before the judge did")
            return self.exits.pop(number)

    def popen(self, args: list[str], cwd: Path, env: dict, output: int) -> ForkedJudge:
        """`start`, seen as a process (ForkedJudge)."""
        return ForkedJudge(self, self.start(args, cwd, env, output))

    def _read_exits(self) -> None:
        """Hand each judge's exit code to the thread that waits for it; when the server goes, wake them all."""
        while True:
            try:
                message = self.connection.recv(MESSAGE_BYTES)
            except OSError:
                message = b""
            if not message:
                break
            reply = json.loads(message)
            with self.lock:
                if reply["id"] in self.waiting:
                    self.exits[reply["id"]] = reply.get("exit")
                    self.waiting[reply["id"]].set()
        with self.lock:
            self.gone = True
            for event in self.waiting.values():
                event.set()

    def stop(self) -> None:
        """Close the connection: the server kills what is left of its judges and exits."""
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.connection.close()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


class ForkedJudge:
    """A judge forked by a WarmJudges server, seen through the part of subprocess.Popen's interface callers use;
    `kill` kills its whole session."""

    def __init__(self, server: WarmJudges, number: int) -> None:
        self.server, self.number = server, number
        self.returncode: int | None = None
        self._ended = False

    def poll(self) -> int | None:
        if not self._ended and self.server.wait(self.number, 0):
            self._ended = True
            try:
                self.returncode = self.server.exit_code(self.number)
            except ServerGone:
                self.returncode = 70  # the server died first: its exit is unknown, the report says the rest
        return self.returncode

    def wait(self, timeout: float | None = None) -> int | None:
        if not self.server.wait(self.number, timeout):
            raise subprocess.TimeoutExpired(["pytest"], timeout)
        return self.poll()

    def kill(self) -> None:
        self.server.kill(self.number)

    terminate = kill


def start_warm_judges(cwd: Path, env: dict) -> WarmJudges | None:
    """A judge server for a batch, or None where judges cannot be forked here (they then start afresh)."""
    if not hasattr(os, "fork") or not hasattr(socket, "send_fds"):
        return None
    try:
        return WarmJudges(cwd, env)
    except (OSError, RuntimeError, ValueError):
        return None


def serve(fd: int) -> None:
    """The server: import what judges import, then fork a judge per request until the batch closes the socket."""
    connection = socket.socket(fileno=fd)
    _preload()
    gc.freeze()  # a judge's collections then leave the server's objects, and the pages they share, alone
    wake_read, wake_write = os.pipe()
    os.set_blocking(wake_write, False)
    signal.set_wakeup_fd(wake_write)
    signal.signal(signal.SIGCHLD, lambda *_: None)
    judges: dict[int, int] = {}  # pid -> request id, until reaped
    connection.send(json.dumps({"ready": True}).encode())
    while True:
        readable, _, _ = select.select([connection, wake_read], [], [])
        if wake_read in readable:
            os.read(wake_read, 4096)
            _reap(judges, connection)
        if connection in readable:
            try:
                message, fds, _, _ = socket.recv_fds(connection, MESSAGE_BYTES, 1)
            except OSError:
                message, fds = b"", []
            if not message:
                break
            request = json.loads(message)
            if "kill" in request:
                for pid, number in judges.items():
                    if number == request["kill"]:
                        _kill_group(pid)
                continue
            pid = os.fork()
            if pid == 0:
                _judge(request, fds[0], [connection.fileno(), wake_read, wake_write])
            judges[pid] = request["id"]
            for descriptor in fds:
                os.close(descriptor)
    for pid in judges:
        _kill_group(pid)
    _reap(judges, None)


def _preload() -> None:
    """Import pytest, its installed plugins and what checks and feedback pages use, as a judge would."""
    from importlib import import_module
    from importlib.metadata import entry_points

    for name in PRELOAD:
        try:
            import_module(name)
        except Exception:  # noqa: BLE001 - a judge that needs it says what is wrong
            pass
    if os.environ.get("PYTEST_DISABLE_PLUGIN_AUTOLOAD"):
        return  # pytest will load no entry point, so none is imported ahead of it
    for entry in entry_points(group="pytest11"):
        if entry.module == PLUGIN:
            continue
        try:
            import_module(entry.module)
        except Exception:  # noqa: BLE001 - pytest reports a broken plugin itself
            pass


def _reap(judges: dict[int, int], connection: socket.socket | None) -> None:
    """Collect every judge that has ended and tell the batch its exit code."""
    for pid in list(judges):
        try:
            done, status = os.waitpid(pid, os.WNOHANG)
            code = os.waitstatus_to_exitcode(status) if done else None
        except ChildProcessError:
            done, code = pid, None
        if done:
            number = judges.pop(pid)
            if connection is not None:
                try:
                    connection.send(json.dumps({"id": number, "exit": code}).encode())
                except OSError:
                    pass
    if connection is None:
        while judges:
            os.waitpid(judges.popitem()[0], 0)


def _judge(request: dict, output: int, inherited: list[int]) -> None:
    """In the forked child: become `python -m pytest *args` run afresh, then exit as the interpreter would."""
    code = 70
    try:
        signal.set_wakeup_fd(-1)
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        for descriptor in inherited:
            os.close(descriptor)
        os.setsid()
        null = os.open(os.devnull, os.O_RDONLY)
        os.dup2(null, 0)
        os.dup2(output, 1)
        os.dup2(output, 2)
        os.close(null)
        os.close(output)
        os.chdir(request["cwd"])
        os.environ.clear()
        os.environ.update(request["env"])
        import tempfile
        tempfile.tempdir = None  # the judge's TMPDIR, not one the server's imports may have looked up
        sys.path.insert(0, request["cwd"])  # what `python -m` puts first
        sys.argv = [sys.argv[0], *request["args"]]
        import pytest

        code = int(pytest.main(request["args"]))
    except SystemExit as stop:
        code = stop.code if isinstance(stop.code, int) else 1
    except BaseException:  # noqa: BLE001 - shown in the judge's log, as an uncaught error would be
        import traceback

        traceback.print_exc()
        code = 1
    finally:
        try:
            threading._shutdown()  # noqa: SLF001 - what the interpreter does at exit: join non-daemon threads
            atexit._run_exitfuncs()  # noqa: SLF001
            sys.stdout.flush()
            sys.stderr.flush()
        finally:
            os._exit(code)


def start_judge(command: list[str], cwd: Path, env: dict, output: int,
                warm: WarmJudges | None = None) -> subprocess.Popen | ForkedJudge:
    """Start a judge writing its output and errors to the file descriptor `output`, with no input, in a session of
    its own: forked warm by `warm` for a `python -m pytest` command line, else (or if the server has gone) afresh."""
    if warm is not None and command[:len(PYTEST)] == PYTEST:
        try:
            return warm.popen(command[len(PYTEST):], cwd, env, output)
        except ServerGone:
            pass
    return subprocess.Popen(command, cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=output,
                            stderr=subprocess.STDOUT, start_new_session=True)


def kill_judge(process: subprocess.Popen | ForkedJudge) -> None:
    """Kill a judge and everything it started (its session)."""
    if isinstance(process, ForkedJudge):
        process.kill()
    else:
        _kill_group(process.pid)


def _kill_group(group: int) -> None:
    """Kill a judge's session (its id is the judge's pid: not reaped yet, so it cannot belong to anyone else)."""
    try:
        os.killpg(group, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
