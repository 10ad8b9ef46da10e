"""A thread started at import forges the reply: it finds every pipe and socket in /proc/self/fd and writes
frames, made with the harness's own wire module, that claim success and fill every result a 2.1.1 check reads
(tensor descriptions, errors, timings, product counts) with whatever answer-like values it can find in the
process. Honest work: nothing (the starter)."""
# ---- attack ----
import threading
import time

WANTED = ("expected", "elementwise", "original", "changed", "values", "entries", "answers")


def _claims():
    found = found_values(WANTED)  # noqa: F821 - from the toolkit
    timing = {"result": 0.01, "error": None, "products": {"cpu": 99, "cuda": 99}, "took": 1.0, "repeats": 8,
              "cpu_ms": 1.0, "device_ms": 1.0, "device": "cuda:0"}
    return {"type": "dict", "entries": found.get("entries", {}), "error": None, "returned": found.get("expected"),
            "time_matmul": {"accelerator": timing, "cpu": timing}, "cpu_vs_device": {"accelerator": timing,
                                                                                     "cpu": timing}, **found}


def _keep_forging():
    for _ in range(40):
        forge(_claims())  # noqa: F821 - from the toolkit
        time.sleep(0.02)


threading.Thread(target=_keep_forging, daemon=True).start()
