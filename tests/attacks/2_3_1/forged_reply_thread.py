"""A thread started at import forges the reply: it finds every pipe and socket in /proc/self/fd and writes
frames, made with the harness's own wire module, that claim success and copy whatever trusted-looking values
it can find in the process. Honest work: nothing (the starter)."""
# ---- attack ----
import gc
import os
import threading
import time


def _found_values():
    """Everything in the heap that looks like a grader's expected answer."""
    wanted = ("expected", "original", "straight", "saved_model", "saved_optimizer", "reference", "trusted")
    found = {}
    for value in gc.get_objects():
        if isinstance(value, dict):
            for key in wanted:
                if key in value and key not in found:
                    found[key] = value[key]
    return found


def _forge():
    from gradekit.harness import wire

    claims = _found_values()
    ok = {"status": "ok", "sandbox": "namespaces", "cell_errors": [], "tampered": [], "seconds": 0.1}
    for _ in range(40):
        for name in os.listdir("/proc/self/fd"):
            try:
                target = os.readlink(f"/proc/self/fd/{name}")
                if not target.startswith(("pipe:", "socket:")) or int(name) <= 2:
                    continue
                for payload in ({**ok, "result": wire.encode(claims)[0]}, {**ok, "result": {"value": True}},
                                {"phase": "loaded"}):
                    tree_blobs = wire.encode(claims)[1] if "result" in payload and payload["result"] != \
                        {"value": True} else []
                    wire.write_frame(int(name), payload, tree_blobs)
            except Exception:  # noqa: BLE001
                continue
        time.sleep(0.02)


threading.Thread(target=_forge, daemon=True).start()
