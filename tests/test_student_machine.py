"""The student's own machine, simulated where it differs from this one: macOS (a C library without Linux's
`unshare`, `setns`, `mount` and `prctl`, and no /proc) grades in the `process` layer; Windows (no os.fork) is
told in one line what to use instead, in the notebook too; Colab (no Jupyter session name, /content as the
kernel's folder, the bundle unzipped inside it, no saved notebook) checks the cells as run."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

from gradekit.harness import sandbox, worker
from gradekit.harness.client import GRADEKIT_PARENT, Limits, Zygote
from gradekit.harness.submission import CodeCell, Submission

ROOT = Path(__file__).resolve().parents[1]
LINUX_ONLY = ("unshare", "setns", "mount", "umount2", "prctl", "syscall")
PROBES = '''
from gradekit.harness.student import student_step


@student_step
def answer(sub):
    return sub.answer()
'''
MACOS_LIKE = f'''
import os, sys
sys.path.insert(0, {GRADEKIT_PARENT!r})
from gradekit.harness import sandbox, worker


class WithoutLinuxCalls:
    """A C library as macOS has it: the Linux-only functions are missing (dlsym finds no such symbol)."""

    def __init__(self, libc):
        self._libc = libc

    def __getattr__(self, name):
        if name in {LINUX_ONLY!r}:
            raise AttributeError(f"dlsym(RTLD_DEFAULT, {{name}}): symbol not found")
        return getattr(self._libc, name)


sandbox._libc = WithoutLinuxCalls(sandbox._libc)
worker.PROC_STATUS = "/no/proc/on/macos"
os.geteuid = lambda: 501  # a student's own account, never root
import socket
_socketpair = socket.socketpair


def without_seqpacket(family=socket.AF_UNIX, kind=socket.SOCK_STREAM, proto=0):
    """macOS's unix sockets know no SOCK_SEQPACKET."""
    if kind == socket.SOCK_SEQPACKET:
        raise OSError(43, "Protocol not supported")
    return _socketpair(family, kind, proto)


