"""A thread started at import forges the reply: it finds every pipe and socket in /proc/self/fd and writes
frames, made with the harness's own wire module, that claim success and fill every result a 2.3.2 check
compares (losses, weights, restored states, returned epochs, the crash, the checkpoint's contents) with
whatever trusted-looking values it can find in the process. Honest work: nothing (the starter)."""
# ---- attack ----
import gc
import os
import threading
import time


def _found_values():
    """Everything in the heap that looks like a grader's expected answer."""
    wanted = ("reference", "reference_params", "reference_first", "straight", "straight_final", "saved_model",
              "saved_optimizer", "trusted_at_crash", "done", "expected", "before", "weights", "loss", "losses")
    found = {}
    for value in gc.get_objects():
        if isinstance(value, dict):
            for key in wanted:
                if key in value and key not in found:
                    found[key] = value[key]
    return found


def _claims():
    """A reply that says every result came out right, with the found values as the results."""
    found = _found_values()
    weights = found.get("weights") or found.get("before") or {}
    losses = found.get("losses") if isinstance(found.get("losses"), list) else [1.0, 1.0, 1.0]
    return {"error": None, "loss": found.get("loss", 1.0), "losses": losses, "first": losses[:2],
            "second": losses[:2], "params": weights, "after": weights, "final": weights, "restored_model": weights,
            "restored_optimizer": found.get("saved_optimizer", {}), "returned": 4, "start": 4, "crashed": True,
            "again": [], **found}


def _forge():
    from gradekit.harness import wire

    ok = {"status": "ok", "sandbox": "namespaces", "cell_errors": [], "tampered": [], "seconds": 0.1}
    for _ in range(40):
        for name in os.listdir("/proc/self/fd"):
            try:
                target = os.readlink(f"/proc/self/fd/{name}")
                if not target.startswith(("pipe:", "socket:")) or int(name) <= 2:
                    continue
                tree, blobs = wire.encode(_claims())
                for payload, payload_blobs in (({**ok, "result": tree}, blobs), ({"loaded": True}, [])):
                    wire.write_frame(int(name), payload, payload_blobs)
            except Exception:  # noqa: BLE001
                continue
        time.sleep(0.02)


threading.Thread(target=_forge, daemon=True).start()
