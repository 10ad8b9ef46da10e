"""The zygote: a warm process (torch already imported) that forks one worker per check and polices it.

It reads requests on fd 0 and answers on fd 1 (or, shared by a batch, from every judge that connects to its
unix socket), each reply tagged with its request's id. It never runs student
code itself: each request forks a child (see worker.py), up to `jobs` children at a time; the zygote waits
for each child's reply with a wall-clock deadline, kills the child's whole process group when the deadline
passes or the reply is in, and tells the judge what happened.
"""

from __future__ import annotations

import importlib
import os
import select
import signal
import socket
import struct
import sys
import time
from collections import deque
from dataclasses import dataclass, field

from . import wire

PROTOCOL_IN, PROTOCOL_OUT = 0, 1
OUTPUT_TAIL = 2000


@dataclass
class Running:
    """A worker in flight: its request, process, result pipe, deadline and what it has sent so far."""

    request: dict
    pid: int
    read_fd: int
    started: float
    data: bytearray = field(default_factory=bytearray)
    channel: "Channel | None" = None

    @property
    def deadline(self) -> float:
        return self.started + self.request["timeout"]

    def complete(self) -> bool:
        """True once a whole reply frame has arrived (the worker may linger; it is killed then)."""
        if len(self.data) < 8:
            return False
        (size,) = struct.unpack("<Q", self.data[:8])
        if size > len(self.data) - 8:
            return False
        try:
            header = wire.json.loads(bytes(self.data[8:8 + size]))
            return 8 + size + sum(header.get("$blobs", [])) <= len(self.data)
        except ValueError:
            return True


def _kill_group(pid: int) -> None:
    """Kill the worker and everything it started (it leads its own process group)."""
    for kill in (lambda: os.killpg(pid, signal.SIGKILL), lambda: os.kill(pid, signal.SIGKILL)):
        try:
            kill()
        except (ProcessLookupError, PermissionError):
            pass


def _output_tail(workdir: str) -> str:
    """The last lines the student's code printed, for the feedback."""
    try:
        with open(os.path.join(workdir, "output.log"), "rb") as log:
            log.seek(0, os.SEEK_END)
            log.seek(max(0, log.tell() - OUTPUT_TAIL))
            return log.read().decode("utf-8", "replace")
    except OSError:
        return ""


def start(request: dict, blobs: list[bytes]) -> Running:
    """Fork a worker for one probe call."""
    from . import sandbox, worker

    read_fd, write_fd = os.pipe()
    started = time.monotonic()
    pid = sandbox.fork_worker(request)  # os.fork(), the child as pid 1 of its own PID namespace where allowed
    if pid == 0:  # the worker
        code = 0
        try:
            os.close(read_fd)
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            worker.serve(request, blobs, write_fd)
        except BaseException:  # noqa: BLE001 - nothing may escape back into the zygote's loop
            code = 70
        finally:
            os._exit(code)
    os.close(write_fd)
    return Running(request=request, pid=pid, read_fd=read_fd, started=started)


def finish(job: Running, timed_out: bool) -> tuple[dict, list[bytes]]:
    """Kill and reap a worker; describe its outcome: replied, timeout or died."""
    os.close(job.read_fd)
    _kill_group(job.pid)
    _, status = os.waitpid(job.pid, 0)
    reply = {
        "id": job.request.get("id"),
        "seconds": time.monotonic() - job.started,
        "output": _output_tail(job.request["workdir"]),
        "exit_code": os.waitstatus_to_exitcode(status),
        "loaded": os.path.exists(os.path.join(job.request["workdir"], "loaded")),
    }
    if timed_out:
        return {**reply, "status": "timeout"}, []
    if not job.data:
        return {**reply, "status": "died"}, []
    return {**reply, "status": "replied"}, [bytes(job.data[:wire.MAX_FRAME])]


@dataclass(eq=False)
class Channel:
    """One judge talking to the zygote: where its requests come from and the replies not yet taken."""

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

    def flush(self) -> bool:
        """Write what the judge can take now without blocking; False once the judge is gone."""
        try:
            del self.outbox[:os.write(self.out_fd, self.outbox[:1 << 20])]
        except BlockingIOError:
            pass
        except OSError:
            self.open = False
            self.outbox.clear()
            return False
        return True

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()


def _preload(names: list[str]) -> None:
    """Import the heavy modules a judge asked for, once for every worker forked later."""
    for name in names:
        try:
            importlib.import_module(name)
        except Exception:  # noqa: BLE001 - a module missing here is imported (and fails) in the worker instead
            pass


