"""The worker pool: a dispatcher that talks to judges, and a warm template that forks workers and holds nothing.

Two processes, split right after torch is imported:

- the **dispatcher** (the process the judge started) reads requests (on fd 0, or from every judge of a batch
  on a unix socket), queues them, runs at most `jobs` workers at once, reads each worker's reply and output,
  enforces the wall-clock limit by killing the worker's process group, and answers the judge that asked;
- the **template** (its child) only forks: on the dispatcher's word it forks a worker that inherits three
  pipe ends and nothing else. It never sees a request, a submission, a reply or another worker's output, so
  what a worker inherits is torch and the warm modules, never anything of another call or submission.

The request travels from the dispatcher to the worker through the worker's own pipe. The worker (worker.py)
is trusted; it forks the process that runs the student's code. Every byte read from a worker is parsed as
hostile: sizes are capped, a malformed frame is that call's failure, never the pool's.
"""

from __future__ import annotations

import ctypes
import errno
import importlib
import json
import os
import select
import shutil
import signal
import socket
import sys
import time
from collections import deque
from dataclasses import dataclass, field

from . import wire

PROTOCOL_IN, PROTOCOL_OUT = 0, 1
OUTPUT_KEPT = 64 * 1024  # the student's latest output kept per call (the feedback shows its end)
REPLY_LIMITS = wire.Limits(header=8 * 1024 * 1024, blobs=128 * 1024 * 1024)  # what a worker may send back
EXIT_WAIT = 2.0  # seconds to wait for a dead worker's exit status before answering without it
SHARED_FOLDERS = ("/tmp", "/var/tmp", "/dev/shm")  # where any user may write
SWEEP_ROUNDS = 200  # looks, 5 ms apart, for a killed uid's processes to be gone before its files are cleared
REFERENCES_KEPT = 256 * 1024 * 1024  # bytes of reference runs the pool keeps for later judges
PR_SET_DUMPABLE = 4


