"""Gradescope's container, reproduced with Docker: build the autograder image from `gradekit export gradescope`,
grade a correct, a wrong and a hostile submission in fresh containers, and print what it costs.

    python tools/platforms/gradescope_container.py [--lesson 2_3_1] [--json report.json]

As Gradescope does: a Debian bookworm base (`mmdebstrap --variant=apt bookworm` + `docker import`, built once
and kept), the zip unpacked in /autograder/source and its setup.sh run there as root, the result committed as
the autograder image; then per submission a fresh container with Docker's defaults (default seccomp, no added
capabilities) and no network runs /autograder/run_autograder on /autograder/submission. The setup step alone
uses the host's network, with the host's apt sources, pip configuration, local package folders and CA bundle
mounted in (mounts are not committed). Needs a running Docker engine; `make gradescope-check` installs Debian's
docker.io and mmdebstrap and starts the engine where it can.
"""

from __future__ import annotations

import argparse
import configparser
import io
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
import zipfile
from datetime import datetime, timezone
from dataclasses import asdict, dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools"))

from gradekit.grading.export import export_gradescope  # noqa: E402
from gradekit.verify import solved_module, with_cell  # noqa: E402

BASE_IMAGE = "gradekit-gradescope/bookworm:base"
AUTOGRADER_IMAGE = "gradekit-gradescope/autograder:{lesson}"
MISTAKES = {"2_3_1": "resume_drops_optimizer_state"}  # the wrong submission's mistake (tests/corpus/<lesson>/mistakes)
HOSTILE_CELL = Path(__file__).with_name("hostile_cell.py")
HOST_CA = "/etc/ssl/certs/ca-certificates.crt"
CONTAINER_CA = "/host-ca/ca-certificates.crt"  # not /etc/ssl/certs: installing ca-certificates inside rewrites that
PIP_CONFIGS = ("/etc/pip.conf", "/etc/xdg/pip/pip.conf", "~/.config/pip/pip.conf", "~/.pip/pip.conf")
VISIBILITIES = {"visible", "hidden", "after_due_date", "after_published"}
SETUP_TIMEOUT, GRADE_TIMEOUT = 1800, 900
GRADING_ENDED = "grading-ended"  # in /hostile-notes: when run_autograder returned (epoch seconds)
SWEEP_GRACE = 1.0  # seconds after a worker ends within which its files may still be seen by a concurrent call
HELD_SECONDS = 2  # the container stays up this long after run_autograder, so a daemon left alive would show
HELD_RUN = (f"/autograder/run_autograder; code=$?; date +%s.%N > /hostile-notes/{GRADING_ENDED}; "
            f"sleep {HELD_SECONDS}; exit $code")


# ---- Docker ------------------------------------------------------------------------------------------------

def docker(*args: str, timeout: float = 600, check: bool = True, stdout=subprocess.PIPE) -> subprocess.CompletedProcess:
    """Run one docker command; raise with its output when it fails and `check` is set."""
    done = subprocess.run(["docker", *args], stdout=stdout, stderr=subprocess.PIPE, timeout=timeout)
    if check and done.returncode != 0:
        raise RuntimeError(f"docker {' '.join(args[:3])} … failed ({done.returncode}): {done.stderr.decode()[-2000:]}")
    return done


def docker_problem() -> str | None:
    """Why Docker cannot run containers here, or None when it can (the test's only reason to skip)."""
    if shutil.which("docker") is None:
        return "the docker client is not installed (Debian: apt-get install docker.io)"
    try:
        done = subprocess.run(["docker", "info", "--format", "{{.ServerVersion}}"], capture_output=True, text=True,
                              timeout=30)
    except subprocess.TimeoutExpired:
        return "the Docker engine did not answer `docker info` within 30 s"
    if done.returncode != 0:
        return f"the Docker engine does not answer (start dockerd as root): {done.stderr.strip()[-300:]}"
    return None


def image_exists(name: str) -> bool:
    return docker("image", "inspect", name, check=False).returncode == 0


def image_bytes(name: str) -> int:
    return int(docker("image", "inspect", "--format", "{{.Size}}", name).stdout.decode().strip())


def ensure_base_image() -> float | None:
    """Build the bookworm base image once (mmdebstrap + docker import); the seconds it took, None when cached."""
    if image_exists(BASE_IMAGE):
        return None
    if shutil.which("mmdebstrap") is None:
        raise RuntimeError("mmdebstrap is not installed (Debian: apt-get install mmdebstrap)")
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="gradescope-base-") as scratch:
        tarball = Path(scratch) / "bookworm.tar"
        done = subprocess.run(["mmdebstrap", "--variant=apt", "bookworm", str(tarball)], capture_output=True,
                              text=True, timeout=SETUP_TIMEOUT)
        if done.returncode != 0:
            raise RuntimeError(f"mmdebstrap failed: {done.stderr[-2000:]}")
        docker("import", str(tarball), BASE_IMAGE, timeout=SETUP_TIMEOUT)
    return time.monotonic() - started


