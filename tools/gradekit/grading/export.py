"""Pack a lesson for the platforms that grade at scale: a Gradescope autograder zip, a GitHub Actions workflow.

Both run the same `gradekit grade` as course staff do, so every check, the sandbox and the fixed
denominator come along. Neither ships solutions/: grading needs the graders, not the answers.
"""

from __future__ import annotations

import stat
import zipfile
from pathlib import Path

FIXED_TIME = (2026, 1, 1, 0, 0, 0)  # zip entries carry no build time: the same inputs give the same bytes
SKIPPED = {"__pycache__", ".pytest_cache"}

SETUP_SH = """#!/usr/bin/env bash
# Gradescope runs this once, as root, when it builds the autograder image (Ubuntu).
set -euo pipefail
apt-get update -qq
apt-get install -y -qq python3 python3-venv python3-pip >/dev/null
# The lessons' data: Debian's original Fashion-MNIST files where the package exists, else the same files fetched by
# torchvision, put where Debian would put them (readable by the workers' own uids, unlike root's home).
apt-get install -y -qq dataset-fashion-mnist >/dev/null 2>&1 || true
apt-get clean
rm -rf /var/lib/apt/lists/*
python3 -m venv /autograder/venv
/autograder/venv/bin/pip install --quiet --no-cache-dir --upgrade pip
/autograder/venv/bin/pip install --quiet --no-cache-dir -e /autograder/source
DATA=/usr/share/datasets/fashion-mnist
if [ ! -f "$DATA/t10k-images-idx3-ubyte.gz" ]; then
  mkdir -p "$DATA"
  /autograder/venv/bin/python -c "import sys, torchvision; torchvision.datasets.FashionMNIST(sys.argv[1], train=True, download=True); torchvision.datasets.FashionMNIST(sys.argv[1], train=False, download=True)" /tmp/fashion-mnist
  cp /tmp/fashion-mnist/FashionMNIST/raw/*.gz "$DATA"/
  rm -rf /tmp/fashion-mnist
fi
chmod -R a+rX "$DATA" /autograder/venv
"""

RUN_AUTOGRADER = """#!/usr/bin/env bash
# Gradescope runs this once per submission: grade /autograder/submission with every check of lesson {lesson}
# and write /autograder/results/results.json. AUTOGRADER_ROOT and GRADEKIT_PYTHON let a test run it elsewhere.
set -uo pipefail
AUTOGRADER="${{AUTOGRADER_ROOT:-/autograder}}"
PYTHON="${{GRADEKIT_PYTHON:-$AUTOGRADER/venv/bin/python}}"
mkdir -p "$AUTOGRADER/results"
# Where workers only get a uid of their own (Docker's default seccomp, as here), permissions are their only
# wall: the graders (hidden checks too) and the results stay root's.
chmod 700 "$AUTOGRADER/source" "$AUTOGRADER/results"
cd "$AUTOGRADER/source"
PYTHONPATH="$AUTOGRADER/source/tools" "$PYTHON" -m gradekit.cli --root "$AUTOGRADER/source" \\
    grade {lesson} "$AUTOGRADER/submission" --out "$AUTOGRADER/results" --jobs 2
if [ ! -s "$AUTOGRADER/results/results.json" ]; then
  echo '{{"score": 0, "output": "The autograder could not grade this submission. Course staff can see why in the log.", "tests": []}}' \\
    > "$AUTOGRADER/results/results.json"
fi
"""

WORKFLOW = """# Grades lesson {lesson} on every push: `gradekit grade` with every check, the score in the job summary.
# Written by `gradekit export github {lesson}`. Put it in the submission repository as
# .github/workflows/grade-{lesson}.yml; set the repository (or organisation) variable GRADER_REPO to the course
# repository holding graders/ and the secret GRADER_TOKEN to a read-only token for it.
# A student can edit a workflow in their own repository: use this run for feedback, and grade the collected
# submissions with `gradekit grade` (or an organisation-level required workflow) for the grade of record.
name: grade {lesson}
on:
  push:
  workflow_dispatch:
permissions:
  contents: read
jobs:
  grade:
    runs-on: ubuntu-latest
    timeout-minutes: 30
    steps:
      - name: Check out the submission
        uses: actions/checkout@v4
        with:
          path: submission
      - name: Check out the graders
        uses: actions/checkout@v4
        with:
          repository: ${{{{ vars.GRADER_REPO }}}}
          token: ${{{{ secrets.GRADER_TOKEN }}}}
          path: course
      - uses: actions/setup-python@v5
        with:
          python-version: "3.11"
          cache: pip
          cache-dependency-path: course/pyproject.toml
      - name: Install the grader
        run: |
          sudo apt-get install -y -qq dataset-fashion-mnist || true
          python -m pip install --quiet -e course
      - name: Grade
        run: gradekit --root course grade {lesson} submission --out grades --jobs 2
      - name: Keep the reports
        if: always()
        uses: actions/upload-artifact@v4
        with:
          name: grades-{lesson}
          path: grades/
"""


def _files(root: Path, lesson: str) -> list[tuple[Path, str]]:
    """What the autograder needs, as (file, name in the zip): the package, this lesson's graders (hidden ones
    too) and its assignment files; never solutions/ or tests/."""
    picked = [(root / "pyproject.toml", "pyproject.toml")]
    for folder in (root / "tools" / "gradekit", root / "graders" / lesson, root / "assignments" / lesson):
        for path in sorted(folder.rglob("*")):
            if path.is_file() and not SKIPPED & set(path.parts) and not path.is_symlink():
                picked.append((path, path.relative_to(root).as_posix()))
    return picked


def _add(archive: zipfile.ZipFile, name: str, data: bytes, executable: bool = False) -> None:
    info = zipfile.ZipInfo(name, FIXED_TIME)
    info.external_attr = ((0o755 if executable else 0o644) | stat.S_IFREG) << 16
    info.compress_type = zipfile.ZIP_DEFLATED
    archive.writestr(info, data)


def export_gradescope(root: Path, lesson: str, out: Path) -> Path:
    """Write `gradescope-<lesson>.zip`: setup.sh and run_autograder at its root, the grader source beside them."""
    if not (root / "graders" / lesson).is_dir():
        raise ValueError(f"no graders for lesson {lesson!r}")
    out.mkdir(parents=True, exist_ok=True)
    target = out / f"gradescope-{lesson}.zip"
    with zipfile.ZipFile(target, "w") as archive:
        _add(archive, "setup.sh", SETUP_SH.encode(), executable=True)
        _add(archive, "run_autograder", RUN_AUTOGRADER.format(lesson=lesson).encode(), executable=True)
        for path, name in _files(root, lesson):
            _add(archive, name, path.read_bytes())
    return target


def export_github(root: Path, lesson: str, out: Path) -> Path:
    """Write `.github/workflows/grade-<lesson>.yml` under `out` (a submission repository's root)."""
    if not (root / "graders" / lesson).is_dir():
        raise ValueError(f"no graders for lesson {lesson!r}")
    target = out / ".github" / "workflows" / f"grade-{lesson}.yml"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(WORKFLOW.format(lesson=lesson))
    return target
