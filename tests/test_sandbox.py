"""The worker's sandbox holds against a submission that attacks the grading: each cell below tries one attack,
a probe reports what it saw, and the test asserts the defence (or, where this machine lacks a layer, the
fallback it reports). A control run with the sandbox off shows each attack would otherwise have worked."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from gradekit.harness import sandbox
from gradekit.harness.client import Limits, Zygote
from gradekit.harness.submission import CodeCell, Submission

pytestmark = pytest.mark.slow  # starts a worker pool and confines its workers

ROOT = Path(__file__).resolve().parents[1]
GRADER_FILE = ROOT / "graders" / "2_3_1" / "probes.py"
SOLUTION_FILE = next((ROOT / "solutions" / "2_3_1").glob("*.py"))

PROBES = '''
import os, socket, sys, time
import torch
from gradekit.harness.student import student_step

@student_step
def read(sub, paths):
    """Try to read each path; say what happened."""
    seen = {}
    for path in paths:
        try:
            with open(path, "rb") as handle:
                seen[path] = len(handle.read())
        except OSError as error:
            seen[path] = type(error).__name__
    return seen

@student_step
def write(sub, paths):
    """Try to create (or delete, for `rm:` paths) each path; say what happened."""
    done = {}
    for path in paths:
        try:
            if path.startswith("rm:"):
                os.remove(path[3:])
            else:
                with open(path, "w") as handle:
                    handle.write("forged")
            done[path] = "ok"
        except OSError as error:
            done[path] = type(error).__name__
    return done

@student_step
def who(sub):
    import torch.distributions  # a lazy import after the view narrowed: the venv stays visible
    return {"uid": os.getuid(), "pid": os.getpid(), "folder": str(sub.folder),
            "artifact": (sub.folder / "artifact.bin").read_bytes().decode(), "root": sorted(os.listdir("/"))}

@student_step
def connect(sub, port):
    """Reach the judge's listener on the loopback; list the interfaces this process has."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=2):
            reached = "connected"
    except OSError as error:
        reached = type(error).__name__
    try:
        interfaces = [name for _, name in socket.if_nameindex()]
    except OSError as error:
        interfaces = [type(error).__name__]
    return {"reached": reached, "interfaces": interfaces}

@student_step
def unix_pair(sub):
    a, b = socket.socketpair()
    a.sendall(b"ok")
    return b.recv(2).decode()

@student_step
def remount(sub):
    """Try to make the read-only submission folder writable, or to unmount it and see what is beneath."""
    import ctypes
    libc = ctypes.CDLL(None, use_errno=True)
    folder = str(sub.folder).encode()
    tries = {"remount": libc.mount(None, folder, None, 32 | 4096, None), "umount": libc.umount2(folder, 2)}
    return {name: "refused" if result != 0 else "done" for name, result in tries.items()}

@student_step
def call(sub, name, args=()):
    return getattr(sub, name)(*args)

@student_step
def state(sub):
    """What the probe sees of torch's global state and trusted functions."""
    return {"dtype": str(torch.get_default_dtype()), "grad": torch.is_grad_enabled(),
            "randn": torch.randn(3).tolist(), "rand": torch.rand(2).tolist(),
            "allclose": bool(torch.allclose(torch.ones(2), torch.zeros(2))),
            "add": (torch.ones(1) + torch.ones(1)).tolist()}
