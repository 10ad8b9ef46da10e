"""Confine a forked worker before student code runs, in the strongest layer this machine allows.

Layers, strongest first (the worker's reply names the one it got, see `Confinement`):

- "namespaces": a PID namespace (the worker is its pid 1: everything it starts dies with it), a network
  namespace (no interface up), and a mount namespace whose root is a fresh tmpfs holding only read-only
  binds of what Python and torch need, the submission's folder (read-only), a writable scratch workdir, a
  fresh /tmp and a minimal /dev. Then the mounts are locked: as root the worker drops to a uid of its own
  with no capabilities; otherwise a nested user namespace makes them unchangeable.
- "uid": root without namespaces (Docker's default seccomp): the worker drops to a uid of its own and
  relies on file permissions (grader files must then be 0700/0600); internet sockets refused by seccomp.
- "process": neither: resource limits only (set by the worker in every layer), sockets refused by seccomp.

A uid of its own (UID_BASE + the worker's pid) makes RLIMIT_NPROC count this worker's processes alone.
"""

from __future__ import annotations

import ctypes
import errno
import os
import platform
import shutil
import signal
import stat
import struct
import sys
from dataclasses import dataclass, field
from pathlib import Path

NAMESPACES, UID, PROCESS = "namespaces", "uid", "process"
UID_BASE = 2_000_000
MAX_PROCESSES = 256  # threads count too: torch's pools and DataLoader workers fit, a fork bomb stops here
SYSTEM_PATHS = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32", "/etc", "/opt/conda")
DATASET_PATHS = ("/usr/share/datasets", "~/.cache/fashion-mnist", "~/.cache/matplotlib")
DEVICES = ("null", "zero", "full", "random", "urandom")
SECRET_NAMES = ("solutions", "tests", ".git")  # beside graders/: the project's parts a worker never sees

CLONE_NEWNS, CLONE_NEWUTS, CLONE_NEWIPC = 0x00020000, 0x04000000, 0x08000000
CLONE_NEWUSER, CLONE_NEWPID, CLONE_NEWNET = 0x10000000, 0x20000000, 0x40000000
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC = 1, 2, 4, 8
MS_REMOUNT, MS_BIND, MS_REC, MS_PRIVATE = 32, 4096, 16384, 1 << 18
MS_NOATIME, MS_NODIRATIME, MS_RELATIME = 1024, 2048, 1 << 21
MNT_DETACH = 2
PR_SET_PDEATHSIG, PR_SET_DUMPABLE, PR_SET_NO_NEW_PRIVS, PR_SET_SECCOMP, SECCOMP_MODE_FILTER = 1, 4, 38, 22, 2
SYSCALLS = {  # pivot_root, socket, io_uring_setup (io_uring could open sockets behind seccomp's back)
    "x86_64": {"pivot_root": 155, "socket": 41, "io_uring_setup": 425, "audit": 0xC000003E},
    "aarch64": {"pivot_root": 41, "socket": 198, "io_uring_setup": 425, "audit": 0xC00000B7},
}

_libc = ctypes.CDLL(None, use_errno=True)
_state = {"pid1": False}  # set in the child of fork_worker() when it starts a PID namespace of its own


class SandboxError(OSError):
    """A confinement step the machine refused."""


def _c_function(name: str):
    """A function of the C library; a SandboxError where this system's libc has none (unshare, prctl on macOS),
    so the layer that needs it is refused like any other and the next one down is tried."""
    try:
        return getattr(_libc, name)
    except AttributeError:
        raise SandboxError(errno.ENOSYS, f"{name}: not in this system's C library ({platform.system()})") from None


def _check(result: int, what: str) -> None:
    if result != 0:
        code = ctypes.get_errno()
        raise SandboxError(code, f"{what}: {os.strerror(code)}")


def _mount(source: str | None, target: str, fstype: str | None, flags: int, data: str | None = None) -> None:
    encode = (lambda s: s.encode() if s is not None else None)
    _check(_c_function("mount")(encode(source), encode(target), encode(fstype), ctypes.c_ulong(flags), encode(data)),
           f"mount {source} on {target}")


