"""The judge's side of the worker protocol: start the zygote, send probe calls, decode plain replies."""

from __future__ import annotations

import itertools
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from . import wire
from .submission import Submission

# numpy.random too: every worker seeds it (guard.reset_torch_state), which would import it afresh in each fork
# torch._dynamo wraps torch.manual_seed and friends when first imported (by torchvision, by building an optimizer):
# imported before the integrity baseline, so a trusted lazy import never reads as the student tampering.
DEFAULT_PRELOAD = ("torch", "torch.nn", "torch.optim", "torch.utils.data", "numpy.random")
KNOWN_HEAVY = ("torchvision", "numpy", "matplotlib", "matplotlib.pyplot", "tqdm", "tqdm.auto")
# torch imports torch._dynamo (about a second) the first time code builds an optimizer, enters a dispatch mode
# or compiles: worth importing once in the pool where a lesson's code or its probes do, not in every worker. The
# simulated GPU's tensors (a subclass with __torch_dispatch__) make torch import torch.distributed.tensor (half a
# second) at their first operation: once in the pool, not in each worker that uses the simulated GPU.
IMPORTED_BY_TORCH = {"torch._dynamo": ("optim", "torch_dispatch", "TorchDispatchMode", "compile("),
                     "torch.distributed.tensor": ("simcuda",)}
# torch.utils.tensorboard imports absl, which adds a finder to sys.meta_path: imported for the first time in a
# worker by a submission (2.2.3's SummaryWriter), that read as tampering; imported in the pool, before the
# integrity baseline, it does not.
HOOKS_IMPORTS = {"torch.utils.tensorboard": ("tensorboard",)}
GRADEKIT_PARENT = str(Path(__file__).resolve().parents[2])
SHARED_ZYGOTE = "GRADEKIT_WORKERS"  # the socket of a batch's warm zygote, shared by its judges
ENVIRONMENT = ("PATH", "HOME", "LANG", "LANGUAGE", "TZ", "TERM", "MPLBACKEND", "CUDA_VISIBLE_DEVICES",
               "CUDA_DEVICE_ORDER", "LD_LIBRARY_PATH", "OMP_NUM_THREADS", "MKL_NUM_THREADS", "TMPDIR")
ENVIRONMENT_PREFIXES = ("LC_", "NVIDIA_")
REPLY_LIMITS = wire.Limits(header=16 * 1024 * 1024, blobs=256 * 1024 * 1024)
MAX_RESTARTS = 1
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


