"""Shows the grader's environment in its feedback: every stub raises an error holding os.environ, and the
module prints it. A token in the judge's environment must never reach a student's report. Honest work:
nothing (the starter)."""
# ---- attack ----
import os

print(dict(os.environ))


def _stub(*args, **kwargs):
    raise RuntimeError(" ".join(f"{k}={v}" for k, v in os.environ.items()))


every_exercise(_stub)  # noqa: F821 - from the prelude
