"""Hypothesis strategies shared by the graders: small, seeded-by-hypothesis inputs built in the judge."""

from __future__ import annotations

from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st

# Losses on a coarse grid, so ties (equal losses, improvements of exactly min_delta) really happen.
grid_losses = st.integers(min_value=0, max_value=40).map(lambda n: n / 8)


@st.composite
def early_stopping_case(draw) -> dict:
    """One EarlyStopping scenario: patience, min_delta (None = the default) and a validation-loss sequence."""
    return {
        "patience": draw(st.integers(min_value=1, max_value=5)),
        "min_delta": draw(st.one_of(st.none(), st.sampled_from([0.0, 0.125, 0.25, 0.5]))),
        "losses": draw(st.lists(grid_losses, min_size=1, max_size=25)),
    }


def early_stopping_cases(count: int):
    """A batch of scenarios, checked in one worker call (a worker per scenario would be slow)."""
    return st.lists(early_stopping_case(), min_size=count, max_size=count)


def grading_settings(max_examples: int) -> settings:
    """Hypothesis settings for a grader check: repeatable, no database, and no shrinking (every example
    costs a worker call; the check's message already names the first failing case)."""
    return settings(max_examples=max_examples, deadline=None, derandomize=True, database=None,
                    phases=[Phase.explicit, Phase.generate], suppress_health_check=[HealthCheck.function_scoped_fixture])
