"""The zygote: a warm process (torch already imported) that forks one worker per check and polices it.

It reads requests on fd 0 and answers on fd 1, each reply tagged with its request's id. It never runs student
code itself: each request forks a child (see worker.py), up to `jobs` children at a time; the zygote waits
for each child's reply with a wall-clock deadline, kills the child's whole process group when the deadline
passes or the reply is in, and tells the judge what happened.
"""

from __future__ import annotations

import importlib
import os
import select
import signal
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
    from . import worker

    read_fd, write_fd = os.pipe()
    started = time.monotonic()
    pid = os.fork()
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


def serve_forever(out: int, jobs: int) -> None:
    """Run requests as they come, at most `jobs` workers at once, answering each when it ends."""
    pending: deque = deque()
    running: dict[int, Running] = {}
    reader = wire.FrameReader(PROTOCOL_IN)
    outbox = bytearray()  # replies not yet taken by the judge: never block on them while it is writing to us
    os.set_blocking(out, False)
    open_input = True
    while open_input or pending or running or outbox:
        while pending and len(running) < jobs:
            job = start(*pending.popleft())
            running[job.read_fd] = job
        now = time.monotonic()
        wait = min((job.deadline for job in running.values()), default=now + 3600) - now
        watched = list(running) + ([PROTOCOL_IN] if open_input else [])
        ready, writable, _ = select.select(watched, [out] if outbox else [], [], max(wait, 0))
        if writable:
            try:
                del outbox[:os.write(out, outbox[:1 << 20])]
            except BlockingIOError:
                pass
            except BrokenPipeError:
                return
        for fd in ready:
            if fd == PROTOCOL_IN:
                frames, open_input = reader.read_available()
                for request, blobs in frames:
                    if request.get("op") == "exit":
                        open_input = False
                    else:
                        pending.append((request, blobs))
                continue
            job = running[fd]
            chunk = os.read(fd, 1 << 20)
            job.data.extend(chunk)
            if not chunk or job.complete() or len(job.data) > wire.MAX_FRAME:
                del running[fd]
                outbox += wire.frame_bytes(*finish(job, timed_out=False))
        now = time.monotonic()
        for fd, job in list(running.items()):
            if now >= job.deadline:
                del running[fd]
                outbox += wire.frame_bytes(*finish(job, timed_out=True))


def main() -> None:
    """Import the heavy modules once, say ready, then serve requests until the judge closes the pipe."""
    out = os.dup(PROTOCOL_OUT)
    os.dup2(2, PROTOCOL_OUT)  # stray prints from imported modules go to stderr, never into the protocol
    sys.stdout = sys.stderr
    header, _ = wire.read_frame(PROTOCOL_IN)
    for name in header.get("preload", []):
        try:
            importlib.import_module(name)
        except Exception:  # noqa: BLE001 - a module missing here is imported (and fails) in the worker instead
            pass
    wire.write_frame(out, {"ready": True, "pid": os.getpid()})
    serve_forever(out, max(1, int(header.get("jobs", 1))))


if __name__ == "__main__":
    main()
