"""The judge's side of the worker protocol: start the zygote, send probe calls, decode plain replies."""

from __future__ import annotations

import itertools
import os
import shutil
import socket
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from . import wire
from .submission import Submission

DEFAULT_PRELOAD = ("torch", "torch.nn", "torch.optim", "torch.utils.data")
KNOWN_HEAVY = ("torchvision", "numpy", "matplotlib", "matplotlib.pyplot", "tqdm", "tqdm.auto")
GRADEKIT_PARENT = str(Path(__file__).resolve().parents[2])
SHARED_ZYGOTE = "GRADEKIT_WORKERS"  # the socket of a batch's warm zygote, shared by its judges
ZYGOTE_BOOTSTRAP = (f"import sys; sys.path.insert(0, {GRADEKIT_PARENT!r}); "
                    "from gradekit.harness.zygote import main, main_shared; {main}")


@dataclass
class Limits:
    """What one worker may use: wall-clock seconds, memory on top of the warm process, CPU threads."""

    seconds: float = 60.0
    memory_bytes: int = 4 * 1024**3
    file_bytes: int = 512 * 1024**2
    threads: int = 1
    sandbox: str = "auto"  # "auto": the strongest confinement the machine allows (sandbox.py); "off": limits only
    processes: int = 256  # processes and threads at once, where the sandbox gives the worker a uid of its own


@dataclass
class Outcome:
    """What came back from one probe call: a value, or why there is none."""

    status: str  # "ok", "error", "timeout", "died", "broken"
    value: object = None
    error: dict = field(default_factory=dict)
    cell_errors: list = field(default_factory=list)
    output: str = ""
    seconds: float = 0.0  # wall time of the whole worker, fork to exit
    compute_seconds: float = 0.0  # time inside the probe: the student's code and the probe's own calls
    exit_code: int | None = None
    loaded: bool = True  # False when the worker never got past running the submission's cells
    tampered: list = field(default_factory=list)  # trusted functions the submission replaced (guard.py)
    sandbox: str = ""  # the confinement the worker got: "namespaces", "uid" or "process"


def preload_for(submission: Submission) -> list[str]:
    """The heavy modules worth importing once in the zygote: torch, plus known ones the submission imports."""
    text = "\n".join(cell.source for cell in submission.cells)
    wanted = [name for name in KNOWN_HEAVY if f"import {name}" in text or f"from {name}" in text
              or f"import {name.split('.')[0]}" in text]
    return list(DEFAULT_PRELOAD) + wanted


