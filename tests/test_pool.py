"""The worker pool keeps calls apart: a worker inherits nothing of another call, a reply it cannot read fails that
call only, the student's process cannot speak for the worker, and the pool comes back if it dies."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest

from gradekit.harness.client import Limits, Zygote
from gradekit.harness.submission import CodeCell, Submission

pytestmark = pytest.mark.slow  # starts worker pools

PROBES = '''
import os, re
import torch
from gradekit.harness.student import student_step

def _tokens_in_memory() -> set:
    """Every classmate-secret token anywhere in this process's memory (every readable mapping)."""
    pattern = re.compile(rb"classmate-secret-[0-9]{4}-[0-9a-f]{8}")
    found = set()
    with open("/proc/self/maps") as maps, open("/proc/self/mem", "rb", 0) as mem:
        for line in maps:
            start, end = (int(x, 16) for x in line.split()[0].split("-"))
            if "r" not in line.split()[1] or end - start > 1 << 30:
                continue
            try:
                mem.seek(start)
                found.update(m.decode() for m in pattern.findall(mem.read(end - start)))
            except (OSError, ValueError, OverflowError):
                continue
    return found

@student_step
def scan(sub):
    """The student's process looks for other calls' secrets in all of its memory, and reports its environment."""
    return {"found": sorted(_tokens_in_memory()), "environ": dict(os.environ), "own": sub.TOKEN}

def garbage(student, kind):
    """Trusted code that writes a malformed frame to the pool: what a broken worker could send."""
    import struct
    deep = b"[" * 100000 + b"]" * 100000
    data = {"list": struct.pack("<Q", 2) + b"[]", "deep": struct.pack("<Q", len(deep)) + deep,
            "huge": struct.pack("<Q", 1 << 40)}[kind]
    for fd in range(3, 64):
        try:
            os.write(fd, data)
        except OSError:
            pass
    os._exit(0)

@student_step
def forge(sub):
    """The student's process writes a frame claiming success on every pipe and socket it holds."""
    from gradekit.harness import wire
    for fd in range(3, 64):
        try:
            wire.write_frame(fd, {"status": "ok", "result": {"value": "forged"}})
        except OSError:
            pass
    return "honest"

def forge_then_verify(student):
    """A probe whose verdict is the worker's own: the student's process cannot reach the worker's pipe."""
    said = student.call(forge)
    return {"said": said, "verdict": "the worker's"}

@student_step
def big_reply(sub, megabytes):
    return torch.zeros(megabytes * 1024 * 256)

@student_step
def fill_scratch(sub, megabytes):
    written = 0
    try:
        for index in range(megabytes):
            with open(f"blob-{index}", "wb") as handle:
                handle.write(b"x" * (1 << 20))
            written += 1
    except OSError as error:
        return {"written": written, "error": type(error).__name__}
    return {"written": written, "error": None}

@student_step
def answer(sub):
    return sub.TOKEN

from gradekit.probe import reference_run

@reference_run
def stamp(n):
    """A reference run whose result tells one run from another."""
    return {"n": n, "stamp": os.urandom(8).hex()}

@student_step
def slow(sub, seconds):
    import time
    time.sleep(seconds)
    return sub.TOKEN