# ---- the setup step -------------------------------------------------------------------------------------------

def unpack_zip(archive: Path, folder: Path) -> None:
    """Unpack the autograder zip keeping each entry's mode (setup.sh and run_autograder stay executable)."""
    with zipfile.ZipFile(archive) as opened:
        for info in opened.infolist():
            path = Path(opened.extract(info, folder))
            mode = info.external_attr >> 16 & 0o7777
            if mode:
                path.chmod(mode)


def _local_folders(value: str) -> list[str]:
    """The local folders a pip setting names: find-links folders, file:// indexes (the folder above `simple`)."""
    folders = []
    for item in value.split():
        path = item[len("file://"):] if item.startswith("file://") else item
        if not path.startswith("/"):
            continue
        path = path.rstrip("/")
        folders.append(str(Path(path).parent) if Path(path).name == "simple" else path)
    return folders


def host_pip_mounts() -> list[str]:
    """Bind mounts (read-only) of the host's pip configuration files and the local folders and constraint
    files they name, so pip inside the setup step sees the same packages as the host."""
    mounts, folders = [], set()
    for raw in PIP_CONFIGS:
        path = Path(raw).expanduser()
        if not path.is_file():
            continue
        inside = raw.replace("~", "/root", 1)
        mounts.append(f"{path}:{inside}:ro")
        parser = configparser.ConfigParser()
        parser.read(path)
        for section in parser.sections():
            for key in ("find-links", "extra-index-url", "index-url", "constraint"):
                folders.update(_local_folders(parser[section].get(key, "")))
    folders.update(_local_folders(os.environ.get("PIP_FIND_LINKS", "")))
    for folder in sorted(folders):
        if Path(folder).is_file():
            folder = str(Path(folder).parent)
        if Path(folder).exists() and not any(m.startswith(f"{folder}:") for m in mounts):
            mounts.append(f"{folder}:{folder}:ro")
    return mounts


def host_apt_mounts() -> list[str]:
    """The host's apt sources, read-only, in place of the image's."""
    sources = Path("/etc/apt/sources.list")
    mounts = [f"{sources if sources.is_file() else '/dev/null'}:/etc/apt/sources.list:ro"]
    if Path("/etc/apt/sources.list.d").is_dir():
        mounts.append("/etc/apt/sources.list.d:/etc/apt/sources.list.d:ro")
    return mounts


def setup_command() -> str:
    """What the setup container runs: Gradescope's layout, then setup.sh as root from /autograder/source."""
    certificate = f"export PIP_CERT={CONTAINER_CA} SSL_CERT_FILE={CONTAINER_CA}; " if Path(HOST_CA).is_file() else ""
    return (f"set -euo pipefail; {certificate}"
            "mkdir -p /autograder/source /autograder/results /autograder/submission; "
            "cp -a /upload/. /autograder/source/; cp /autograder/source/run_autograder /autograder/run_autograder; "
            "cd /autograder/source; bash ./setup.sh")


@dataclass
class Setup:
    """What building the autograder image cost."""

    image: str
    base_build_seconds: float | None
    setup_seconds: float
    commit_seconds: float
    image_bytes: int
    log_tail: str


def build_autograder_image(root: Path, lesson: str, scratch: Path) -> Setup:
    """Export the lesson's zip, run its setup.sh in the base image as root, commit the autograder image."""
    base_seconds = ensure_base_image()
    upload = scratch / "upload"
    unpack_zip(export_gradescope(root, lesson, scratch / "export"), upload)
    name, image = f"gradescope-setup-{os.getpid()}", AUTOGRADER_IMAGE.format(lesson=lesson)
    mounts = [f"{upload}:/upload:ro", *host_apt_mounts(), *host_pip_mounts()]
    if Path(HOST_CA).is_file():
        mounts.append(f"{HOST_CA}:{CONTAINER_CA}:ro")
    docker("rm", "-f", name, check=False)
    started = time.monotonic()
    done = docker("run", "--name", name, "--network", "host", *[a for m in mounts for a in ("-v", m)], BASE_IMAGE,
                  "bash", "-c", setup_command(), check=False, timeout=SETUP_TIMEOUT, stdout=subprocess.PIPE)
    setup_seconds = time.monotonic() - started
    log = (done.stdout + done.stderr).decode(errors="replace")
    log_tail = "\n".join(line for line in log.splitlines() if "is ignored: it is neither" not in line)[-3000:]
    if done.returncode != 0:
        docker("rm", "-f", name, check=False)
        raise RuntimeError(f"setup.sh failed in the container (exit {done.returncode}):\n{log_tail}")
    old = docker("image", "inspect", "--format", "{{.Id}}", image, check=False).stdout.decode().strip()
    started = time.monotonic()
    docker("commit", "--change", 'CMD ["/autograder/run_autograder"]', "--change", "WORKDIR /autograder", name, image,
           timeout=SETUP_TIMEOUT)
    commit_seconds = time.monotonic() - started
    docker("rm", "-f", name, check=False)
    if old and old != docker("image", "inspect", "--format", "{{.Id}}", image).stdout.decode().strip():
        docker("rmi", old, check=False)  # the previous build's 7 GB, no longer tagged
    return Setup(image, base_seconds, setup_seconds, commit_seconds, image_bytes(image), log_tail)


