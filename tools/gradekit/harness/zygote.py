"""The zygote: a warm process (torch already imported) that forks one worker per check and polices it.

It reads requests on fd 0 and answers on fd 1. It never runs student code itself: each request forks a
child (see worker.py); the zygote waits for the child's reply with a wall-clock deadline, kills the child's
whole process group when the deadline passes, and tells the judge what happened.
"""

from __future__ import annotations

import importlib
import os
import select
import signal
import struct
import sys
import time

from . import wire

PROTOCOL_IN, PROTOCOL_OUT = 0, 1
MAX_REPLY = wire.MAX_FRAME
OUTPUT_TAIL = 2000


def _kill_group(pid: int) -> None:
    """Kill the worker and everything it started (it leads its own process group)."""
    for kill in (lambda: os.killpg(pid, signal.SIGKILL), lambda: os.kill(pid, signal.SIGKILL)):
        try:
            kill()
        except (ProcessLookupError, PermissionError):
            pass


def _collect(read_fd: int, deadline: float) -> tuple[bytes, bool]:
    """Read one complete frame from the worker, or stop at the deadline; return (bytes, timed_out)."""
    data = bytearray()
    while True:
        if len(data) >= 8:
            (size,) = struct.unpack("<Q", data[:8])
            if size <= len(data) - 8:
                try:
                    header = wire.json.loads(bytes(data[8:8 + size]))
                    if 8 + size + sum(header.get("$blobs", [])) <= len(data):
                        return bytes(data), False
                except ValueError:
                    return bytes(data), False
        left = deadline - time.monotonic()
        if left <= 0:
            return bytes(data), True
        ready, _, _ = select.select([read_fd], [], [], left)
        if not ready:
            continue
        chunk = os.read(read_fd, 1 << 20)
        if not chunk:
            return bytes(data), False
        data.extend(chunk)
        if len(data) > MAX_REPLY:
            return bytes(data[:MAX_REPLY]), False


def _output_tail(workdir: str) -> str:
    """The last lines the student's code printed, for the feedback."""
    try:
        with open(os.path.join(workdir, "output.log"), "rb") as log:
            log.seek(0, os.SEEK_END)
            log.seek(max(0, log.tell() - OUTPUT_TAIL))
            return log.read().decode("utf-8", "replace")
    except OSError:
        return ""


def run_one(request: dict, blobs: list[bytes]) -> tuple[dict, list[bytes]]:
    """Fork a worker for one probe call and report its outcome: ok, error, timeout or died."""
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
    data, timed_out = _collect(read_fd, started + request["timeout"])
    os.close(read_fd)
    _kill_group(pid)
    _, status = os.waitpid(pid, 0)
    reply = {
        "seconds": time.monotonic() - started,
        "output": _output_tail(request["workdir"]),
        "exit_code": os.waitstatus_to_exitcode(status),
    }
    if timed_out:
        return {**reply, "status": "timeout"}, []
    if not data:
        return {**reply, "status": "died"}, []
    return {**reply, "status": "replied"}, [data]


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
    while True:
        try:
            request, blobs = wire.read_frame(PROTOCOL_IN)
        except EOFError:
            return
        if request.get("op") == "exit":
            return
        reply, reply_blobs = run_one(request, blobs)
        wire.write_frame(out, reply, reply_blobs)


if __name__ == "__main__":
    main()