class Zygote:
    """A warm process that forks one worker per probe call; restarted if anything kills it."""

    def __init__(self, preload: list[str], python: str = sys.executable, jobs: int = 1) -> None:
        self.preload = preload
        self.jobs = jobs
        self.replies: dict[int, tuple[dict, list[bytes]]] = {}
        self.in_flight: set[int] = set()
        self.python = python
        self.process: subprocess.Popen | None = None
        self.connection: socket.socket | None = None
        self._send_fd = self._reply_fd = -1
        self.scratch = Path(tempfile.mkdtemp(prefix="gradekit-"))
        self.calls = itertools.count(1)
        self._ready = False

    def start(self) -> None:
        """Start the zygote in isolated mode (no user site, no cwd on sys.path) and send the preload list;
        when $GRADEKIT_WORKERS names the socket of a batch's shared zygote, join that one instead."""
        self._ready = False
        self.replies.clear()
        self.in_flight.clear()
        self.scratch.mkdir(parents=True, exist_ok=True)
        shared = os.environ.get(SHARED_ZYGOTE)
        if shared:
            self.connection = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            self.connection.connect(shared)
            self._send_fd = self._reply_fd = self.connection.fileno()
        else:
            self.process = subprocess.Popen(
                [self.python, "-I", "-c", ZYGOTE_BOOTSTRAP.format(main="main()")], stdin=subprocess.PIPE,
                stdout=subprocess.PIPE, env=zygote_environment(), cwd=self.scratch,
            )
            self._send_fd, self._reply_fd = self.process.stdin.fileno(), self.process.stdout.fileno()
        wire.write_frame(self._send_fd, {"preload": self.preload, "jobs": self.jobs})

    def _alive(self) -> bool:
        """Whether the zygote (own or shared) is still there to take requests."""
        if self.connection is not None:
            return True
        return self.process is not None and self.process.poll() is None

    def _wait_ready(self) -> None:
        """Block until the zygote has imported its modules."""
        if not self._ready:
            header, _ = wire.read_frame(self._reply_fd)
            self._ready = bool(header.get("ready"))

    def submit(self, submission: Submission, probe_files: list[Path], probe: str, args: dict,
               limits: Limits, seed: int = 0) -> int:
        """Queue `probe(submission, **args)` for a fresh worker; return the request's id (see `result`)."""
        if not self._alive():
            self.start()
        tree, blobs = wire.encode_args(args)
        number = next(self.calls)
        request = {
            "op": "run",
            "id": number,
            "probe": probe,
            "probe_files": [str(p) for p in probe_files],
            "submission": submission.payload(),
            "args": tree,
            "workdir": str(self.scratch / f"call-{number:04d}"),
            "timeout": limits.seconds,
            "cpu_seconds": int(limits.seconds * max(limits.threads, 1) + 5),
            "memory_bytes": limits.memory_bytes,
            "file_bytes": limits.file_bytes,
            "threads": limits.threads,
            "seed": seed,
            "sandbox": limits.sandbox,
            "processes": limits.processes,
        }
        try:
            wire.write_frame(self._send_fd, request, blobs)
            self.in_flight.add(number)
        except OSError:
            self.stop()
        return number

    def result(self, number: int) -> Outcome:
        """Wait for the reply to request `number` (replies to others are kept for later) and decode it."""
        try:
            self._wait_ready()
            while number not in self.replies:
                if number not in self.in_flight:
                    raise EOFError("the request was lost")
                reply, blobs = wire.read_frame(self._reply_fd)
                self.replies[reply.get("id")] = (reply, blobs)
                self.in_flight.discard(reply.get("id"))
        except (EOFError, OSError, ValueError) as error:
            self.stop()
            return Outcome(status="died", error={"type": "GraderError", "message": f"the worker pool died: {error}"})
        reply, reply_blobs = self.replies.pop(number)
        return self._decode(reply, reply_blobs)

    def call(self, submission: Submission, probe_files: list[Path], probe: str, args: dict,
             limits: Limits, seed: int = 0) -> Outcome:
        """Run `probe(submission, **args)` in a fresh worker and return its decoded outcome."""
        return self.result(self.submit(submission, probe_files, probe, args, limits, seed))

    @staticmethod
    def _decode(reply: dict, reply_blobs: list[bytes]) -> Outcome:
        """Turn the zygote's reply (and the worker's frame inside it) into an Outcome of plain data."""
        outcome = Outcome(status=reply["status"], output=reply.get("output", ""),
                          seconds=reply.get("seconds", 0.0), exit_code=reply.get("exit_code"),
                          loaded=reply.get("loaded", True))
        if reply["status"] != "replied":
            return outcome
        try:
            header, result_blobs = wire.parse_frame(reply_blobs[0])
            outcome.cell_errors = header.get("cell_errors", [])
            outcome.compute_seconds = float(header.get("seconds", 0.0))
            outcome.tampered = [str(name) for name in header.get("tampered") or []]
            outcome.sandbox = str(header.get("sandbox", ""))
            if header.get("status") == "ok":
                outcome.status, outcome.value = "ok", wire.decode(header["result"], result_blobs)
            else:
                outcome.status, outcome.error = "error", dict(header.get("error") or {})
        except (wire.WireError, ValueError, KeyError, TypeError) as error:
            outcome.status, outcome.error = "broken", {"type": "WireError", "message": str(error)}
        return outcome

    def stop(self) -> None:
        """Close the zygote (it exits when its input closes), forget it and remove the scratch folders."""
        shutil.rmtree(self.scratch, ignore_errors=True)
        if self.connection is not None:
            self.connection.close()
            self.connection = None
        if self.process is not None:
            try:
                self.process.stdin.close()
                self.process.wait(timeout=5)
            except (OSError, subprocess.TimeoutExpired):
                self.process.kill()
            self.process = None


def zygote_environment() -> dict:
    """The environment a zygote starts with: the judge's, less pytest's and any secret, with a headless plot backend."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "GRADEKIT_SECRET", SHARED_ZYGOTE))}
    env.setdefault("MPLBACKEND", "Agg")
    return env


def start_shared_zygote(path: Path, jobs: int, preload: list[str], python: str = sys.executable) -> subprocess.Popen:
    """Start one warm zygote serving every judge of a batch on the unix socket `path`; wait until it listens.

    It runs until the returned process's stdin is closed and its last judge has gone.
    """
    call = f"main_shared({str(path)!r}, {int(jobs)}, {list(preload)!r})"
    process = subprocess.Popen([python, "-I", "-c", ZYGOTE_BOOTSTRAP.format(main=call)], stdin=subprocess.PIPE,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=zygote_environment(),
                               cwd=path.parent)
    line = process.stderr.readline()
    if b"ready" not in line:
        process.kill()
        raise RuntimeError(f"the shared worker pool did not start: {line.decode(errors='replace')}")
    return process