def _not_dumpable() -> None:
    """No process of the same user may read this one's memory or descriptors (ptrace, /proc/<pid>/mem)."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_DUMPABLE, 0, 0, 0, 0)
    except (OSError, AttributeError):
        pass  # not Linux: the process layer there is not a boundary anyway (README, "What runs where")


def _preload(names: list[str]) -> bool:
    """Import the heavy modules asked for, once for every worker forked later; say whether any was new."""
    before = len(sys.modules)
    for name in names:
        if type(name) is not str:
            continue
        try:
            importlib.import_module(name)
        except Exception:  # noqa: BLE001 - a module missing here is imported (and fails) in the worker instead
            pass
    return len(sys.modules) != before


def _settle(again: bool = False) -> None:
    """Before the first fork: take the integrity baseline (`again`: anew, after more modules were imported), and
    freeze the warm heap so the workers' garbage collector never touches (and so copies) the pages they share
    with the template. No collection first: it costs a fifth of a second, and what it would free is import-time
    garbage a worker, living a second, never misses."""
    import gc

    from . import worker

    worker.prepare(again)
    gc.freeze()


# ---- the template: forks workers, holds nothing ------------------------------------------------------

def template_loop(control: socket.socket) -> None:
    """Fork a worker for each `fork` message (its three pipe ends arrive with it); report every exit."""
    wake_read, wake_write = os.pipe()
    os.set_blocking(wake_write, False)
    signal.set_wakeup_fd(wake_write)
    signal.signal(signal.SIGCHLD, lambda *_: None)
    while True:
        try:
            ready, _, _ = select.select([control, wake_read], [], [])
        except InterruptedError:
            continue
        if wake_read in ready:
            os.read(wake_read, 4096)
            _report_exits(control)
        if control in ready:
            try:
                data, fds, _, _ = socket.recv_fds(control, 65536, 4)
            except OSError:
                data, fds = b"", []
            if not data:
                os._exit(0)
            message = json.loads(data)
            if message.get("op") == "fork" and len(fds) == 3:
                _fork(message, fds, control, (wake_read, wake_write))
            elif message.get("op") == "preload" and _preload(message.get("names", [])):
                _settle(again=True)  # what the new modules changed in torch is part of the trusted state
            for fd in fds:
                os.close(fd)


def _report_exits(control: socket.socket) -> None:
    """Reap every finished worker and tell the dispatcher how each one ended."""
    while True:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        try:
            control.send(json.dumps({"exited": pid, "code": os.waitstatus_to_exitcode(status)}).encode())
        except OSError:
            return


def _fork(message: dict, fds: list[int], control: socket.socket, wake: tuple[int, int]) -> None:
    """Fork one worker holding only its request pipe, its reply pipe and its output pipe."""
    from . import sandbox, worker

    pid = sandbox.fork_worker(message)
    if pid == 0:
        code = 0
        try:
            signal.set_wakeup_fd(-1)
            signal.signal(signal.SIGCHLD, signal.SIG_DFL)
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            control.close()
            for fd in wake:
                os.close(fd)
            request_fd, result_fd, output_fd = fds
            devnull = os.open(os.devnull, os.O_RDONLY)
            os.dup2(devnull, 0)
            os.dup2(output_fd, 1)
            os.dup2(output_fd, 2)
            worker.main(request_fd, result_fd, keep={0, 1, 2, request_fd, result_fd})
        except BaseException:  # noqa: BLE001 - nothing may escape back into the template's loop
            code = 70
        finally:
            os._exit(code)
    control.send(json.dumps({"forked": message["token"], "pid": pid}).encode())


def _control_pair() -> tuple[socket.socket, socket.socket]:
    """The dispatcher's and the template's ends: SOCK_SEQPACKET (a closed end reads as EOF), or, where unix
    sockets have no SOCK_SEQPACKET (macOS), SOCK_DGRAM, whose messages keep their bounds too but whose closed end
    says nothing: the dispatcher then stops the template itself (`Dispatcher.serve`)."""
    try:
        return socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    except OSError:
        return socket.socketpair(socket.AF_UNIX, socket.SOCK_DGRAM)


def start_template(preloaded: list[str]) -> tuple[socket.socket, int]:
    """Fork the template from this warm, still request-free process; return the control socket and its pid."""
    ours, theirs = _control_pair()
    pid = os.fork()
    if pid == 0:
        code = 0
        try:
            ours.close()
            for fd in _open_descriptors():
                if fd > 2 and fd != theirs.fileno():
                    _close(fd)
            _not_dumpable()
            template_loop(theirs)
        except BaseException:  # noqa: BLE001
            code = 70
        finally:
            os._exit(code)
    theirs.close()
    return ours, pid


def _open_descriptors() -> list[int]:
    try:
        return [int(fd) for fd in os.listdir("/proc/self/fd")]
    except OSError:
        return list(range(3, 256))


def _close(fd: int) -> None:
    try:
        os.close(fd)
    except OSError:
        pass


# ---- the dispatcher: requests in, replies out --------------------------------------------------------

@dataclass(eq=False)
class Channel:
    """One judge talking to the pool: where its requests come from and the replies not yet taken."""

    in_fd: int
    out_fd: int
    greeted: bool = True  # a judge on the socket first sends a hello (its preload list), answered with ready
    open: bool = True
    outbox: bytearray = field(default_factory=bytearray)
    reader: wire.FrameReader | None = None
    connection: socket.socket | None = None

    def __post_init__(self) -> None:
        self.reader = wire.FrameReader(self.in_fd)
        os.set_blocking(self.out_fd, False)

    def flush(self) -> None:
        """Write what the judge can take now without blocking; a judge that is gone is closed."""
        try:
            del self.outbox[:os.write(self.out_fd, self.outbox[:1 << 20])]
        except BlockingIOError:
            pass
        except OSError:
            self.open = False
            self.outbox.clear()

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()


@dataclass(eq=False)
class Job:
    """One probe call: its request, the worker running it and everything read back from that worker."""

    token: int
    channel: Channel
    request: dict
    to_send: bytearray
    request_fd: int
    result_fd: int
    output_fd: int
    started: float
    pid: int | None = None
    reader: wire.FrameReader | None = None
    output: bytearray = field(default_factory=bytearray)
    loaded: bool = False
    final: tuple[dict, list[bytes]] | None = None
    broken: str = ""
    result_open: bool = True
    output_open: bool = True
    exit_code: int | None = None
    ended_at: float | None = None  # when the worker's reply pipe closed without a final frame

    @property
    def deadline(self) -> float:
        try:
            return self.started + float(self.request.get("timeout", 60.0))
        except (TypeError, ValueError):
            return self.started + 60.0

    def keep_output(self, chunk: bytes) -> None:
        self.output += chunk
        if len(self.output) > OUTPUT_KEPT:
            del self.output[:len(self.output) - OUTPUT_KEPT]


class Dispatcher:
    """Queue requests from every judge, run them on workers the template forks, answer each judge."""

    def __init__(self, channels: list[Channel], jobs: int, control: socket.socket, template_pid: int,
                 listener: socket.socket | None = None, stop_fd: int | None = None) -> None:
        self.channels = channels
        self.jobs = max(1, jobs)
        self.control = control
        self.template_pid = template_pid
        self.listener = listener
        self.stop_fd = stop_fd
        self.pending: deque = deque()
        self.running: dict[int, Job] = {}
        self.tokens = 0
        self.references: dict[str, tuple[dict, list[bytes]]] = {}  # reference runs done: the same for every judge
        self.waiting: dict[str, list] = {}  # reference runs in flight: the judges' calls waiting for the same one
        self.sweep_at_exit: set[int] = set()  # workers confined by uid alone: what they leave is cleared at exit

    def serve(self) -> None:
        """Run until every judge has gone (and, with a listener, until the batch closed `stop_fd`)."""
        while self.listener is not None or any(c.open for c in self.channels) or self.pending or self.running \
                or any(c.outbox for c in self.channels):
            self._start_pending()
            readable, writable = self._wait()
            for channel in [c for c in self.channels if c.outbox and c.out_fd in writable]:
                channel.flush()
            for job in list(self.running.values()):
                if job.request_fd in writable:
                    self._send_request(job)
            for fd in readable:
                self._readable(fd)
            self._settle_jobs()
            self._drop_closed_channels()
        datagrams = self.control.type == socket.SOCK_DGRAM
        self.control.close()
        if datagrams:  # no EOF reaches the template through a datagram pair (macOS): end it
            try:
                os.kill(self.template_pid, signal.SIGKILL)
            except ProcessLookupError:
                pass

    # ---- waiting ----

    def _wait(self) -> tuple[list[int], list[int]]:
        now = time.monotonic()
        deadlines = [job.deadline for job in self.running.values()]
        deadlines += [job.ended_at + EXIT_WAIT for job in self.running.values() if job.ended_at is not None]
        timeout = max(0.0, min(deadlines, default=now + 3600) - now)
        watched = [self.control.fileno()] + [c.in_fd for c in self.channels if c.open]
        for job in self.running.values():
            watched += [fd for fd, is_open in ((job.result_fd, job.result_open), (job.output_fd, job.output_open))
                        if is_open]
        if self.listener is not None:
            watched += [self.listener.fileno(), self.stop_fd]
        writers = [c.out_fd for c in self.channels if c.outbox]
        writers += [job.request_fd for job in self.running.values() if job.to_send]
        try:
            readable, writable, _ = select.select(watched, writers, [], timeout)
        except InterruptedError:
            return [], []
        return readable, writable

    def _readable(self, fd: int) -> None:
        if fd == self.control.fileno():
            self._template_message()
        elif self.listener is not None and fd == self.stop_fd:
            if not os.read(self.stop_fd, 4096):
                self.listener.close()
                self.listener = None
        elif self.listener is not None and fd == self.listener.fileno():
            connection, _ = self.listener.accept()
            self.channels.append(Channel(connection.fileno(), connection.fileno(), greeted=False,
                                         connection=connection))
        else:
            channel = next((c for c in self.channels if c.open and c.in_fd == fd), None)
            if channel is not None:
                self._take_requests(channel)
                return
            for job in list(self.running.values()):
                if fd == job.result_fd and job.result_open:
                    self._read_result(job)
                elif fd == job.output_fd and job.output_open:
                    self._read_output(job)

    # ---- requests from judges ----

    def _take_requests(self, channel: Channel) -> None:
        """Read what a judge sent: its hello, probe calls to queue, or its goodbye."""
        try:
            frames, channel.open = channel.reader.read_available()
        except (OSError, wire.WireError):
            frames, channel.open = [], False
        for request, blobs in frames:
            if not channel.greeted:
                channel.greeted = True
                names = request.get("preload", [])
                if type(names) is list and names:
                    self.control.send(json.dumps({"op": "preload", "names": names[:64]}).encode())
                channel.outbox += wire.frame_bytes({"ready": True, "pid": os.getpid()})
            elif request.get("op") == "exit":
                channel.open = False
            elif request.get("op") == "configure":
                self._configure(request)
            elif type(request.get("cache")) is str:
                self._reference(channel, request, blobs)
            else:
                self.pending.append((channel, request, blobs))

    def _configure(self, request: dict) -> None:
        """What a judge learned after starting its pool: modules to import before the next fork (the template
        takes them before any later fork message), and, for a judge's own pool, how many workers at once."""
        names = request.get("preload")
        if type(names) is list and names:
            self.control.send(json.dumps({"op": "preload", "names": names[:64]}).encode())
        jobs = request.get("jobs")
        if self.listener is None and type(jobs) is int and jobs >= 1:
            self.jobs = jobs

    def _reference(self, channel: Channel, request: dict, blobs: list[bytes]) -> None:
        """A reference run: answered from the runs already done, joined to the same run in flight, or started."""
        key = request["cache"]
        if key in self.references:
            self._answer(channel, request, "replied", 0.0, [wire.frame_bytes(*self.references[key])])
        elif key in self.waiting:
            self.waiting[key].append((channel, request, blobs))
        else:
            self.waiting[key] = []
            self.pending.append((channel, request, blobs))

    def _answer(self, channel: Channel, request: dict, status: str, seconds: float, blobs: list[bytes],
                **fields) -> None:
        """Queue the reply to one request for the judge that sent it, if it is still there."""
        if channel.open:
            reply = {"id": request.get("id"), "status": status, "seconds": seconds, "output": "", "exit_code": None,
                     "loaded": True, **fields}
            channel.outbox += wire.frame_bytes(reply, blobs)

    def _start_pending(self) -> None:
        kept: deque = deque()
        for channel, request, blobs in self.pending:
            key = request.get("cache")
            if channel.open:
                kept.append((channel, request, blobs))
            elif type(key) is str and self.waiting.get(key):  # its judge left: the next one waiting takes its place
                kept.append(self.waiting[key].pop(0))
            elif type(key) is str:
                self.waiting.pop(key, None)
        self.pending = kept
        while self.pending and len(self.running) < self.jobs:
            channel, request, blobs = self.pending.popleft()
            self._launch(channel, request, blobs)

    def _launch(self, channel: Channel, request: dict, blobs: list[bytes]) -> None:
        """Ask the template for a worker and give it its request through a pipe of its own."""
        self.tokens += 1
        pipes = [os.pipe() for _ in range(3)]  # request (we write), result (we read), output (we read)
        job = Job(token=self.tokens, channel=channel, request=request, to_send=bytearray(wire.frame_bytes(request,
                  blobs)), request_fd=pipes[0][1], result_fd=pipes[1][0], output_fd=pipes[2][0],
                  started=time.monotonic(), reader=wire.FrameReader(pipes[1][0], REPLY_LIMITS))
        theirs = [pipes[0][0], pipes[1][1], pipes[2][1]]
        sandbox_mode = request.get("sandbox", "auto") if type(request.get("sandbox")) is str else "auto"
        try:
            socket.send_fds(self.control, [json.dumps({"op": "fork", "token": job.token,
                                                       "sandbox": sandbox_mode}).encode()], theirs)
        except OSError as error:
            job.broken = f"the worker pool could not start a worker ({error})"
        for fd in theirs:
            os.close(fd)
        for fd in (job.request_fd, job.result_fd, job.output_fd):
            os.set_blocking(fd, False)
        self.running[job.token] = job

    def _send_request(self, job: Job) -> None:
        try:
            del job.to_send[:os.write(job.request_fd, job.to_send[:1 << 20])]
        except BlockingIOError:
            pass
        except OSError:
            job.to_send.clear()  # the worker is gone; its end will say how
        if not job.to_send:
            _close(job.request_fd)
            job.request_fd = -1

    # ---- what workers send back ----

    def _template_message(self) -> None:
        try:
            data = self.control.recv(65536)
        except OSError:
            data = b""
        if not data:
            raise SystemExit("the worker template is gone")
        message = json.loads(data)
        if "forked" in message:
            job = self.running.get(message["forked"])
            if job is not None:
                job.pid = int(message["pid"])
                if job.ended_at is not None or job.final is not None or job.broken:
                    _kill_group(job.pid)
        elif "exited" in message:
            pid, code = int(message["exited"]), message.get("code")
            job = next((j for j in self.running.values() if j.pid == pid), None)
            if job is not None:
                job.exit_code = code
            if pid in self.sweep_at_exit:
                self.sweep_at_exit.discard(pid)
                _sweep_uid(pid)

    def _read_result(self, job: Job) -> None:
        try:
            chunk = os.read(job.result_fd, 1 << 20)
        except BlockingIOError:
            return
        except OSError:
            chunk = b""
        job.reader.buffer.extend(chunk)
        try:
            frames = job.reader.frames()
        except wire.WireError as error:
            frames, job.broken = [], f"the worker sent a malformed reply ({error})"
        if len(job.reader.buffer) > REPLY_LIMITS.header + REPLY_LIMITS.blobs + 8:
            job.broken = "the worker's reply was too large"
        for header, blobs in frames:
            if header.get("phase") == "loaded":
                job.loaded = True
            elif job.final is None and "status" in header:
                job.final = (header, blobs)
        if not chunk:
            job.result_open = False
            if job.final is None and job.ended_at is None:
                job.ended_at = time.monotonic()

    def _read_output(self, job: Job) -> None:
        try:
            chunk = os.read(job.output_fd, 1 << 20)
        except BlockingIOError:
            return
        except OSError:
            chunk = b""
        if chunk:
            job.keep_output(chunk)
        else:
            job.output_open = False
            _close(job.output_fd)

    def _settle_jobs(self) -> None:
        """Answer every job that has ended: replied, broken, timed out, or dead (with its exit code, once known)."""
        now = time.monotonic()
        for token, job in list(self.running.items()):
            if job.final is not None or job.broken:
                status = "replied" if job.final is not None else "broken"
            elif now >= job.deadline:
                status = "timeout"
            elif job.ended_at is not None and (job.exit_code is not None or now >= job.ended_at + EXIT_WAIT):
                status = "died"
            else:
                continue
            del self.running[token]
            self._finish(job, status, now)

    def _finish(self, job: Job, status: str, now: float) -> None:
        if job.pid is not None:
            _kill_group(job.pid)
            layer = job.final[0].get("sandbox") if job.final is not None else None
            if layer not in ("namespaces", "process") and os.geteuid() == 0:
                _sweep_uid(job.pid)  # now, before the judge hears back and sends its next call
                if job.exit_code is None:
                    self.sweep_at_exit.add(job.pid)
        if job.output_open:
            self._drain_output(job)
        for fd in (job.request_fd, job.result_fd, job.output_fd):
            if fd >= 0:
                _close(fd)
        blobs = [wire.frame_bytes(*job.final)] if status == "replied" else []
        fields = {"message": job.broken} if status == "broken" else {}
        self._answer(job.channel, job.request, status, now - job.started, blobs, exit_code=job.exit_code,
                     loaded=job.loaded, output=job.output.decode("utf-8", "replace"), **fields)
        key = job.request.get("cache")
        if type(key) is str and key in self.waiting:
            self._share_reference(key, job.final if status == "replied" and job.final[0].get("status") == "ok"
                                  else None)

    def _share_reference(self, key: str, final: tuple[dict, list[bytes]] | None) -> None:
        """A reference run ended: keep it and answer every call waiting for it, or, if it failed, run those again."""
        waiters = self.waiting.pop(key)
        if final is None:
            self.pending.extend(waiters)
            return
        self.references[key] = final
        while sum(len(b) for _, blobs in self.references.values() for b in blobs) > REFERENCES_KEPT:
            self.references.pop(next(iter(self.references)))
        for channel, request, _ in waiters:
            self._answer(channel, request, "replied", 0.0, [wire.frame_bytes(*final)])

    def _drain_output(self, job: Job) -> None:
        """Take what the worker printed last, without waiting for a worker that may still be writing."""
        for _ in range(8):
            try:
                chunk = os.read(job.output_fd, 1 << 20)
            except OSError:
                return
            if not chunk:
                return
            job.keep_output(chunk)

    def _drop_closed_channels(self) -> None:
        busy = {id(job.channel) for job in self.running.values()} | {id(item[0]) for item in self.pending}
        for channel in [c for c in self.channels if not c.open and not c.outbox and id(c) not in busy]:
            channel.close()
            self.channels.remove(channel)
        for job in [j for j in self.running.values() if not j.channel.open]:  # its judge is gone: stop it
            del self.running[job.token]
            self._finish(job, "timeout", time.monotonic())