def _unshare(flags: int) -> None:
    _check(_c_function("unshare")(flags), "unshare")


def _prctl(option: int, value: int) -> None:
    _check(_c_function("prctl")(option, ctypes.c_ulong(value), 0, 0, 0), f"prctl {option}")


# ---- the PID namespace, started by the zygote's fork ----------------------------------------------------

def fork_worker(request: dict | None = None) -> int:
    """Fork like os.fork(), the child as pid 1 of a new PID namespace where the machine allows it.

    Called by the zygote instead of os.fork(): starting the namespace with the fork costs nothing, where a
    namespace made later inside the worker would need one more fork of the whole warm process.
    """
    own_namespace = None
    if os.geteuid() == 0 and (request or {}).get("sandbox", "auto") in ("auto", NAMESPACES):
        try:
            own_namespace = os.open("/proc/self/ns/pid", os.O_RDONLY)
            _unshare(CLONE_NEWPID)
        except OSError:
            if own_namespace is not None:
                os.close(own_namespace)
            own_namespace = None
    pid = os.fork()
    if own_namespace is None:
        return pid
    if pid == 0:
        _state["pid1"] = os.getpid() == 1
        os.close(own_namespace)
        return 0
    try:
        _check(_c_function("setns")(own_namespace, CLONE_NEWPID), "setns")  # later forks go back to the zygote's own
    finally:
        os.close(own_namespace)
    return pid


# ---- what the worker may see ----------------------------------------------------------------------------

@dataclass
class View:
    """The paths a confined worker sees, all at their usual place: read-only ones, the scratch, the folder."""

    readonly: list[str]
    workdir: str
    folder: str
    secrets: list[str]
    symlinks: dict[str, str] = field(default_factory=dict)


def _inside(path: str, root: str) -> bool:
    return path == root or path.startswith(root.rstrip("/") + "/")


def secrets_for(request: dict) -> list[str]:
    """Paths no worker may see: the graders and the project around them, the judge's scratch, the caches."""
    secrets = set()
    for probe_file in request.get("probe_files", []):
        path = Path(probe_file).resolve()
        graders = next((p for p in path.parents if p.name == "graders"), path.parent)
        secrets.add(str(graders))
        secrets.update(str(graders.parent / name) for name in SECRET_NAMES)
    secrets.add(str(Path(request["workdir"]).resolve().parent))  # other calls' workdirs
    secrets.add(str(Path("~/.cache/gradekit").expanduser()))
    secrets.update(str(Path(p).resolve()) for p in request.get("hidden", []))
    return sorted(secrets)


def view_for(request: dict) -> View:
    """The whitelist: interpreter, libraries, system folders, datasets, `visible` extras; never a secret."""
    secrets = secrets_for(request)
    wanted = [sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix, *sys.path, *SYSTEM_PATHS,
              *(str(Path(p).expanduser()) for p in DATASET_PATHS), *request.get("visible", [])]
    readonly: list[str] = []
    symlinks: dict[str, str] = {}
    for raw in wanted:
        if not raw or not os.path.isabs(raw) or not os.path.exists(raw):
            continue
        if os.path.islink(raw) and os.path.dirname(raw) == "/":
            symlinks[raw] = os.readlink(raw)  # /bin -> usr/bin stays a link
            continue
        path = os.path.realpath(raw)
        if any(_inside(path, s) or _inside(s, path) for s in secrets):
            continue  # the project root, graders/ or anything holding them
        readonly.append(path)
    readonly = sorted(set(readonly))
    outermost = [p for p in readonly if not any(_inside(p, q) and p != q for q in readonly)]
    folder = os.path.realpath(os.path.dirname(request["submission"]["filename"]))
    return View(readonly=outermost, workdir=os.path.realpath(request["workdir"]), folder=folder,
                secrets=secrets, symlinks=symlinks)


def _readonly_flags(path: str) -> int:
    """Read-only remount flags that keep what the source mount already locks (noexec, atime modes)."""
    found = os.statvfs(path).f_flag
    flags = MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV
    for st_flag, ms_flag in ((8, MS_NOEXEC), (1024, MS_NOATIME), (2048, MS_NODIRATIME), (4096, MS_RELATIME)):
        if found & st_flag:
            flags |= ms_flag
    return flags


