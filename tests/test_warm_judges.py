"""Warm judges (harness/warm_judges.py): a judge forked by the batch's server is what a fresh `python -m pytest` would
be — its own arguments, environment, folder and session, its output and exit code — its timeout kills everything it
started, nothing of one judge reaches the next, and a batch whose server dies still grades every submission."""

from __future__ import annotations

import json
import os
import signal
import time
from pathlib import Path

import pytest

from gradekit.grading.batch import GradeOptions, grade_batch
from gradekit.grading.service import run_judge
from gradekit.harness.warm_judges import PYTEST, ServerGone, WarmJudges
from gradekit.verify import solved_module

ROOT = Path(__file__).resolve().parents[1]

# A test file a judge runs: it records what its process looks like, and can leave a child behind or hang.
RECORDER = '''
import json, os, subprocess, sys, time

def test_records_its_process():
    mode = os.environ.get("MODE", "")
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"]) if mode == "hang" else None
    with open(os.environ["RECORD"], "w") as handle:
        json.dump({"cwd": os.getcwd(), "env": dict(os.environ), "pid": os.getpid(), "session": os.getsid(0),
                   "child": child.pid if child else None, "stdin": sys.stdin.read()}, handle)
    print("LAST WORDS of", os.environ["WHO"], flush=True)
    if mode == "hang":
        time.sleep(60)
    assert mode != "fail"
'''


@pytest.fixture
def server():
    judges = WarmJudges(ROOT, {**os.environ, "SERVER_ONLY": "the batch's own"})
    yield judges
    judges.stop()


def judged(server: WarmJudges, tmp_path: Path, who: str, timeout: float = 60, **env) -> tuple[int | None, bytes, dict]:
    """Run RECORDER in a warm judge from its own folder; its exit code, output and record."""
    folder = tmp_path / who
    folder.mkdir()
    (folder / "test_recorder.py").write_text(RECORDER)
    record = folder / "record.json"
    environment = {"PATH": os.environ["PATH"], "WHO": who, "RECORD": str(record), **env}
    command = [*PYTEST, "test_recorder.py", "-q", "-p", "no:cacheprovider", "-s"]
    code, output = run_judge(command, folder, environment, timeout, server)
    return code, output, json.loads(record.read_text()) if record.exists() else {}


def alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] not in ("Z", "X")
    except (FileNotFoundError, ProcessLookupError):
        return False


def test_a_warm_judge_has_its_own_folder_environment_session_and_output(server, tmp_path):
    code, output, record = judged(server, tmp_path, "first", EXTRA="only-for-the-first")
    assert code == 0, output
    assert record["cwd"] == str(tmp_path / "first")
    assert record["env"]["EXTRA"] == "only-for-the-first" and "SERVER_ONLY" not in record["env"]
    assert record["session"] == record["pid"] != os.getsid(0), "a session of its own, as start_new_session gives"
    assert record["stdin"] == ""
    assert b"LAST WORDS of first" in output and b"1 passed" in output

    code, output, second = judged(server, tmp_path, "second", MODE="fail")
    assert code == 1 and b"1 failed" in output
    assert "EXTRA" not in second["env"], "nothing of one judge's environment reaches the next"
    assert second["pid"] != record["pid"]


def test_a_warm_judge_past_its_timeout_dies_with_everything_it_started(server, tmp_path):
    started = time.monotonic()
    code, output, record = judged(server, tmp_path, "slow", timeout=4, MODE="hang")
    assert code is None and time.monotonic() - started < 20
    assert b"LAST WORDS of slow" in output  # what it printed before the timeout is kept
    deadline = time.monotonic() + 5
    while (alive(record["pid"]) or alive(record["child"])) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not alive(record["pid"]) and not alive(record["child"])
    assert judged(server, tmp_path, "after", timeout=60)[0] == 0, "the server goes on after a timeout"


def test_a_judge_whose_server_died_runs_afresh(server, tmp_path):
    os.kill(server.process.pid, signal.SIGKILL)
    server.process.wait()
    time.sleep(0.2)
    null = os.open(os.devnull, os.O_WRONLY)
    try:
        with pytest.raises(ServerGone):
            server.start(["--version"], ROOT, dict(os.environ), null)
    finally:
        os.close(null)
    code, output, record = judged(server, tmp_path, "orphan")
    assert code == 0 and b"LAST WORDS of orphan" in output, "run_judge started it as a process of its own"


@pytest.mark.slow
def test_warm_and_fresh_judges_grade_alike(tmp_path):
    """The same submissions graded with warm judges and with a fresh process per judge: the same checks, statuses,
    points and messages."""
    lesson = "2_1_2"
    (tmp_path / "reference").mkdir()
    reference = solved_module(ROOT, lesson, tmp_path / "reference")
    starter = tmp_path / "starter" / reference.name
    starter.parent.mkdir()
    starter.write_text((ROOT / "assignments" / lesson / reference.name).read_text())

    def graded(warm: bool) -> list:
        grades = grade_batch(ROOT, lesson, [reference.parent, starter.parent], tmp_path / f"out-{warm}",
                             GradeOptions(warm_judges=warm))
        return [[(c.name, c.status, c.points, c.message) for c in g.checks] + [g.score] for g in grades]

    warm, fresh = graded(True), graded(False)
    assert warm == fresh
    assert warm[0][-1] > 0 and warm[1][-1] == 0