# ---- the submissions ------------------------------------------------------------------------------------------

def replaced_exercise(cell_text: str) -> str | None:
    """The exercise whose graded cell a corpus file replaces (its REPLACES line), if any."""
    for line in cell_text.splitlines():
        if line.startswith("REPLACES = "):
            return line.split("=", 1)[1].strip().strip("\"'")
    return None


def mistake_file(root: Path, lesson: str) -> Path:
    """The corpus mistake the wrong submission makes: the lesson's chosen one, else its first."""
    folder = root / "tests" / "corpus" / lesson / "mistakes"
    return folder / f"{MISTAKES[lesson]}.py" if lesson in MISTAKES else sorted(folder.glob("*.py"))[0]


def make_submissions(root: Path, lesson: str, folder: Path) -> dict[str, Path]:
    """Three submission folders: the reference (correct), the reference with a corpus mistake (wrong), and
    the wrong one with the hostile cell appended (its honest part is the wrong one's)."""
    made = {name: folder / name for name in ("correct", "wrong", "hostile")}
    for path in made.values():
        path.mkdir(parents=True, exist_ok=True)
    reference = solved_module(root, lesson, made["correct"])
    for artifact in made["correct"].iterdir():  # what the graders expect beside the module (2.3.3's best_model.pt)
        if artifact != reference:
            for other in ("wrong", "hostile"):
                shutil.copy(artifact, made[other] / artifact.name)
    mistake_text = mistake_file(root, lesson).read_text()
    wrong = with_cell(reference.read_text(), mistake_text, replaced_exercise(mistake_text))
    (made["wrong"] / reference.name).write_text(wrong)
    (made["hostile"] / reference.name).write_text(with_cell(wrong, HOSTILE_CELL.read_text()))
    return made


# ---- grading ----------------------------------------------------------------------------------------------------

@dataclass
class ContainerGrade:
    """One submission graded by run_autograder in a fresh container."""

    name: str
    seconds: float
    exit_code: int
    results: dict
    hostile_notes: list[dict] = field(default_factory=list)
    log_tail: str = ""
    grading_ended: float = 0.0  # when run_autograder returned (epoch seconds); the container lived HELD_SECONDS more

    @property
    def score(self) -> float:
        return float(self.results.get("score", 0))

    @property
    def sandbox(self) -> list[str]:
        return list((self.results.get("extra_data") or {}).get("sandbox", []))