def preload_for(submission: Submission, probes: str = "") -> list[str]:
    """The heavy modules worth importing once in the zygote: torch, known ones the submission imports, and
    those torch imports itself for what the submission or the lesson's probes (their source) do."""
    text = "\n".join(cell.source for cell in submission.cells)
    wanted = [name for name in KNOWN_HEAVY if f"import {name}" in text or f"from {name}" in text
              or f"import {name.split('.')[0]}" in text]
    wanted += [name for name, signs in {**IMPORTED_BY_TORCH, **HOOKS_IMPORTS}.items()
               if any(sign in text or sign in probes for sign in signs)]
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
        self.sent: dict[int, tuple[dict, list[bytes]]] = {}  # requests in flight, resent once if the pool dies
        self.restarts = 0
        self._ready = False

    def start(self) -> None:
        """Start the zygote in isolated mode (no user site, no cwd on sys.path) and send the preload list;
        when $GRADEKIT_WORKERS names the socket of a batch's shared zygote, join that one instead."""
        self._ready = False
        self.replies.clear()
        self.in_flight.clear()
        self.scratch.mkdir(parents=True, exist_ok=True)
        os.chmod(self.scratch, 0o711)  # workers (each its own uid) reach their own folder in it, list nothing
        shared = os.environ.get(SHARED_ZYGOTE) if not self.restarts else None
        if shared:
            self.connection = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            self.connection.connect(shared)
            self._send_fd = self._reply_fd = self.connection.fileno()
        else:
            self.process = subprocess.Popen(
                [self.python, "-I", "-c", ZYGOTE_BOOTSTRAP.format(main="main()")], stdin=subprocess.PIPE,
                stdout=subprocess.PIPE, env=zygote_environment(self.scratch), cwd=self.scratch,
            )
            self._send_fd, self._reply_fd = self.process.stdin.fileno(), self.process.stdout.fileno()
        wire.write_frame(self._send_fd, {"preload": self.preload, "jobs": self.jobs})

    def configure(self, preload: list[str] = (), jobs: int | None = None) -> None:
        """Tell a pool that is already starting what the run learned since: more modules worth importing once
        before the first worker (the submission's torchvision, say) and how many workers may run at once (a
        batch's shared pool keeps its own number)."""
        extra = [name for name in dict.fromkeys(preload) if name not in self.preload]
        if not extra and jobs in (None, self.jobs):
            return
        self.preload = [*self.preload, *extra]
        self.jobs = self.jobs if jobs is None else jobs
        if self.process is None and self.connection is None:
            return  # not started: `start` sends both
        try:
            wire.write_frame(self._send_fd, {"op": "configure", "preload": extra, "jobs": self.jobs})
        except OSError:
            pass  # the pool is gone: `result` restarts it, with both

    def _wait_ready(self) -> None:
        """Block until the zygote has imported its modules."""
        if not self._ready:
            header, _ = wire.read_frame(self._reply_fd, REPLY_LIMITS)
            self._ready = bool(header.get("ready"))

    def submit(self, submission: Submission | None, probe_files: list[Path], probe: str, args: dict,
               limits: Limits, seed: int = 0) -> int:
        """Queue `probe(submission, **args)` for a fresh worker; return the request's id (see `result`).

        Without a submission the probe is a @reference_run: the grader's code alone, the same for every
        submission, so a batch's pool answers it once for all its judges (`cache`).
        """
        if self.process is None and self.connection is None:
            self.start()  # a pool that died later is restarted by `result`, which sends what it lost again
        tree, blobs = wire.encode_args(args)
        number = next(self.calls)
        workdir = self.scratch / f"call-{number:04d}-{secrets.token_hex(6)}"
        request = {
            "op": "run",
            "id": number,
            "probe": probe,
            "probe_files": [str(p) for p in probe_files],
            "submission": submission.payload() if submission is not None else
            {"module_name": "reference", "filename": str(workdir / "reference.py"), "cells": []},
            "args": tree,
            "workdir": str(workdir),
            "timeout": limits.seconds,
            "cpu_seconds": int(limits.seconds * max(limits.threads, 1) + 5),
            "memory_bytes": limits.memory_bytes,
            "file_bytes": limits.file_bytes,
            "threads": limits.threads,
            "seed": seed,
            "sandbox": limits.sandbox,
            "processes": limits.processes,
        }
        if submission is None:
            request.update(reference=True, cache=reference_key(probe_files, probe, tree, blobs))
        self.sent[number] = (request, blobs)
        self.in_flight.add(number)
        try:
            wire.write_frame(self._send_fd, request, blobs)
        except OSError:
            pass  # the pool is gone: `result` restarts it and sends the request again
        return number

    def result(self, number: int) -> Outcome:
        """Wait for the reply to request `number` (replies to others are kept for later) and decode it.

        If the pool itself dies, it is started again and every call still in flight is sent once more.
        """
        while True:
            try:
                self._wait_ready()
                while number not in self.replies:
                    if number not in self.in_flight:
                        raise EOFError("the request was lost")
                    reply, blobs = wire.read_frame(self._reply_fd, REPLY_LIMITS)
                    key = reply.get("id")
                    if key in self.in_flight:
                        self.replies[key] = (reply, blobs)
                        self.in_flight.discard(key)
                        self.sent.pop(key, None)
                break
            except (EOFError, OSError, ValueError, RecursionError) as error:
                if self.restarts >= MAX_RESTARTS or number not in self.sent:
                    self._close_pool()
                    return Outcome(status="died", error={"type": "GraderError",
                                                         "message": f"the worker pool died: {error}"})
                self._restart()
        reply, reply_blobs = self.replies.pop(number)
        return self._decode(reply, reply_blobs)

    def _restart(self) -> None:
        """Start a fresh pool of our own and send it every request still waiting for its reply."""
        waiting = dict(self.sent)
        self._close_pool()
        self.restarts += 1
        self.start()
        for number, (request, blobs) in sorted(waiting.items()):
            self.in_flight.add(number)
            self.sent[number] = (request, blobs)
            try:
                wire.write_frame(self._send_fd, request, blobs)
            except OSError:
                pass

    def call(self, submission: Submission, probe_files: list[Path], probe: str, args: dict,
             limits: Limits, seed: int = 0) -> Outcome:
        """Run `probe(submission, **args)` in a fresh worker and return its decoded outcome."""
        return self.result(self.submit(submission, probe_files, probe, args, limits, seed))

    @staticmethod
    def _decode(reply: dict, reply_blobs: list[bytes]) -> Outcome:
        """Turn the pool's reply (and the worker's frame inside it) into an Outcome of plain data."""
        try:
            return _outcome(reply, reply_blobs)
        except Exception as error:  # noqa: BLE001 - a reply that cannot be read fails this call, nothing else
            return Outcome(status="died", error={"type": "GraderError", "message": f"an unreadable reply ({error})"})

    def stop(self) -> None:
        """Close the pool (it exits when its input closes), forget it and remove the scratch folders."""
        self.close_input()
        shutil.rmtree(self.scratch, ignore_errors=True)  # while the pool exits
        self._close_pool()

    def close_input(self) -> None:
        """Tell the pool no more calls come: it exits once every reply is written (`stop` waits for that)."""
        if self.connection is not None:
            self.connection.close()
            self.connection = None
        if self.process is not None:
            try:
                self.process.stdin.close()
            except OSError:
                pass

    def _close_pool(self) -> None:
        self.close_input()
        if self.process is not None:
            try:
                self.process.wait(timeout=5)
            except (OSError, subprocess.TimeoutExpired):
                self.process.kill()
            self.process = None


