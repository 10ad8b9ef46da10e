"""The worker pool: many calls queued ahead never deadlock, replies come back in any order, limits hold."""

from __future__ import annotations

import ctypes
import json
import os
import time
from pathlib import Path

import numpy as np
import pytest

from gradekit.harness.client import Limits, Zygote
from gradekit.harness.submission import CodeCell, Submission

pytestmark = pytest.mark.slow  # starts worker pools

PROBES = '''
import torch
from gradekit.harness.student import student_step

@student_step
def echo(sub, n):
    return {"n": n, "tensor": torch.ones(64, 1024) * n, "answer": sub.answer()}

@student_step
def sleep_forever(sub):
    import time
    while True:
        time.sleep(1)
'''


def submission(tmp_path: Path, padding: int) -> Submission:
    """A module defining answer(), padded with a long comment so each request is large."""
    text = "# " + "x" * padding + "\ndef answer():\n    return 42\n"
    return Submission(path=tmp_path / "mod.py", kind="module", module_name="mod", cells=[CodeCell("mod.py", text)])


def test_many_large_calls_queued_before_any_reply_is_read(tmp_path):
    probes = tmp_path / "probes.py"
    probes.write_text(PROBES)
    pool = Zygote(["torch"], jobs=2)
    try:
        numbers = [pool.submit(submission(tmp_path, 200_000), [probes], "echo", {"n": n}, Limits(seconds=60))
                   for n in range(40)]
        for n, number in reversed(list(enumerate(numbers))):
            outcome = pool.result(number)
            assert outcome.status == "ok", outcome.error
            assert outcome.value["n"] == n and outcome.value["answer"] == 42
            assert np.all(outcome.value["tensor"].array == n)
    finally:
        pool.stop()


def test_a_call_past_its_time_limit_is_killed_and_the_pool_goes_on(tmp_path):
    probes = tmp_path / "probes.py"
    probes.write_text(PROBES)
    pool = Zygote(["torch"], jobs=2)
    try:
        slow = pool.submit(submission(tmp_path, 10), [probes], "sleep_forever", {}, Limits(seconds=1))
        fast = pool.submit(submission(tmp_path, 10), [probes], "echo", {"n": 1}, Limits(seconds=60))
        assert pool.result(fast).status == "ok"
        assert pool.result(slow).status == "timeout"
    finally:
        pool.stop()


LOADED = '''
import sys
from gradekit.harness.student import student_step

@student_step
def loaded(sub, name):
    return {"loaded": name in sys.modules}
'''


def test_a_pool_told_later_imports_the_module_before_its_next_worker(tmp_path):
    """The judge starts its pool before it knows the submission; `configure` adds the submission's heavy imports
    (torchvision for 2.3.1), which the template takes before forking any later worker."""
    probes = tmp_path / "probes.py"
    probes.write_text(LOADED)
    sub = submission(tmp_path, 0)
    pool = Zygote(["torch"], jobs=1)
    try:
        before = pool.call(sub, [probes], "loaded", {"name": "colorsys"}, Limits(seconds=60))
        pool.configure(["colorsys"], jobs=2)
        after = pool.call(sub, [probes], "loaded", {"name": "colorsys"}, Limits(seconds=60))
    finally:
        pool.stop()
    assert before.status == after.status == "ok", (before.error, after.error)
    assert before.value == {"loaded": False} and after.value == {"loaded": True}
    assert pool.preload == ["torch", "colorsys"] and pool.jobs == 2


def test_a_later_import_in_the_template_is_part_of_the_trusted_baseline():
    """What a module imported after the first baseline changes in a trusted one (torchvision imports torch._dynamo)
    must not read as the submission's tampering: the template takes the baseline anew (`prepare(again=True)`)."""
    import json

    from gradekit.harness import guard

    original = json.dumps
    guard.prepare()
    try:
        json.dumps = lambda *args, **kwargs: "changed by a trusted import"
        guard.prepare(again=True)
        assert guard.baseline().restore() == [] and json.dumps is not original
        json.dumps = original  # the submission's doing, from now on
        assert guard.baseline().restore() == ["json.dumps"]
    finally:
        json.dumps = original
        guard.prepare(again=True)


