"""What every part of the release uses: the templates' folder, the bundle's name and the error that stops it."""

from __future__ import annotations

from pathlib import Path

TEMPLATES = Path(__file__).resolve().parent.parent / "release_files"
BUNDLE_NAME = "gradekit-student"


class ReleaseError(RuntimeError):
    """The bundle cannot be released: a leak, an import of something not shipped, or a bad lesson."""
