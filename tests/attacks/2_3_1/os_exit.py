"""os._exit(0) from every exercise: the process ends before any failure is recorded."""
import os

# ---- attack ----
every_exercise(lambda *args, **kwargs: os._exit(0))
