"""Flood stdout and stderr, at import and in every call."""
import sys

LINE = "x" * 4095 + "\n"


def flood(*args, **kwargs):
    for _ in range(1 << 14):
        sys.stdout.write(LINE)
        sys.stderr.write(LINE)


# ---- attack ----
try:
    flood()
except OSError:
    pass
every_exercise(flood)