def _bind(source: str, root: str, readonly: bool = True, target: str | None = None) -> None:
    """Bind `source` at the same path (or `target`) under `root`, read-only unless told otherwise."""
    destination = root + (target or source)
    if os.path.isdir(source):
        os.makedirs(destination, exist_ok=True)
    else:
        os.makedirs(os.path.dirname(destination), exist_ok=True)
        if not os.path.exists(destination):
            os.close(os.open(destination, os.O_WRONLY | os.O_CREAT, 0o644))
    _mount(source, destination, None, MS_BIND)
    _mount(None, destination, None, _readonly_flags(source) if readonly else
           MS_REMOUNT | MS_BIND | MS_NOSUID | MS_NODEV)


def _bind_folder(view: View, root: str) -> None:
    """The submission's folder, read-only: whole when others may read it, else entry by entry (a 0700 tmp dir).

    An entry that is or holds a secret (the folder is the project root, say) is left out.
    """
    folder = view.folder
    if any(_inside(folder, p) for p in view.readonly) or _inside(folder, view.workdir):
        return  # already visible (the venv?) or the scratch itself
    holds_secret = any(_inside(s, folder) for s in view.secrets)
    mode = os.stat(folder).st_mode
    if not holds_secret and mode & 0o005 == 0o005:
        _bind(folder, root)
        return
    os.makedirs(root + folder, mode=0o755, exist_ok=True)
    for entry in sorted(os.listdir(folder))[:256]:
        path = os.path.join(folder, entry)
        if any(_inside(path, s) or _inside(s, path) for s in view.secrets) or os.path.islink(path):
            continue
        try:
            _bind(path, root)
        except OSError:
            continue


def _make_dev(root: str, has_gpu: bool) -> None:
    """A minimal /dev: the harmless character devices, the usual links, a private shared-memory tmpfs."""
    dev = root + "/dev"
    os.makedirs(dev, exist_ok=True)
    _mount("tmpfs", dev, "tmpfs", MS_NOSUID | MS_NOEXEC, "mode=755,size=64k")
    names = list(DEVICES) + ([n for n in os.listdir("/dev") if n.startswith("nvidia")] if has_gpu else [])
    for name in names:
        if os.path.exists("/dev/" + name) and not os.path.isdir("/dev/" + name):
            os.close(os.open(f"{dev}/{name}", os.O_WRONLY | os.O_CREAT, 0o644))
            _mount("/dev/" + name, f"{dev}/{name}", None, MS_BIND)
    for name, target in (("fd", "/proc/self/fd"), ("stdin", "/proc/self/fd/0"), ("stdout", "/proc/self/fd/1"),
                         ("stderr", "/proc/self/fd/2")):
        os.symlink(target, f"{dev}/{name}")
    os.makedirs(dev + "/shm")


def build_root(view: View, root: str, tmp_bytes: int, in_user_namespace: bool, owner: int) -> None:
    """Fill the tmpfs at `root` with the view (its /proc comes from the PID namespace's pid 1, after this).

    The fresh /tmp and /dev come first: a workdir or a submission under /tmp is mounted on top of them.
    Every writable place is a tmpfs of at most `tmp_bytes`, owned by `owner`.
    """
    _mount("tmpfs", root, "tmpfs", MS_NOSUID | MS_NODEV, "mode=755,size=16m")
    size = max(tmp_bytes, 1 << 20)
    os.makedirs(root + "/tmp")
    _mount("tmpfs", root + "/tmp", "tmpfs", MS_NOSUID | MS_NODEV, f"mode=1777,size={size}")
    _make_dev(root, has_gpu=os.path.exists("/dev/nvidiactl"))
    _mount("tmpfs", root + "/dev/shm", "tmpfs", MS_NOSUID | MS_NODEV, f"mode=1777,size={size}")
    for link, target in view.symlinks.items():
        os.symlink(target, root + link)
    for path in view.readonly:
        try:
            _bind(path, root)
        except OSError:
            if path in SYSTEM_PATHS or _inside(sys.base_prefix, path):
                raise
    _bind_folder(view, root)
    os.makedirs(root + view.workdir, exist_ok=True)  # the scratch: a tmpfs of its own size, gone with the worker
    _mount("tmpfs", root + view.workdir, "tmpfs", MS_NOSUID | MS_NODEV,
           f"mode=0700,uid={owner},gid={owner},size={size}")
    os.makedirs(root + "/proc")
    if not in_user_namespace and os.path.isdir("/sys"):
        _bind("/sys", root)