def _kill_group(pid: int) -> None:
    """Kill the worker and everything it started (it leads its own process group; pid 1 of its namespace)."""
    for kill in (lambda: os.killpg(pid, signal.SIGKILL), lambda: os.kill(pid, signal.SIGKILL)):
        try:
            kill()
        except (ProcessLookupError, PermissionError):
            pass


def _sweep_uid(pid: int) -> None:
    """Clear what a worker confined by its uid alone may have left: every process still running under that uid (a
    daemon), and then its files in the folders every user may write to (notes for a later worker)."""
    from .sandbox import UID_BASE

    uid = UID_BASE + pid
    _kill_every_process_of(uid)
    for _ in range(SWEEP_ROUNDS):  # SIGKILL lands when a process next leaves the kernel: it may finish one write
        if not _processes_of(uid):
            break
        time.sleep(0.005)
    for folder in SHARED_FOLDERS:
        try:
            names = os.listdir(folder)
        except OSError:
            continue
        for name in names:
            path = os.path.join(folder, name)
            try:
                if os.lstat(path).st_uid == uid:
                    shutil.rmtree(path) if os.path.isdir(path) and not os.path.islink(path) else os.remove(path)
            except OSError:
                continue


def _kill_every_process_of(uid: int) -> None:
    """SIGKILL every process of `uid` at once: kill(-1) sent by a process of that uid. A look at /proc cannot do it:
    a daemon that forks a new pid and exits, over and over, is always newer than the list; the kernel's kill(-1)
    reaches every process of the uid, and one forking at that moment has its fork fail."""
    try:
        child = os.fork()
    except OSError:
        return
    if child == 0:
        try:
            os.setgroups([])
            os.setresgid(uid, uid, uid)
            os.setresuid(uid, uid, uid)
            os.kill(-1, signal.SIGKILL)  # every process this uid may signal, this one aside
        finally:
            os._exit(0)
    os.waitpid(child, 0)