def serve_forever(channels: list[Channel], jobs: int, listener: socket.socket | None = None,
                  control: int | None = None) -> None:
    """Run requests as they come, at most `jobs` workers at once across every judge, answering each when it ends.

    With a `listener`, judges connect over a unix socket (a batch shares one warm pool); the zygote stops
    taking new judges when its `control` descriptor closes, and exits once every judge has gone.
    """
    pending: deque = deque()
    running: dict[int, Running] = {}
    while listener is not None or any(c.open for c in channels) or pending or running \
            or any(c.outbox for c in channels):
        pending = deque(item for item in pending if item[0].open)
        while pending and len(running) < jobs:
            channel, request, blobs = pending.popleft()
            job = start(request, blobs)
            job.channel = channel
            running[job.read_fd] = job
        now = time.monotonic()
        wait = min((job.deadline for job in running.values()), default=now + 3600) - now
        inputs = {c.in_fd: c for c in channels if c.open}
        watched = list(running) + list(inputs) + ([listener.fileno(), control] if listener is not None else [])
        ready, writable, _ = select.select(watched, [c.out_fd for c in channels if c.outbox], [], max(wait, 0))
        for channel in [c for c in channels if c.outbox and c.out_fd in writable]:
            channel.flush()
        for fd in ready:
            if listener is not None and fd == control:
                if not os.read(control, 4096):
                    listener.close()
                    listener = None
            elif listener is not None and fd == listener.fileno():
                connection, _ = listener.accept()
                channels.append(Channel(connection.fileno(), connection.fileno(), greeted=False,
                                        connection=connection))
            elif fd in inputs:
                _take_requests(inputs[fd], pending)
            elif fd in running:
                job = running[fd]
                chunk = os.read(fd, 1 << 20)
                job.data.extend(chunk)
                if not chunk or job.complete() or len(job.data) > wire.MAX_FRAME:
                    del running[fd]
                    _answer(job, *finish(job, timed_out=False))
        now = time.monotonic()
        for fd, job in list(running.items()):
            if now >= job.deadline:
                del running[fd]
                _answer(job, *finish(job, timed_out=True))
        busy = {id(job.channel) for job in running.values()} | {id(item[0]) for item in pending}
        for channel in [c for c in channels if not c.open and not c.outbox and id(c) not in busy]:
            channel.close()
            channels.remove(channel)


def _take_requests(channel: Channel, pending: deque) -> None:
    """Read what a judge sent: its hello, probe calls to queue, or its goodbye."""
    try:
        frames, channel.open = channel.reader.read_available()
    except (OSError, wire.WireError, ValueError):
        frames, channel.open = [], False
    for request, blobs in frames:
        if not channel.greeted:
            channel.greeted = True
            _preload(request.get("preload", []))
            channel.outbox += wire.frame_bytes({"ready": True, "pid": os.getpid()})
        elif request.get("op") == "exit":
            channel.open = False
        else:
            pending.append((channel, request, blobs))


def _answer(job: Running, reply: dict, blobs: list[bytes]) -> None:
    """Queue a finished worker's reply for the judge that asked, if it is still there."""
    if job.channel is not None:
        job.channel.outbox += wire.frame_bytes(reply, blobs)


def _settle() -> None:
    """Before the first fork: take the integrity baseline once for every worker, and freeze the warm heap so
    the workers' garbage collector never touches (and so copies) the pages they share with the zygote."""
    import gc

    from . import worker

    worker.prepare()
    gc.collect()
    gc.freeze()


def main() -> None:
    """Import the heavy modules once, say ready, then serve requests until the judge closes the pipe."""
    out = os.dup(PROTOCOL_OUT)
    os.dup2(2, PROTOCOL_OUT)  # stray prints from imported modules go to stderr, never into the protocol
    sys.stdout = sys.stderr
    header, _ = wire.read_frame(PROTOCOL_IN)
    _preload(header.get("preload", []))
    _settle()
    wire.write_frame(out, {"ready": True, "pid": os.getpid()})
    serve_forever([Channel(PROTOCOL_IN, out)], max(1, int(header.get("jobs", 1))))


def main_shared(path: str, jobs: int, preload: list[str]) -> None:
    """Serve every judge that connects to the unix socket at `path` from one warm pool of `jobs` workers.

    The batch that started it keeps fd 0 open; when it closes, no new judge is taken and the zygote exits
    once the last one has gone.
    """
    os.dup2(2, PROTOCOL_OUT)
    sys.stdout = sys.stderr
    _preload(preload)
    _settle()
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(path)
    os.chmod(path, 0o600)
    listener.listen(64)
    print("ready", file=sys.stderr, flush=True)
    serve_forever([], max(1, jobs), listener=listener, control=PROTOCOL_IN)


if __name__ == "__main__":
    main()
