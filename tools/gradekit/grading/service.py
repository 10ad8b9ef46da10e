"""A grading service: one warm worker pool and one judge server kept for many separate gradings.

`gradekit verify` grades each lesson's reference and starter, and the project's tests grade lessons again and again;
each `pytest graders/<lesson>` run would import torch for its own pool and pytest for its judge. Gradings that go
through a service join its pool (as a batch's judges do) and are forked warm by its judge server; each is still a
`pytest graders/<lesson>` run of its own, with its own submission, report and feedback.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import threading
from pathlib import Path

from ..harness.client import DEFAULT_PRELOAD, SHARED_ZYGOTE, start_shared_zygote
from ..harness.warm_judges import WarmJudges, kill_judge, start_judge, start_warm_judges

LOG_TAIL_BYTES = 256 << 10  # the end of a judge's output kept
JOBS = 2  # workers at once, as a lone `pytest graders/<lesson>` has by default


class GradingService:
    """Start with `with GradingService(root) as service:`; `service.run(command, timeout)` grades. Its folder is
    the scratch of what it grades: entered by workers, listed by no one."""

    def __init__(self, root: Path, jobs: int = JOBS, warm_judges: bool = True, prefix: str = "gradekit-service-") -> None:
        self.root, self.jobs, self.warm_judges = root, jobs, warm_judges
        self.folder = Path(tempfile.mkdtemp(prefix=prefix))
        os.chmod(self.folder, 0o711)  # workers with a uid of their own pass through, list nothing
        self.socket = self.folder / "workers.sock"
        self.pool: subprocess.Popen | None = None
        self.judges: WarmJudges | None = None

    def __enter__(self) -> GradingService:
        try:
            self.pool = start_shared_zygote(self.socket, self.jobs, [*DEFAULT_PRELOAD, "torchvision"])
            self.judges = start_warm_judges(self.root, dict(os.environ)) if self.warm_judges else None
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def run(self, command: list[str], timeout: float, env: dict | None = None) -> tuple[int | None, bytes]:
        """Run a judge's command line (`python -m pytest graders/...`) in the course folder, joining the service's
        pool, with `env` (default: this process's); its exit code and the end of its output (see run_judge)."""
        return run_judge(command, self.root, {**(os.environ if env is None else env), SHARED_ZYGOTE: str(self.socket)},
                         timeout, self.judges)

    def close(self) -> None:
        if self.judges is not None:
            self.judges.stop()
            self.judges = None
        if self.pool is not None:
            self.pool.stdin.close()
            try:
                self.pool.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.pool.kill()
                self.pool.wait()
            self.pool = None
        shutil.rmtree(self.folder, ignore_errors=True)


def run_judge(command: list[str], cwd: Path, env: dict, timeout: float,
              warm: WarmJudges | None = None) -> tuple[int | None, bytes]:
    """Run a judge in a session of its own, forked by `warm` (a judge server) where it can; its exit code (None
    when the timeout killed its whole session) and the last LOG_TAIL_BYTES of its output."""
    read, write = os.pipe()
    tail = bytearray()
    reader = threading.Thread(target=_keep_tail, args=(os.fdopen(read, "rb"), tail), name="gradekit-judge-log",
                              daemon=True)
    reader.start()
    try:
        process = start_judge(command, cwd, env, write, warm)
    finally:
        os.close(write)
    try:
        exit_code = process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        kill_judge(process)
        process.wait()
        exit_code = None
    reader.join(timeout=10)
    return exit_code, bytes(tail)


def _keep_tail(stream, tail: bytearray) -> None:
    """Read `stream` to its end, keeping only its last LOG_TAIL_BYTES in `tail`."""
    with stream:
        while chunk := stream.read1(1 << 16):
            tail += chunk
            del tail[:-LOG_TAIL_BYTES]