def _processes_of(uid: int) -> list[int]:
    """The pids of the processes running under `uid` that are not dead yet (a zombie has nothing left to do)."""
    found = []
    for entry in _proc_entries():
        try:
            with open(f"/proc/{entry}/status", "rb") as status:
                fields = dict(line.split(b":", 1) for line in status if line.startswith((b"State:", b"Uid:")))
            if int(fields[b"Uid"].split()[0]) == uid and not fields[b"State"].strip().startswith((b"Z", b"X")):
                found.append(int(entry))
        except (OSError, ValueError, KeyError, IndexError):
            continue
    return found


def _proc_entries() -> list[str]:
    try:
        return [name for name in os.listdir("/proc") if name.isdigit()]
    except OSError:
        return []


# ---- entry points --------------------------------------------------------------------------------------

def _protect_protocol() -> int:
    """Keep the judge's reply pipe for the protocol; stray prints of imported modules go to stderr."""
    out = os.dup(PROTOCOL_OUT)
    os.dup2(2, PROTOCOL_OUT)
    sys.stdout = sys.stderr
    return out


def main() -> None:
    """One judge on stdin/stdout: import the heavy modules, fork the template, say ready, serve."""
    out = _protect_protocol()
    header, _ = wire.read_frame(PROTOCOL_IN)
    preload = header.get("preload", []) if type(header.get("preload")) is list else []
    _preload(preload)
    _settle()
    control, template = start_template(preload)
    _not_dumpable()
    wire.write_frame(out, {"ready": True, "pid": os.getpid()})
    Dispatcher([Channel(PROTOCOL_IN, out)], int(header.get("jobs", 1)), control, template).serve()
    os._exit(0)  # every reply is written; tearing down torch's interpreter would keep the judge waiting ~1 s


def main_shared(path: str, jobs: int, preload: list[str]) -> None:
    """Serve every judge that connects to the unix socket at `path` from one warm pool of `jobs` workers.

    The batch that started it keeps fd 0 open; when it closes, no new judge is taken and the pool exits once
    the last one has gone.
    """
    _protect_protocol()
    _preload(preload)
    _settle()
    control, template = start_template(preload)
    _not_dumpable()
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(path)
    os.chmod(path, 0o600)
    listener.listen(64)
    print("ready", file=sys.stderr, flush=True)
    Dispatcher([], jobs, control, template, listener=listener, stop_fd=PROTOCOL_IN).serve()
    os._exit(0)  # every reply is written; tearing down torch's interpreter would keep the batch waiting


if __name__ == "__main__":
    main()
