"""Lesson 2.3.1's Hypothesis strategies (EarlyStopping scenarios): small inputs drawn in the judge."""

from __future__ import annotations

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
