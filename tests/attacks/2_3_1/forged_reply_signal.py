"""A SIGALRM handler forges the reply while the grader waits: every pipe and socket gets a frame that claims
success, and every stub writes one too before it raises. Honest work: nothing (the starter)."""
# ---- attack ----
import os
import signal


def _forge(*_):
    from gradekit.harness import wire

    for name in os.listdir("/proc/self/fd"):
        try:
            if int(name) > 2 and os.readlink(f"/proc/self/fd/{name}").startswith(("pipe:", "socket:")):
                wire.write_frame(int(name), {"status": "ok", "result": {"value": {"$dict": [
                    ["returned", 5], ["exists", True], ["is_module", True], ["training", False]]}},
                    "tampered": [], "cell_errors": []})
        except Exception:  # noqa: BLE001
            continue
    signal.setitimer(signal.ITIMER_REAL, 0.01)


signal.signal(signal.SIGALRM, _forge)
signal.setitimer(signal.ITIMER_REAL, 0.01)


def _stub(*args, **kwargs):
    _forge()
    return None


every_exercise(_stub)  # noqa: F821 - from the prelude
