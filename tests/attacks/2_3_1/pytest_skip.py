"""pytest.skip() from student code: GitHub's python grader scored a skipped test as a pass."""
import pytest


def skip(*args, **kwargs):
    pytest.skip("nothing to see here")


# ---- attack ----
every_exercise(skip)
pytest.skip("skip the whole module", allow_module_level=True)
