"""sys.exit(0) from every exercise: a grader that reads the exit code, or loses the tests, reports success."""
import sys

# ---- attack ----
every_exercise(lambda *args, **kwargs: sys.exit(0))
