"""A pytest plugin that lists a lesson's checks (id, exercise, points, hidden) without running any of them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("gradekit")
    group.addoption("--list-checks", metavar="PATH", help="write every collected check as JSON to PATH")


@pytest.hookimpl(trylast=True)
def pytest_collection_finish(session: pytest.Session) -> None:
    path = session.config.getoption("list_checks")
    grading = session.config.pluginmanager.get_plugin("gradekit-session")
    if not path or grading is None:
        return
    checks = [{"id": r.nodeid, "name": r.name, "exercise": r.exercise, "points": r.max_points, "hidden": r.hidden}
              for r in grading.results.values()]
    Path(path).write_text(json.dumps(checks))