'''

ATTACKS = {
    "honest": "def answer():\n    return 42\n",
    "state": (
        "import torch, random\n"
        "torch.set_default_dtype(torch.float64)\n"
        "torch.set_grad_enabled(False)\n"
        "torch.manual_seed(1234); torch.rand(100)\n"
    ),
    "patch": (
        "import torch\n"
        "torch.allclose = lambda *a, **k: True\n"
        "torch.randn = lambda *a, **k: torch.zeros(*a)\n"
        "torch.Tensor.__add__ = lambda self, other: self * 0\n"
    ),
    "daemon": (
        "import os, time\n"
        "def spawn(mark):\n"
        "    if os.fork() == 0:\n"
        "        os.setsid()\n"
        "        if os.fork() == 0:\n"
        "            time.sleep(1.5)\n"
        "            with open(mark, 'w') as f:\n"
        "                f.write('I outlived the worker')\n"
        "        os._exit(0)\n"
        "    return 'spawned'\n"
    ),
    "bomb": (
        "import os, time\n"
        "def bomb():\n"
        "    forks = 0\n"
        "    while forks < 2000:\n"
        "        try:\n"
        "            if os.fork() == 0:\n"
        "                time.sleep(60)\n"
        "                os._exit(0)\n"
        "        except OSError as error:\n"
        "            return {'forks': forks, 'error': type(error).__name__}\n"
        "        forks += 1\n"
        "    return {'forks': forks, 'error': None}\n"
    ),
    "flood": (
        "import os\n"
        "for i in range(20000):\n"
        "    print('flood line', i, 'x' * 200)\n"
        "print('the last line')\n"
        "def quiet():\n"
        "    return 'quiet'\n"
        "def raw():\n"
        "    try:\n"
        "        for _ in range(64):\n"
        "            os.write(1, b'y' * 65536)\n"
        "    except OSError as error:\n"
        "        return type(error).__name__\n"
        "    return 'wrote 4 MiB'\n"
    ),
}


def submission(folder: Path, attack: str) -> Submission:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "mod.py"
    path.write_text(ATTACKS[attack])
    (folder / "artifact.bin").write_text("made by the student")
    return Submission(path=path, kind="module", module_name="mod", cells=[CodeCell("mod.py", ATTACKS[attack])])


def expected_layer() -> str:
    """What this machine allows: namespaces if `unshare` works here, else a uid drop as root, else limits only."""
    works = subprocess.run(["unshare", "-m", "-n", "-p", "-f", "true"], capture_output=True).returncode == 0
    if works:
        return sandbox.NAMESPACES
    return sandbox.UID if os.geteuid() == 0 else sandbox.PROCESS


@pytest.fixture(scope="module")
def pool(tmp_path_factory):
    probes = tmp_path_factory.mktemp("probes") / "probes.py"
    probes.write_text(PROBES)
    zygote = Zygote(["torch"], jobs=2)
    zygote.probes = [probes]
    yield zygote
    zygote.stop()


def run(pool, folder: Path, attack: str, probe: str, sandbox_mode: str = "auto", **args):
    limits = Limits(seconds=args.pop("seconds", 30), sandbox=sandbox_mode, processes=args.pop("processes", 256),
                    file_bytes=args.pop("file_bytes", 512 * 1024**2))
    return pool.call(submission(folder, attack), pool.probes, probe, args, limits)


def test_the_layer_is_the_strongest_this_machine_allows_and_is_reported(pool, tmp_path):
    outcome = run(pool, tmp_path / "sub", "honest", "who")
    assert outcome.status == "ok", outcome.error
    assert outcome.sandbox == expected_layer()
    assert outcome.value["artifact"] == "made by the student"  # sub.folder points at the folder as seen inside
    assert outcome.value["folder"] == str((tmp_path / "sub").resolve())
    if outcome.sandbox == sandbox.NAMESPACES:
        assert outcome.value["pid"] == 2 and outcome.value["uid"] >= sandbox.UID_BASE  # the worker is pid 1
        allowed = {"bin", "sbin", "lib", "lib32", "lib64", "libx32", "usr", "etc", "opt", "dev", "proc", "sys", "tmp"}
        assert set(outcome.value["root"]) - allowed <= {part for p in (ROOT, Path.home()) for part in p.parts[1:2]}
    off = run(pool, tmp_path / "sub", "honest", "who", sandbox_mode="off")
    assert off.status == "ok" and off.sandbox == sandbox.PROCESS


def test_graders_solutions_caches_and_other_submissions_cannot_be_read(pool, tmp_path):
    other = tmp_path / "another-student" / "mod.py"
    other.parent.mkdir()
    other.write_text("SECRET = 'their answer'\n")
    secrets = [str(GRADER_FILE), str(SOLUTION_FILE), str(other), str(Path(__file__))]
    outcome = run(pool, tmp_path / "sub", "honest", "read", paths=secrets + [str(tmp_path / "sub" / "artifact.bin")])
    assert outcome.status == "ok", outcome.error
    assert outcome.value[str(tmp_path / "sub" / "artifact.bin")] == len("made by the student")
    if outcome.sandbox == sandbox.NAMESPACES:
        assert all(outcome.value[path] == "FileNotFoundError" for path in secrets), outcome.value
    control = run(pool, tmp_path / "sub", "honest", "read", sandbox_mode="off", paths=secrets)
    assert all(isinstance(control.value[path], int) for path in secrets)  # the attack works without the sandbox


def test_nothing_outside_the_scratch_can_be_written_or_deleted(pool, tmp_path):
    results = tmp_path / "results.json"
    results.write_text("{}")
    targets = [str(results), str(tmp_path / "sub" / "mod.py"), str(ROOT / "graders" / "forged.py"),
               "rm:" + str(tmp_path / "sub" / "artifact.bin"), "/usr/forged", "scratch-file", "/tmp/own-tmp"]
    outcome = run(pool, tmp_path / "sub", "honest", "write", paths=targets)
    assert outcome.status == "ok", outcome.error
    assert outcome.value["scratch-file"] == "ok" and outcome.value["/tmp/own-tmp"] == "ok"
    assert results.read_text() == "{}" and not (ROOT / "graders" / "forged.py").exists()
    assert (tmp_path / "sub" / "artifact.bin").exists()
    assert not Path("/tmp/own-tmp").exists() or outcome.sandbox != sandbox.NAMESPACES
    assert all(outcome.value[t] != "ok" for t in targets[:5]), outcome.value


def test_a_daemonised_grandchild_dies_with_the_worker(pool, tmp_path):
    confined_mark, control_mark = tmp_path / "confined.txt", tmp_path / "control.txt"
    calls = [pool.submit(submission(tmp_path / name, "daemon"), pool.probes, "call",
                         {"name": "spawn", "args": [str(mark)]}, Limits(seconds=30, sandbox=mode))
             for name, mark, mode in (("a", confined_mark, "auto"), ("b", control_mark, "off"))]
    confined, control = (pool.result(number) for number in calls)
    assert confined.value == control.value == "spawned"
    time.sleep(2.5)
    assert control_mark.exists()  # without the sandbox, the daemon outlives the worker
    if confined.sandbox == sandbox.NAMESPACES:
        assert not confined_mark.exists(), "a grandchild outlived the worker and wrote a file"
    else:  # the fallback layers cannot stop it (README, "What runs where"): the test says which layer ran
        assert confined.sandbox == expected_layer()


def test_no_network_where_the_platform_allows(pool, tmp_path):
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    port = listener.getsockname()[1]
    try:
        outcome = run(pool, tmp_path / "sub", "honest", "connect", port=port)
        assert outcome.status == "ok", outcome.error
        assert outcome.value["reached"] != "connected"
        if outcome.sandbox == sandbox.NAMESPACES:
            assert outcome.value["interfaces"] == ["lo"]  # a fresh network namespace: loopback only, and down
        control = run(pool, tmp_path / "sub", "honest", "connect", sandbox_mode="off", port=port)
        assert control.value["reached"] == "connected"
    finally:
        listener.close()
    assert run(pool, tmp_path / "sub", "honest", "unix_pair").value == "ok"  # local pipes still work


def test_a_fork_bomb_stops_at_the_process_limit_and_the_zygote_survives(pool, tmp_path):
    outcome = run(pool, tmp_path / "sub", "bomb", "call", name="bomb", processes=24, seconds=20)
    if outcome.sandbox in (sandbox.NAMESPACES, sandbox.UID):
        assert outcome.status == "ok", outcome.error
        assert outcome.value["error"] == "BlockingIOError" and outcome.value["forks"] < 24
    after = run(pool, tmp_path / "sub", "honest", "call", name="answer")
    assert after.status == "ok" and after.value == 42


def test_an_output_flood_is_capped_and_the_reply_still_arrives(pool, tmp_path):
    from gradekit.harness.zygote import OUTPUT_KEPT

    printed = run(pool, tmp_path / "sub", "flood", "call", name="quiet")  # the cells print 4 MiB
    assert printed.status == "ok" and printed.value == "quiet", printed.error
    assert printed.output.rstrip().endswith("the last line")  # the pool keeps the latest output
    assert len(printed.output.encode()) <= OUTPUT_KEPT
    raw = run(pool, tmp_path / "sub", "flood", "call", name="raw")
    assert raw.status == "ok" and raw.value == "wrote 4 MiB", raw.error  # the pool reads as fast as it comes
    assert raw.output.endswith("y" * 1000) and len(raw.output) <= OUTPUT_KEPT
    assert not list(pool.scratch.rglob("*.log")), "output never lands on the judge's disk"


def test_global_state_left_by_the_submission_is_reset_before_the_probe(pool, tmp_path):
    honest = run(pool, tmp_path / "a", "honest", "state")
    changed = run(pool, tmp_path / "b", "state", "state")
    assert changed.status == "ok", changed.error
    assert changed.value["dtype"] == "torch.float32" and changed.value["grad"] is True
    assert changed.value["randn"] == honest.value["randn"] and changed.value["rand"] == honest.value["rand"]
    assert not changed.tampered


def test_monkeypatching_torch_is_reported_restored_and_fails_the_check(pool, tmp_path):
    from gradekit.harness import feedback

    outcome = run(pool, tmp_path / "sub", "patch", "state")
    assert outcome.status == "ok", outcome.error
    assert {"torch.allclose", "torch.randn", "torch.Tensor.__add__"} <= set(outcome.tampered)
    assert outcome.value["allclose"] is False and outcome.value["add"] == [2.0]  # restored before the probe
    assert any(v != 0 for v in outcome.value["randn"])
    message = feedback.explain(outcome, "round trip")
    assert message.startswith("round trip: your code replaced ") and "torch.allclose" in message
    assert "PyTorch's own functions" in message
    honest = run(pool, tmp_path / "sub", "honest", "state")
    assert honest.tampered == []


def test_mounts_cannot_be_undone_in_either_namespace_flavour(pool, tmp_path):
    for mode in ("auto", "user-namespace"):  # as root: a dropped uid; as a user: a nested user namespace
        outcome = run(pool, tmp_path / "sub", "honest", "remount", sandbox_mode=mode)
        assert outcome.status == "ok", outcome.error
        assert outcome.sandbox == expected_layer(), (mode, outcome.output)
        if outcome.sandbox == sandbox.NAMESPACES:
            assert outcome.value == {"remount": "refused", "umount": "refused"}, mode
        secrets = run(pool, tmp_path / "sub", "honest", "read", sandbox_mode=mode, paths=[str(GRADER_FILE)])
        assert secrets.sandbox == outcome.sandbox
        if secrets.sandbox == sandbox.NAMESPACES:
            assert secrets.value[str(GRADER_FILE)] == "FileNotFoundError", mode


def test_without_namespaces_the_uid_layer_refuses_internet_sockets_or_grading_stops(pool, tmp_path):
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    try:
        outcome = run(pool, tmp_path / "sub", "honest", "connect", sandbox_mode="uid", port=listener.getsockname()[1])
    finally:
        listener.close()
    usable = all(sandbox._reachable_by_others(p) for p in (sys.base_prefix, sys.prefix))
    if os.geteuid() == 0 and not usable:  # here: Python under a 0700 /root, so the uid layer cannot work
        assert outcome.status == "error" and "the sandbox could not be set up" in outcome.error["message"]
        assert "rather than run a submission as root" in outcome.error["message"]
        return
    assert outcome.status == "ok", outcome.error
    assert outcome.sandbox == (sandbox.UID if os.geteuid() == 0 else sandbox.PROCESS)
    assert outcome.value["reached"] == "PermissionError"  # seccomp: socket(AF_INET) fails with EACCES
    assert run(pool, tmp_path / "sub", "honest", "unix_pair", sandbox_mode="uid").value == "ok"