'''


def submission(folder: Path, token: str) -> Submission:
    """A module holding a secret token, padded so its source is large."""
    text = f"TOKEN = {token!r}\n# {'x' * 20000}\n"
    folder.mkdir(parents=True, exist_ok=True)
    return Submission(path=folder / "mod.py", kind="module", module_name="mod", cells=[CodeCell("mod.py", text)])


@pytest.fixture
def probes(tmp_path) -> list[Path]:
    path = tmp_path / "probes.py"
    path.write_text(PROBES)
    return [path]


def test_a_worker_holds_nothing_of_the_calls_queued_beside_it(tmp_path, probes, monkeypatch):
    monkeypatch.setenv("GRADEKIT_SECRET_TOKEN", "the-graders-token-0451")
    monkeypatch.setenv("GITHUB_TOKEN", "ghp_judge_only_0452")
    pool = Zygote(["torch"], jobs=2)
    tokens = [f"classmate-secret-{n:04d}-{os.urandom(4).hex()}" for n in range(6)]
    try:
        others = [pool.submit(submission(tmp_path / f"s{n}", token), probes, "slow", {"seconds": 0.3},
                              Limits(seconds=60)) for n, token in enumerate(tokens[1:])]
        mine = pool.submit(submission(tmp_path / "me", tokens[0]), probes, "scan", {},
                           Limits(seconds=60))
        outcome = pool.result(mine)
        assert outcome.status == "ok", outcome.error
        assert outcome.value["own"] == tokens[0]
        # the student's process was forked from the worker, itself forked from the pool's template: all it
        # inherited is in its memory, and none of it is another call's submission
        assert outcome.value["found"] == [tokens[0]], "the student's process holds another call's submission"
        environment = outcome.value["environ"]
        assert "GRADEKIT_SECRET_TOKEN" not in environment and "GITHUB_TOKEN" not in environment
        assert not [v for v in environment.values() if "0451" in v or "0452" in v]
        assert all(pool.result(number).status == "ok" for number in others)
    finally:
        pool.stop()


@pytest.mark.parametrize("kind", ["list", "deep", "huge"])
def test_a_malformed_reply_fails_its_call_and_the_pool_goes_on(tmp_path, probes, kind):
    pool = Zygote(["torch"], jobs=2)
    try:
        broken = pool.submit(submission(tmp_path / "a", "A"), probes, "garbage", {"kind": kind}, Limits(seconds=30))
        honest = pool.submit(submission(tmp_path / "b", "B"), probes, "answer", {}, Limits(seconds=30))
        assert pool.result(broken).status in ("died", "broken")
        after = pool.result(honest)
        assert after.status == "ok" and after.value == "B", after.error
        again = pool.call(submission(tmp_path / "c", "C"), probes, "answer", {}, Limits(seconds=30))
        assert again.status == "ok" and again.value == "C"
    finally:
        pool.stop()


def test_the_students_process_cannot_speak_for_the_worker(tmp_path, probes):
    pool = Zygote(["torch"], jobs=1)
    try:
        outcome = pool.call(submission(tmp_path / "a", "A"), probes, "forge_then_verify", {}, Limits(seconds=30))
        assert outcome.status == "ok", outcome.error
        # what the student's process says is its own word (its forged frame stands for its step's answer), but
        # the reply the judge reads is the worker's: the forged frame never reached the worker's pipe
        assert outcome.value["verdict"] == "the worker's" and outcome.value["said"] in ("forged", "honest")
    finally:
        pool.stop()


def test_replies_and_files_are_capped(tmp_path, probes):
    pool = Zygote(["torch"], jobs=2)
    try:
        big = pool.call(submission(tmp_path / "a", "A"), probes, "big_reply", {"megabytes": 100}, Limits(seconds=60))
        assert big.status == "error" and "more than 64 MiB" in big.error["message"], big.error
        full = pool.call(submission(tmp_path / "b", "B"), probes, "fill_scratch", {"megabytes": 64},
                         Limits(seconds=60, file_bytes=16 * 1024**2))
        assert full.status == "ok", full.error
        assert full.value["error"] in ("OSError",) and full.value["written"] <= 16
        assert not list(pool.scratch.rglob("blob-*")), "the student's files reached the judge's disk"
    finally:
        pool.stop()


def test_a_pool_that_dies_is_restarted_and_the_call_sent_again(tmp_path, probes):
    pool = Zygote(["torch"], jobs=1)
    try:
        first = pool.call(submission(tmp_path / "a", "A"), probes, "answer", {}, Limits(seconds=30))
        assert first.status == "ok"
        number = pool.submit(submission(tmp_path / "b", "B"), probes, "slow", {"seconds": 1.0}, Limits(seconds=30))
        os.kill(pool.process.pid, signal.SIGKILL)
        outcome = pool.result(number)
        assert outcome.status == "ok" and outcome.value == "B", outcome.error
        assert pool.restarts == 1
    finally:
        pool.stop()


def test_a_reference_run_is_computed_once_for_every_judge_of_a_batch(tmp_path, probes, monkeypatch):
    from gradekit.harness.client import SHARED_ZYGOTE, start_shared_zygote

    socket_path = tmp_path / "workers.sock"
    shared = start_shared_zygote(socket_path, 2, ["torch"])
    monkeypatch.setenv(SHARED_ZYGOTE, str(socket_path))
    judges = [Zygote(["torch"], jobs=2) for _ in range(2)]
    try:
        first = [judge.submit(None, probes, "stamp", {"n": 1}, Limits(seconds=30)) for judge in judges]
        first = [judge.result(number) for judge, number in zip(judges, first)]
        assert all(o.status == "ok" for o in first), [o.error for o in first]
        assert first[0].value == first[1].value  # one run, shared: the same random stamp
        later = judges[1].call(None, probes, "stamp", {"n": 1}, Limits(seconds=30))
        other = judges[1].call(None, probes, "stamp", {"n": 2}, Limits(seconds=30))
        assert later.value == first[0].value and other.value["stamp"] != first[0].value["stamp"]
        refused = judges[0].call(None, probes, "answer", {}, Limits(seconds=30))  # a student step needs a student
        assert refused.status == "error" and "not marked @reference_run" in refused.error["message"]
    finally:
        for judge in judges:
            judge.stop()
        shared.stdin.close()
        shared.wait(timeout=30)


def test_a_submission_that_imports_tensorboard_is_not_taken_for_tampering(tmp_path, probes):
    """torch.utils.tensorboard imports absl, which adds a finder to sys.meta_path: imported for the first time in a
    worker, by the student's code, the integrity guard named it as tampering (lesson 2.2.3's log_history). The pool
    preloads it before its baseline for a submission that names tensorboard."""
    from gradekit.harness.client import preload_for

    text = "from torch.utils.tensorboard import SummaryWriter\nTOKEN = 'T'\n"
    (tmp_path / "s").mkdir()
    student = Submission(path=tmp_path / "s" / "mod.py", kind="module", module_name="mod",
                         cells=[CodeCell("mod.py", text)])
    assert "torch.utils.tensorboard" in preload_for(student)
    assert "torch.utils.tensorboard" not in preload_for(submission(tmp_path / "plain", "P"))
    pool = Zygote(preload_for(student), jobs=1)
    try:
        outcome = pool.call(student, probes, "answer", {}, Limits(seconds=60))
        assert outcome.status == "ok" and outcome.value == "T", outcome.error
        assert outcome.tampered == [], outcome.tampered
    finally:
        pool.stop()


def test_the_pool_imports_what_torch_would_import_lazily_in_each_worker(tmp_path):
    """The simulated GPU's first operation imports torch.distributed.tensor (its tensors dispatch in Python), an
    optimizer imports torch._dynamo: each is imported once in the pool where a lesson's probes or code use it, and
    the simulated GPU alone no longer costs a lesson torch._dynamo (a second of every 2.1.1 grading)."""
    from gradekit.harness.client import preload_for

    plain = submission(tmp_path / "plain", "P")
    simulated = preload_for(plain, "from gradekit.course.simcuda import accelerator\n")
    assert "torch.distributed.tensor" in simulated and "torch._dynamo" not in simulated
    (tmp_path / "s").mkdir()
    training = Submission(path=tmp_path / "s" / "mod.py", kind="module", module_name="mod",
                          cells=[CodeCell("mod.py", "import torch\nopt = torch.optim.SGD([], lr=0.1)\n")])
    assert "torch._dynamo" in preload_for(training)
    assert not {"torch._dynamo", "torch.distributed.tensor"} & set(preload_for(plain))
