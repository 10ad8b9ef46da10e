"""pytest.exit(returncode=0) from student code: under GitHub's python grader the unrun tests vanished from
the denominator and the run reported full marks."""
import pytest


def bye(*args, **kwargs):
    pytest.exit("all checks passed", returncode=0)


# ---- attack ----
every_exercise(bye)
bye()
