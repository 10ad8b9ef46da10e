"""The Hypothesis settings every grader check that draws its inputs uses (`gradekit.checks.grading_settings`)."""

from __future__ import annotations

from hypothesis import HealthCheck, Phase, settings


def grading_settings(max_examples: int) -> settings:
    """Hypothesis settings for a grader check: repeatable, no database, and no shrinking (every example
    costs a worker call; the check's message already names the first failing case)."""
    return settings(max_examples=max_examples, deadline=None, derandomize=True, database=None,
                    phases=[Phase.explicit, Phase.generate], suppress_health_check=[HealthCheck.function_scoped_fixture])
