"""Writes malformed frames to every descriptor it holds, from a thread started at import and from every stub: an
8-byte length with `[]`, a header nested 100 000 deep, a length of 2**40. Honest work: nothing (the starter).
Its classmates in the batch must keep their exact scores."""
# ---- attack ----
import os
import struct
import threading
import time

DEEP = b"[" * 100000 + b"]" * 100000
FRAMES = [struct.pack("<Q", 2) + b"[]", struct.pack("<Q", len(DEEP)) + DEEP, struct.pack("<Q", 1 << 40)]


def _spray():
    for fd in range(3, 128):
        for frame in FRAMES:
            try:
                os.write(fd, frame)
            except OSError:
                pass


def _keep_spraying():
    for _ in range(50):
        _spray()
        time.sleep(0.02)


threading.Thread(target=_keep_spraying, daemon=True).start()


def _stub(*args, **kwargs):
    _spray()
    return []


every_exercise(_stub)  # noqa: F821 - from the prelude