socket.socketpair = without_seqpacket
'''


class WithoutLinuxCalls:
    """macOS's C library as ctypes sees it: looking up a Linux-only function raises AttributeError."""

    def __init__(self, libc) -> None:
        self._libc = libc

    def __getattr__(self, name: str):
        if name in LINUX_ONLY:
            raise AttributeError(f"dlsym(RTLD_DEFAULT, {name}): symbol not found")
        return getattr(self._libc, name)


def honest_submission(folder: Path) -> Submission:
    folder.mkdir(parents=True, exist_ok=True)
    source = "def answer():\n    return 42\n"
    (folder / "mod.py").write_text(source)
    return Submission(path=folder / "mod.py", kind="module", module_name="mod", cells=[CodeCell("mod.py", source)])


def test_without_linux_calls_the_sandbox_falls_to_the_process_layer(monkeypatch, tmp_path):
    """Today's failure was an AttributeError escaping from the `unshare` lookup; now a missing C function refuses
    its layer like any refusal, and a student's account gets the `process` layer (resource limits only)."""
    monkeypatch.setattr(sandbox, "_libc", WithoutLinuxCalls(sandbox._libc))
    monkeypatch.setattr(os, "geteuid", lambda: 501)
    submission = honest_submission(tmp_path / "sub")
    request = {"sandbox": "auto", "probe_files": [str(tmp_path / "graders" / "9_9_9" / "probes.py")],
               "workdir": str(tmp_path / "scratch" / "call"), "submission": submission.payload()}
    confinement = sandbox.confine(request)
    assert confinement.layer == sandbox.PROCESS and confinement.network == "open"
    assert any("unshare: not in this system's C library" in note for note in confinement.notes), confinement.notes
    with pytest.raises(sandbox.SandboxError):
        sandbox._unshare(sandbox.CLONE_NEWNS)
    assert sandbox.refuse_internet_sockets() is False
    sandbox.not_dumpable()  # quietly nothing to do without prctl


def test_without_proc_the_worker_leaves_the_address_space_uncapped(monkeypatch):
    monkeypatch.setattr(worker, "PROC_STATUS", "/no/proc/on/macos")
    assert worker._mapped_bytes() is None
    monkeypatch.setattr(worker, "PROC_STATUS", "/proc/self/status")
    assert worker._mapped_bytes() > 0


@pytest.fixture(scope="module")
def macos_like_pool(tmp_path_factory):
    """A worker pool whose processes see a macOS-like C library, no /proc and a non-root account."""
    folder = tmp_path_factory.mktemp("macos")
    patch = folder / "macos_like.py"
    patch.write_text(MACOS_LIKE)
    python = folder / "python"
    python.write_text(f'#!/bin/sh\n# called as: python -I -c CODE\nexec {sys.executable} -I -c '
                      f'"exec(open(\'{patch}\').read())\n$3"\n')
    python.chmod(0o755)
    probes = folder / "probes.py"
    probes.write_text(PROBES)
    zygote = Zygote(["torch"], python=str(python), jobs=1)
    zygote.probes = [probes]
    yield zygote
    zygote.stop()


def pool_processes(marker: str) -> list[int]:
    """The pids of the processes whose command line names `marker` (the pool and its template)."""
    found = []
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and marker in (entry / "cmdline").read_bytes().decode(errors="replace"):
                found.append(int(entry.name))
        except OSError:
            continue
    return found


@pytest.mark.slow
def test_a_macos_like_machine_grades_in_the_process_layer(macos_like_pool, tmp_path):
    """Through the whole pool, with unix sockets that know no SOCK_SEQPACKET (its template then talks in
    datagrams): the honest answer comes back, confined by the `process` layer; stopped, no process stays."""
    outcome = macos_like_pool.call(honest_submission(tmp_path / "sub"), macos_like_pool.probes, "answer", {},
                                   Limits(seconds=60))
    assert outcome.status == "ok", (outcome.error, outcome.output[-2000:])
    assert outcome.value == 42 and outcome.sandbox == sandbox.PROCESS
    marker = str(macos_like_pool.probes[0].parent / "macos_like.py")
    assert len(pool_processes(marker)) >= 2, "the dispatcher and its template"
    macos_like_pool.stop()
    deadline = time.monotonic() + 10
    while pool_processes(marker) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert pool_processes(marker) == [], "the template outlived its dispatcher"


def test_the_notebook_check_says_in_one_line_what_to_use_without_fork(monkeypatch):
    from gradekit.notebook import check

    monkeypatch.delattr(os, "fork")
    report = check("2_3_1.ex1")
    assert report.problem.startswith("2_3_1.ex1: gradekit cannot check your work on this computer")
    assert "\n" not in report.problem and all(word in report.problem for word in ("WSL", "Colab", "Linux"))
    assert repr(report) == report.problem


# ---- Colab, simulated ------------------------------------------------------------------------------------------

COLAB_KERNEL = '''
import json, os, sys
from pathlib import Path
from IPython.core.interactiveshell import InteractiveShell

shell = InteractiveShell.instance()
for source in json.loads(Path(sys.argv[1]).read_text()):
    result = shell.run_cell(source, store_history=True)
    assert result.success, result.error_in_exec or result.error_before_exec

from gradekit.notebook import check, find_root

print("ROOT", find_root("2_3_1", Path.cwd()))
report = check("2_3_1.ex1")
print("PASSED", report.passed)
print(repr(report))
'''


@pytest.mark.slow
def test_a_colab_like_kernel_checks_the_cells_it_ran(tmp_path):
    """No JPY_SESSION_NAME, no saved notebook, the kernel's folder (/content) holding the unzipped bundle: check()
    finds the bundle inside the kernel's folder and grades the graded cells from the kernel's history."""
    from gradekit.testing.notebooks import reference_notebook
    from gradekit.release import release_bundle

    content = tmp_path / "content"
    content.mkdir()
    result = release_bundle(ROOT, ["2_3_1"], tmp_path / "release")
    with zipfile.ZipFile(result.zip) as archive:
        archive.extractall(content)
    cells = ["".join(c["source"]) for c in json.loads(reference_notebook(ROOT, "2_3_1"))["cells"]
             if "".join(c["source"]).startswith(("# [graded] 2_3_1 given", "# [graded] 2_3_1.ex1 "))]
    (tmp_path / "cells.json").write_text(json.dumps(cells))
    (tmp_path / "kernel.py").write_text(COLAB_KERNEL)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "GRADEKIT", "JPY_"))}
    env.update(IPYTHONDIR=str(tmp_path / "ipython"), MPLBACKEND="Agg")
    done = subprocess.run([sys.executable, str(tmp_path / "kernel.py"), str(tmp_path / "cells.json")], cwd=content,
                          env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    assert f"ROOT {(content / result.folder.name).resolve()}" in done.stdout
    assert "PASSED True" in done.stdout, done.stdout[-3000:]
    assert "2 graded cells as last run" in done.stdout and "from the saved notebook" not in done.stdout