def reference_key(probe_files: list[Path], probe: str, tree: dict, blobs: list[bytes]) -> str:
    """What identifies a reference run: the probe files' contents, the probe and its arguments."""
    import hashlib
    import json

    digest = hashlib.sha256(json.dumps([probe, tree], sort_keys=True).encode())
    for path in probe_files:
        digest.update(hashlib.sha256(Path(path).read_bytes()).digest())
    for blob in blobs:
        digest.update(hashlib.sha256(blob).digest())
    return digest.hexdigest()


def zygote_environment(scratch: Path) -> dict:
    """The environment of the pool and every worker: an allow-list of the judge's (no token or secret can pass),
    with temporary files (torch's caches among them) in the pool's own scratch, removed with it."""
    env = {k: v for k, v in os.environ.items() if k in ENVIRONMENT or k.startswith(ENVIRONMENT_PREFIXES)}
    env.setdefault("PATH", os.defpath)
    env["MPLBACKEND"] = "Agg"
    env["TMPDIR"] = str(scratch)
    return env


def _outcome(reply: dict, reply_blobs: list[bytes]) -> Outcome:
    """An Outcome from the pool's reply: the worker's frame when it replied, else how the call ended."""
    status = reply.get("status")
    outcome = Outcome(status=status if status in ("timeout", "died") else "died", output=str(reply.get("output", "")),
                      seconds=float(reply.get("seconds") or 0.0), exit_code=reply.get("exit_code"),
                      loaded=bool(reply.get("loaded", True)))
    if status == "broken":
        outcome.error = {"type": "GraderError", "message": str(reply.get("message", ""))[:500]}
    if status != "replied":
        return outcome
    header, result_blobs = wire.parse_frame(reply_blobs[0], REPLY_LIMITS)
    outcome.cell_errors = [e for e in header.get("cell_errors") or [] if type(e) is dict][:50]
    outcome.compute_seconds = float(header.get("seconds", 0.0))
    outcome.tampered = [str(name) for name in header.get("tampered") or []][:50]
    outcome.sandbox = str(header.get("sandbox", ""))[:20]
    inner = header.get("status")
    if inner == "ok":
        outcome.status, outcome.value = "ok", wire.decode(header.get("result"), result_blobs)
    elif inner == "died":
        outcome.status, outcome.exit_code = "died", header.get("exit_code")
        outcome.loaded = not header.get("while_loading")
    elif inner == "broken":
        outcome.status, outcome.error = "broken", {"type": "WireError", "message": str(header.get("message", ""))}
    else:
        outcome.status, outcome.error = "error", dict(header.get("error") or {})
    return outcome


def start_shared_zygote(path: Path, jobs: int, preload: list[str], python: str = sys.executable) -> subprocess.Popen:
    """Start one warm zygote serving every judge of a batch on the unix socket `path`; wait until it listens.

    It runs until the returned process's stdin is closed and its last judge has gone.
    """
    call = f"main_shared({str(path)!r}, {int(jobs)}, {list(preload)!r})"
    process = subprocess.Popen([python, "-I", "-c", ZYGOTE_BOOTSTRAP.format(main=call)], stdin=subprocess.PIPE,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=zygote_environment(path.parent),
                               cwd=path.parent)
    line = process.stderr.readline()
    if b"ready" not in line:
        process.kill()
        raise RuntimeError(f"the shared worker pool did not start: {line.decode(errors='replace')}")
    return process