def _pivot(root: str) -> None:
    """Make `root` the root directory and detach the old one entirely."""
    number = SYSCALLS.get(platform.machine(), {}).get("pivot_root")
    if number is None:
        raise SandboxError(errno.ENOSYS, "pivot_root: unknown machine")
    os.chdir(root)
    _check(_c_function("syscall")(number, b".", b"."), "pivot_root")
    _check(_c_function("umount2")(b".", MNT_DETACH), "umount old root")
    os.chdir("/")


def _mount_proc(target: str) -> bool:
    """A /proc of the worker's own PID namespace (only its processes), where the kernel allows it."""
    try:
        _mount("proc", target, "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC)
        return True
    except OSError:
        return False


# ---- dropping privileges ---------------------------------------------------------------------------------

def outer_pid() -> int:
    """This process's pid as the machine sees it (pid 1 of a PID namespace has another one outside)."""
    try:
        return int(os.readlink("/proc/self"))  # the machine's /proc, before the view narrows
    except (OSError, ValueError):
        return os.getpid()


def sandbox_uid() -> int:
    """A uid for this worker alone (per-uid limits stay its own; a leftover process cannot touch the next one)."""
    return UID_BASE + outer_pid()


def _drop_to(uid: int) -> None:
    """Become `uid` with no groups and no capabilities; no later exec may gain any."""
    os.setgroups([])
    os.setresgid(uid, uid, uid)
    os.setresuid(uid, uid, uid)


def not_dumpable() -> None:
    """No other process of this uid may read this one's memory or descriptors (ptrace, /proc/<pid>/mem)."""
    try:
        _prctl(PR_SET_DUMPABLE, 0)
    except OSError:
        pass


def _no_new_privileges() -> None:
    try:
        _prctl(PR_SET_NO_NEW_PRIVS, 1)
    except OSError:
        pass


def _write(path: str, text: str) -> None:
    with open(path, "w") as handle:
        handle.write(text)


def _map_self(outer_uid: int, outer_gid: int) -> None:
    """In a user namespace just made: be root inside, standing for the same user outside."""
    try:
        _write("/proc/self/setgroups", "deny")
    except OSError:
        pass
    _write("/proc/self/uid_map", f"0 {outer_uid} 1")
    _write("/proc/self/gid_map", f"0 {outer_gid} 1")


def limit_processes(count: int) -> None:
    """RLIMIT_NPROC: meaningful once this worker's processes are counted under a uid of their own."""
    try:
        import resource

        resource.setrlimit(resource.RLIMIT_NPROC, (count, count))
    except (ValueError, OSError):
        pass


def refuse_internet_sockets() -> bool:
    """Seccomp: socket() for anything but AF_UNIX fails with EACCES, io_uring is refused. True if installed."""
    numbers = SYSCALLS.get(platform.machine())
    if numbers is None:
        return False
    allow, deny = 0x7FFF0000, 0x00050000 | errno.EACCES
    ld_abs, jeq, ret = 0x20, 0x15, 0x06
    program = [
        (ld_abs, 0, 0, 4), (jeq, 1, 0, numbers["audit"]), (ret, 0, 0, allow),  # another arch: leave it be
        (ld_abs, 0, 0, 0),
        (jeq, 0, 1, numbers["io_uring_setup"]), (ret, 0, 0, 0x00050000 | errno.ENOSYS),
        (jeq, 0, 3, numbers["socket"]),
        (ld_abs, 0, 0, 16), (jeq, 1, 0, 1),  # args[0] == AF_UNIX
        (ret, 0, 0, deny),
        (ret, 0, 0, allow),
    ]
    code = b"".join(struct.pack("<HBBI", *instruction) for instruction in program)
    buffer = ctypes.create_string_buffer(code)
    fprog = struct.pack("<HxxxxxxQ", len(program), ctypes.addressof(buffer))
    try:
        _no_new_privileges()
        _check(_c_function("prctl")(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, ctypes.c_char_p(fprog), 0, 0), "seccomp")
        return True
    except OSError:
        return False


# ---- putting it together -----------------------------------------------------------------------------------

@dataclass
class Confinement:
    """What the worker got: its layer, how the network is cut, the uid it runs as, where the folder is."""

    layer: str
    network: str  # "namespace" (no interface up), "seccomp" (internet sockets refused) or "open"
    uid: int
    folder: Path
    notes: list[str] = field(default_factory=list)

    def header(self) -> dict:
        return {"sandbox": self.layer, "network": self.network, "uid": self.uid, "sandbox_notes": self.notes[:5]}


def _reachable_by_others(path: str) -> bool:
    """True if a user other than the owner can walk to `path` and read it (needed once the uid is dropped)."""
    current = Path(path)
    for folder in [current, *current.parents]:
        try:
            mode = os.stat(folder).st_mode
        except OSError:
            return False
        if not mode & stat.S_IXOTH or (folder == current and not mode & stat.S_IROTH):
            return False
    return True


def _confine_with_namespaces(request: dict, view: View, notes: list[str], privileged: bool) -> Confinement:
    """Enter fresh PID/net/mount/IPC/UTS namespaces, narrow the view to `view`, lock it.

    `privileged` (root): the mounts are locked by dropping to a uid of its own. Otherwise everything happens
    in a user namespace and a nested one locks the mounts.
    """
    if not privileged:
        _relay_through_pid_namespace(user_namespace=True)  # its PID namespace must belong to the user namespace
    elif not _state["pid1"]:
        _relay_through_pid_namespace(user_namespace=False)  # the zygote did not start one with the fork
    if privileged:
        _unshare(CLONE_NEWNS | CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS)
    _mount(None, "/", None, MS_REC | MS_PRIVATE)
    root = view.workdir + ".root"
    os.makedirs(root, exist_ok=True)
    uid = sandbox_uid() if privileged else os.geteuid()
    build_root(view, root, int(request.get("file_bytes", 1 << 29)), in_user_namespace=not privileged,
               owner=uid if privileged else 0)
    if not _mount_proc(root + "/proc"):  # before the pivot: the kernel wants the old /proc still in sight
        notes.append("no /proc")
    _pivot(root)
    _mount(None, "/", None, MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV)
    os.chdir(view.workdir)
    if privileged:
        limit_processes(int(request.get("processes", MAX_PROCESSES)))
        _drop_to(uid)
    else:
        _unshare(CLONE_NEWUSER | CLONE_NEWNS)  # a less privileged owner: every mount above is now locked
        _map_self(0, 0)
        limit_processes(int(request.get("processes", MAX_PROCESSES)))
    _no_new_privileges()
    return Confinement(NAMESPACES, "namespace", uid, Path(view.folder), notes)


def _relay_through_pid_namespace(user_namespace: bool) -> None:
    """Unshare, fork once more: the child is pid 1 of a new PID namespace, this process relays its status.

    Only the child returns. The parent waits and exits as the child did; the child dies with it.
    """
    outer_uid, outer_gid = os.geteuid(), os.getegid()
    flags = CLONE_NEWPID | (CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS
                            if user_namespace else 0)
    _unshare(flags)
    if user_namespace:
        _map_self(outer_uid, outer_gid)
    pid = os.fork()
    if pid == 0:
        _state["pid1"] = True
        _prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
        return
    for fd in os.listdir("/proc/self/fd"):  # the result pipe must close when the child is done
        if int(fd) > 2:
            try:
                os.close(int(fd))
            except OSError:
                pass
    _, status = os.waitpid(pid, 0)
    if os.WIFSIGNALED(status):
        signal.signal(os.WTERMSIG(status), signal.SIG_DFL)
        os.kill(os.getpid(), os.WTERMSIG(status))
    os._exit(os.waitstatus_to_exitcode(status) if os.WIFEXITED(status) else 70)


def _confine_with_uid(request: dict, view: View, notes: list[str]) -> Confinement:
    """Root without namespaces: a uid of its own, internet sockets refused; permissions guard the rest."""
    for prefix in (sys.base_prefix, sys.prefix):
        if not _reachable_by_others(prefix):
            raise SandboxError(errno.EACCES, f"{prefix} is not readable by other users")
    uid = sandbox_uid()
    os.chown(view.workdir, uid, uid)
    for name in os.listdir(view.workdir):
        os.chown(os.path.join(view.workdir, name), uid, uid)
    _reach_own_workdir(view.workdir)
    folder = _own_copy_of_folder(view)
    limit_processes(int(request.get("processes", MAX_PROCESSES)))
    _drop_to(uid)
    network = "seccomp" if refuse_internet_sockets() else "open"
    return Confinement(UID, network, uid, Path(folder), notes)


def _own_copy_of_folder(view: View) -> str:
    """The submission's folder as the dropped uid can read it: itself when others may already walk to it, else
    a read-only folder of hard links (copies across filesystems) in the workdir, so a batch's 0700 staging folder,
    which keeps classmates apart, stays closed."""
    if _reachable_by_others(view.folder):
        return view.folder
    target = os.path.join(view.workdir, "submission")
    entries = 0
    for here, folders, files in os.walk(view.folder):
        inside = os.path.join(target, os.path.relpath(here, view.folder))
        os.makedirs(inside, mode=0o755, exist_ok=True)
        folders[:] = [f for f in folders if not os.path.islink(os.path.join(here, f))
                      and not any(_inside(s, os.path.join(here, f)) for s in view.secrets)]
        for name in files:
            source = os.path.join(here, name)
            entries += 1
            if entries > 2000 or os.path.islink(source) or any(_inside(source, s) for s in view.secrets):
                continue
            try:
                os.link(source, os.path.join(inside, name))
            except OSError:
                if os.path.getsize(source) <= 1 << 28:
                    shutil.copyfile(source, os.path.join(inside, name))
    return target


def _reach_own_workdir(workdir: str) -> None:
    """Let the dropped uid reach its own workdir by path, as it can in the other layers: the judge's 0700 scratch
    of call folders becomes 0711 (entered, never listed); the workdir becomes 0700 (no other uid gets in)."""
    os.chmod(workdir, 0o700)
    parent = os.path.dirname(workdir)
    os.chmod(parent, stat.S_IMODE(os.stat(parent).st_mode) | 0o011)
    closed = [str(p) for p in Path(parent).parents if not os.stat(p).st_mode & stat.S_IXOTH]
    if closed:
        raise SandboxError(errno.EACCES, f"{workdir} cannot be reached by other users ({closed[0]} is closed)")


def confine(request: dict) -> Confinement:
    """Confine this worker as far as the machine allows; `request["sandbox"]` may be "auto" (default) or "off".

    Call after everything trusted is imported and read (the view narrows here), before student code runs.
    A layer the machine refuses is recorded in the notes and the next one down is tried; as root, the `process`
    layer is never a fallback (the submission would run as root): the worker fails closed instead.
    """
    notes: list[str] = []
    wanted = request.get("sandbox", "auto")
    root_user = os.geteuid() == 0
    view = view_for(request)
    if wanted in ("auto", NAMESPACES, "user-namespace"):
        try:
            return _confine_with_namespaces(request, view, notes, privileged=root_user and wanted != "user-namespace")
        except OSError as error:
            notes.append(f"namespaces refused ({error})")
    if wanted in ("auto", NAMESPACES, UID) and root_user:
        try:
            return _confine_with_uid(request, view, notes)
        except OSError as error:
            notes.append(f"uid refused ({error})")
    if root_user and wanted != "off":
        raise SandboxError(errno.EPERM, "as root, no layer that could confine student code was allowed ("
                                        + "; ".join(notes) + "): grading stops rather than run a submission as root")
    network = "open" if wanted == "off" else ("seccomp" if refuse_internet_sockets() else "open")
    return Confinement(PROCESS, network, os.geteuid(), Path(view.folder), notes)
