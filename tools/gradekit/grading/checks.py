"""The lesson's manifest of checks: every check with its exercise and points, fixed when the graders change.

Grading scores against this list, never against what happened to run: a check that was skipped, crashed,
timed out or vanished still counts in the denominator, with 0 points and a reason. It lives in
`graders/<lesson>/hidden/` because it names the hidden checks; `gradekit build` writes it and
`gradekit build --check` fails when it is stale.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

CHECKS_FILE = Path("hidden") / "checks.json"


def checks_path(root: Path, lesson: str) -> Path:
    return root / "graders" / lesson / CHECKS_FILE


def collect_checks(root: Path, lesson: str) -> list[dict]:
    """Collect (never run) every check of a lesson, hidden ones included, in a pytest subprocess."""
    with tempfile.TemporaryDirectory(prefix="gradekit-checks-") as scratch:
        out = Path(scratch) / "checks.json"
        command = [sys.executable, "-m", "pytest", f"graders/{lesson}", "--hidden", "--collect-only", "-q",
                   "-p", "no:cacheprovider", "-p", "gradekit.grading.collect", "--list-checks", str(out)]
        done = subprocess.run(command, cwd=root, capture_output=True, text=True, timeout=300)
        if done.returncode != 0 or not out.exists():
            raise ValueError(f"collecting the checks of {lesson} failed:\n{done.stdout[-2000:]}{done.stderr[-2000:]}")
        return json.loads(out.read_text())


def checks_text(root: Path, lesson: str) -> str:
    """The manifest's bytes: the lesson's checks in a stable order, with the points they are worth."""
    checks = sorted(collect_checks(root, lesson), key=lambda c: c["id"])
    manifest = {"lesson": lesson, "max_points": sum(c["points"] for c in checks), "checks": checks}
    return json.dumps(manifest, indent=1) + "\n"


def read_checks(root: Path, lesson: str) -> dict:
    """The committed manifest of a lesson's checks."""
    path = checks_path(root, lesson)
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise ValueError(f"{path} is missing or unreadable ({error}): run `gradekit build`") from None
