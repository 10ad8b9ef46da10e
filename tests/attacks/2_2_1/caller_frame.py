"""Read the grader's frames: every exercise returns whatever a caller holds that looks like the expected answer
(the expected items, tensors or statistics). Honest work: nothing (the starter)."""
import sys

# ---- attack ----

WANTED = ("expected", "expected_stats", "expected_len", "answer", "reference")


def reader(*args, **kwargs):
    frame = sys._getframe(1)
    while frame is not None:
        for name in WANTED:
            found = frame.f_locals.get(name)
            if found is not None:
                return found
        frame = frame.f_back
    return args[0] if args else None


every_exercise(reader)