def test_torch_importing_dynamo_in_a_worker_is_not_read_as_tampering():
    """Building an optimizer imports torch._dynamo, which wraps torch.manual_seed in torch's own `_disable_dynamo`:
    where the pool did not preload it (a lesson whose code builds no optimizer), that is torch, not the
    submission; a wrapper of the submission's own around the same function is still named and undone."""
    import subprocess
    import sys
    import textwrap

    script = textwrap.dedent('''
        import functools, sys, torch
        from gradekit.harness import guard
        guard.prepare()
        assert "torch._dynamo" not in sys.modules
        original = torch.manual_seed
        torch.optim.SGD(torch.nn.Linear(2, 1).parameters(), lr=0.1)
        assert "torch._dynamo" in sys.modules and torch.manual_seed is not original
        print(guard.baseline().restore())
        torch.manual_seed = functools.wraps(original)(lambda seed: original(0))
        print(guard.baseline().restore(), torch.manual_seed is original)
    ''')
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split("\n")[:2] == ["[]", "['torch.manual_seed'] True"]


def hopping_daemon_swept(note_folder: str) -> dict:
    """In a supervisor process (a child subreaper, so the daemon's dead generations are reaped, never left as
    zombies of the machine's init): a worker drops to its uid and starts a daemon that forks a new pid and exits, over
    and over, writing a note in `note_folder`; then `_sweep_uid` runs. What was alive, and left, before and after."""
    from gradekit.harness.sandbox import UID_BASE
    from gradekit.harness.zygote import _processes_of, _sweep_uid

    report_read, report_write = os.pipe()
    supervisor = os.fork()
    if supervisor == 0:
        try:
            ctypes.CDLL(None, use_errno=True).prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER
            ready_read, ready_write = os.pipe()
            worker = os.fork()
            if worker == 0:
                uid = UID_BASE + os.getpid()
                os.setgroups([])
                os.setresgid(uid, uid, uid)
                os.setresuid(uid, uid, uid)
                if os.fork() == 0:
                    os.setsid()
                    while True:
                        with open(os.path.join(note_folder, f"gradekit-sweep-test-{uid}"), "w") as handle:
                            handle.write("left for the next worker")
                        if os.fork() != 0:
                            os._exit(0)
                os.write(ready_write, b"x")
                os._exit(0)
            os.read(ready_read, 1)
            uid = UID_BASE + worker
            note = Path(note_folder, f"gradekit-sweep-test-{uid}")
            time.sleep(0.2)
            before = {"note": note.exists(), "generation_seen": bool(_processes_of(uid))}
            _sweep_uid(worker)
            time.sleep(0.2)
            after = {"alive": _processes_of(uid), "note": note.exists()}
            if os.fork() == 0:  # whatever the sweep left goes, so no daemon outlives the test: kill(-1) as the uid
                os.setresuid(uid, uid, uid)
                os.kill(-1, 9)
                os._exit(0)
            os.write(report_write, json.dumps({"before": before, "after": after}).encode())
        finally:
            while True:
                try:
                    os.waitpid(-1, 0)
                except ChildProcessError:
                    break
            os._exit(0)
    os.close(report_write)
    with os.fdopen(report_read, "rb") as report:
        data = report.read()
    os.waitpid(supervisor, 0)
    return json.loads(data)


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0, reason="dropping to a worker's uid needs root")
def test_the_uid_sweep_stops_a_daemon_that_keeps_changing_its_pid():
    """One look at /proc always misses the newest pid of a daemon that forks and exits in a loop (a worker confined
    by its uid alone can start one): the sweep leaves no process of the worker's uid, and then no note in /tmp."""
    for attempt in range(8):  # a scan of /proc catches the daemon now and then: one sweep proves little
        seen = hopping_daemon_swept("/tmp")
        assert seen["before"]["note"], f"the daemon never ran: the test proves nothing ({seen})"
        assert seen["after"] == {"alive": [], "note": False}, f"sweep {attempt + 1}: {seen}"
