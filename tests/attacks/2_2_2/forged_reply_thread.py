"""A forged reply from a thread started at import: every 10 ms it writes a reply claiming success (the prelude's
claims, beside whatever expected-looking values it finds on the heap), built with gradekit's own wire format, on
every pipe and socket in /proc/self/fd. The honest work: the starter."""
import threading
import time

# ---- attack ----


def keep_answering():
    while True:
        forge({**claimed_success(), **found_values(("expected", "expected_grad", "last_batch"))})  # noqa: F821
        time.sleep(0.01)


threading.Thread(target=keep_answering, daemon=True).start()