def _notes_folder_tar() -> bytes:
    """A tar holding one empty folder, /hostile-notes, that every user may write: where the hostile cell reports."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as archive:
        folder = tarfile.TarInfo("hostile-notes")
        folder.type, folder.mode = tarfile.DIRTYPE, 0o1777
        archive.addfile(folder)
    return buffer.getvalue()


def _hostile_notes(container: str) -> tuple[list[dict], float | None]:
    """The hostile cell's notes in the stopped container (none for an honest submission), and when
    run_autograder returned."""
    stream = docker("cp", f"{container}:/hostile-notes", "-", check=False).stdout
    notes, ended = [], None
    with tarfile.open(fileobj=io.BytesIO(stream), mode="r|*") as archive:
        for member in archive:
            if member.isfile() and Path(member.name).name == GRADING_ENDED:
                try:
                    ended = float(archive.extractfile(member).read())
                except ValueError:
                    continue
            elif member.isfile() and Path(member.name).name.startswith("gradekit-hostile-"):
                try:
                    notes.append(json.loads(archive.extractfile(member).read()))
                except ValueError:
                    continue
    return notes, ended


def grade_in_container(image: str, name: str, submission: Path) -> ContainerGrade:
    """Copy the submission into /autograder/submission of a fresh no-network container, run run_autograder,
    and take results.json (and any hostile notes) out of the stopped container."""
    container = f"gradescope-grade-{name}-{os.getpid()}"
    docker("rm", "-f", container, check=False)
    docker("create", "--name", container, "--network", "none", image, "sh", "-c", HELD_RUN)
    try:
        docker("cp", f"{submission}/.", f"{container}:/autograder/submission/")
        subprocess.run(["docker", "cp", "-", f"{container}:/"], input=_notes_folder_tar(), capture_output=True,
                       check=True)
        started = time.monotonic()
        done = docker("start", "--attach", container, check=False, timeout=GRADE_TIMEOUT)
        seconds = time.monotonic() - started
        state = json.loads(docker("inspect", "--format", "{{json .State}}", container).stdout)
        with tempfile.TemporaryDirectory(prefix="gradescope-results-") as scratch:
            copied = docker("cp", f"{container}:/autograder/results/results.json", scratch, check=False)
            target = Path(scratch) / "results.json"
            results = json.loads(target.read_text()) if copied.returncode == 0 else {}
        log = (done.stdout + done.stderr).decode(errors="replace")
        notes, ended = _hostile_notes(container)
        stopped_at = _epoch(state["FinishedAt"])
        return ContainerGrade(name, seconds - HELD_SECONDS, int(state["ExitCode"]), results, notes, log[-3000:],
                              ended if ended is not None else stopped_at - HELD_SECONDS)
    finally:
        docker("rm", "-f", container, check=False)


def _epoch(stamp: str) -> float:
    """Docker's RFC 3339 time with nanoseconds, as epoch seconds."""
    whole, _, fraction = stamp.rstrip("Z").partition(".")
    return datetime.fromisoformat(whole).replace(tzinfo=timezone.utc).timestamp() + float(f"0.{fraction or 0}")


def host_grade(root: Path, lesson: str, submission: Path, out: Path) -> dict:
    """`gradekit grade` on this machine for the same submission: its results.json."""
    done = subprocess.run([sys.executable, "-m", "gradekit.cli", "--root", str(root), "grade", lesson,
                           str(submission), "--out", str(out)], capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(root / "tools")}, timeout=GRADE_TIMEOUT)
    if done.returncode != 0 or not (out / "results.json").exists():
        raise RuntimeError(f"gradekit grade on the host failed: {done.stdout[-1500:]}{done.stderr[-1500:]}")
    return json.loads((out / "results.json").read_text())


def gradescope_problems(results: dict) -> list[str]:
    """What makes `results` invalid Gradescope JSON: the score is the sum of the tests' scores, and every test
    has a name, score, max_score, status and visibility."""
    problems = []
    tests = results.get("tests")
    if not isinstance(tests, list) or not tests:
        return ["no tests"]
    for index, test in enumerate(tests):
        missing = [key for key in ("name", "score", "max_score", "status", "visibility") if key not in test]
        if missing:
            problems.append(f"test {index} lacks {', '.join(missing)}")
        elif test["status"] not in ("passed", "failed") or test["visibility"] not in VISIBILITIES:
            problems.append(f"test {index}: status {test['status']!r}, visibility {test['visibility']!r}")
        elif not 0 <= test["score"] <= test["max_score"]:
            problems.append(f"test {index}: score {test['score']} outside 0..{test['max_score']}")
    total = sum(float(test.get("score", 0)) for test in tests)
    if not isinstance(results.get("score"), (int, float)) or abs(results["score"] - total) > 1e-6:
        problems.append(f"score {results.get('score')!r} is not the sum of the tests' scores ({total:g})")
    return problems


# ---- the whole run ------------------------------------------------------------------------------------------------

@dataclass
class Run:
    """Everything one run of the script measured."""

    lesson: str
    setup: Setup
    grades: dict[str, ContainerGrade]
    host_wrong: dict
    total_seconds: float


def run(root: Path, lesson: str, scratch: Path) -> Run:
    """Build the autograder image, then grade the three submissions in fresh containers (and the wrong one on
    the host, for comparison)."""
    started = time.monotonic()
    setup = build_autograder_image(root, lesson, scratch)
    submissions = make_submissions(root, lesson, scratch / "submissions")
    grades = {name: grade_in_container(setup.image, name, folder) for name, folder in submissions.items()}
    host_wrong = host_grade(root, lesson, submissions["wrong"], scratch / "host-wrong")
    return Run(lesson, setup, grades, host_wrong, time.monotonic() - started)


