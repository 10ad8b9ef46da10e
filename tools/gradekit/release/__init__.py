"""`gradekit release`: the student bundle, a folder and a zip holding what students need and nothing else.

A bundle mirrors the repository so the grading plugin works unchanged: `assignments/<lesson>/` (starter,
release notebook, manifest, built fresh from the sources), `graders/<lesson>/` (public checks and probes only)
and `tools/gradekit/` (the harness and what it imports, found by reading imports, never a hand list), plus a
student README, a pyproject and a root conftest.py. Before anything is written, a leak audit looks for every
solution line, hidden check name and distinctive hidden literal in every file of the bundle.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from .archive import ZIP_DATE, read_folder, read_zip, write_folder, write_zip
from .audit import Finding, Secret, audit, collapse, secrets, split_accepted
from .contents import Imports, bundle_files, chosen_lessons, imported
from .shared import BUNDLE_NAME, TEMPLATES, ReleaseError
from .texts import course_words, data_section

__all__ = ["release_bundle", "ReleaseResult", "ReleaseError", "Finding", "Secret", "BUNDLE_NAME", "TEMPLATES",
           "ZIP_DATE", "Imports", "imported", "bundle_files", "secrets", "audit", "collapse", "split_accepted",
           "course_words", "data_section"]


@dataclass
class ReleaseResult:
    """What `release_bundle` wrote: the folder, the zip, the lessons and files inside, accepted overlaps."""

    folder: Path
    zip: Path
    lessons: list[str]
    files: list[str] = field(default_factory=list)
    dependencies: list[str] = field(default_factory=list)
    accepted: list[Finding] = field(default_factory=list)


def release_bundle(root: Path, lessons: list[str] | None, out: Path) -> ReleaseResult:
    """Build the student bundle for `lessons` (default: every lesson with graders) as `out/<name>/` and a zip."""
    root, out = Path(root).resolve(), Path(out).resolve()
    lessons = chosen_lessons(root, lessons)
    files, dependencies = bundle_files(root, lessons)
    hidden_from_students = secrets(root)
    accepted, leaks = split_accepted(audit(files, hidden_from_students))
    if leaks:
        raise ReleaseError("the bundle would leak what students must not see:\n  "
                           + "\n  ".join(f.describe() for f in leaks[:30])
                           + (f"\n  ... and {len(leaks) - 30} more" if len(leaks) > 30 else ""))
    name = f"{BUNDLE_NAME}-{'-'.join(lessons)}"
    folder, archive = out / name, out / f"{name}.zip"
    write_folder(folder, files)
    write_zip(archive, name, files)
    zipped_files = read_zip(archive)
    if zipped_files != files or read_folder(folder) != files:
        raise ReleaseError(f"{folder} or {archive} does not hold exactly the audited files")
    _, zipped = split_accepted(audit(zipped_files, hidden_from_students, prefix="<zip>/"))
    if zipped:
        raise ReleaseError(f"{archive} leaks: {zipped[0].describe()}")
    return ReleaseResult(folder=folder, zip=archive, lessons=lessons, files=sorted(files),
                         dependencies=dependencies, accepted=accepted)