def hostile_summary(notes: list[dict], grading_ended: float) -> dict:
    """What the hostile cell managed, over all its workers and daemons (`grading_ended`: when run_autograder
    returned; the container lived HELD_SECONDS more, so a daemon still alive then beat after it)."""
    workers = [n for n in notes if "read" in n]
    daemons = [n for n in notes if "beats" in n]
    left_over = [entry[0] for n in workers for entry in n["tmp_entries"] if _left_over(entry, n["time"], daemons)]
    read = {}
    for note in workers:
        for path, outcome in note["read"].items():
            read.setdefault(path, set()).add("read" if isinstance(outcome, int) else outcome)
    return {
        "workers": len(workers),
        "worker_uids": len({n["uid"] for n in workers}),
        "read": {path: sorted(outcomes) for path, outcomes in read.items()},
        "forged_by_workers": sorted({n["forged"] for n in workers}),
        "daemons": len(daemons),
        "forged_by_daemons": sorted({result for n in daemons for result in n["forged"]}),
        "daemons_that_saw_the_final_results": sum(bool(n["grader_results_seen"]) for n in daemons),
        "daemons_alive_when_grading_ended": sum(n.get("last", 0) > grading_ended for n in daemons),
        "daemons_that_outlived_their_worker": sum(bool(n.get("beats_after_worker")) for n in daemons),
        "longest_after_worker_seconds": round(max((n["last"] - n["worker_gone"] for n in daemons
                                                   if n.get("worker_gone")), default=0), 2),
        "longest_daemon_seconds": round(max((n.get("last", 0) - n["started"] for n in daemons), default=0), 1),
        "others_notes_seen_in_tmp": len(left_over),
        "left_over_notes": sorted(set(left_over))[:10],
        "concurrent_calls_notes_seen": sum(entry[1] is True for n in workers for entry in n["tmp_entries"]),
    }


def _left_over(entry: list, seen_at: float, daemons: list[dict]) -> bool:
    """Whether a /tmp marker seen at `seen_at` outlived its writer by more than SWEEP_GRACE seconds: the pool
    clears a worker's files when its call ends, so a note that young may belong to a call ending right then."""
    _, alive, writer = entry
    if alive or alive is None:
        return alive is None
    ends = [n["worker_gone"] for n in daemons if n.get("worker") == writer and n.get("worker_gone")]
    # a daemon dies in the sweep that clears its worker's files: its last beat, plus one, bounds the worker's end too
    ends += [n["last"] + 0.2 for n in daemons if writer in (n["pid"], n.get("worker")) and "last" in n]
    return not ends or seen_at - min(ends) > SWEEP_GRACE


def print_run(result: Run) -> None:
    """The figures: setup time, image size, seconds per submission, sandbox layer, score."""
    setup = result.setup
    if setup.base_build_seconds is not None:
        print(f"base image {BASE_IMAGE}: built in {setup.base_build_seconds:.0f} s")
    else:
        print(f"base image {BASE_IMAGE}: cached")
    print(f"setup.sh in the container: {setup.setup_seconds:.0f} s (+ {setup.commit_seconds:.0f} s docker commit); "
          f"image {setup.image}: {setup.image_bytes / 1e9:.2f} GB")
    print(f"{'submission':<10} {'seconds':>8} {'score':>12} {'sandbox':<10} valid Gradescope JSON")
    for grade in result.grades.values():
        problems = gradescope_problems(grade.results)
        maximum = sum(float(t.get("max_score", 0)) for t in grade.results.get("tests", []))
        print(f"{grade.name:<10} {grade.seconds:>8.1f} {grade.score:>6g}/{maximum:<5g} "
              f"{','.join(grade.sandbox) or '-':<10} {'yes' if not problems else '; '.join(problems)}")
    print(f"wrong on the host (gradekit grade): {result.host_wrong.get('score', 0):g}, "
          f"sandbox {','.join((result.host_wrong.get('extra_data') or {}).get('sandbox', [])) or '-'}")
    hostile = result.grades["hostile"]
    print("hostile:", json.dumps(hostile_summary(hostile.hostile_notes, hostile.grading_ended)))
    print(f"whole run: {result.total_seconds:.0f} s (load average at the end: {os.getloadavg()[0]:.1f} on "
          f"{os.cpu_count()} cores)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--lesson", default="2_3_1")
    parser.add_argument("--json", type=Path, help="also write every measurement there")
    args = parser.parse_args()
    problem = docker_problem()
    if problem:
        print(f"cannot run: {problem}", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="gradescope-check-") as scratch:
        result = run(ROOT, args.lesson, Path(scratch))
    print_run(result)
    if args.json:
        args.json.write_text(json.dumps(asdict(result), indent=1, default=str) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
