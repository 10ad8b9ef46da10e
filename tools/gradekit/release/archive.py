"""Writing a bundle as a folder and as a reproducible zip, and reading both back to compare with what was audited."""

from __future__ import annotations

import io
import shutil
import zipfile
from pathlib import Path, PurePosixPath

from .shared import BUNDLE_NAME, ReleaseError

ZIP_DATE = (1980, 1, 1, 0, 0, 0)  # the earliest a zip can hold: the same bytes on every release


def write_folder(folder: Path, files: dict[str, bytes]) -> None:
    """Write the bundle folder afresh; an existing folder is replaced only if it is an earlier bundle."""
    if folder.exists():
        marker = folder / "pyproject.toml"
        if not (marker.is_file() and f'name = "{BUNDLE_NAME}"' in marker.read_text(encoding="utf-8")):
            raise ReleaseError(f"{folder} exists and is not a student bundle: choose another --out")
        shutil.rmtree(folder)
    for name in sorted(files):
        path = folder / PurePosixPath(name)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(files[name])


def write_zip(archive: Path, top: str, files: dict[str, bytes]) -> None:
    """Write the zip with `top/` as its only top-level folder: sorted entries, fixed dates, the same bytes each time."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as bundle:
        for name in sorted(files):
            info = zipfile.ZipInfo(f"{top}/{name}", date_time=ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            bundle.writestr(info, files[name], compresslevel=9)
    archive.parent.mkdir(parents=True, exist_ok=True)
    archive.write_bytes(buffer.getvalue())


def read_zip(archive: Path) -> dict[str, bytes]:
    """A zip's files (path inside the bundle → bytes), its top-level folder taken off."""
    with zipfile.ZipFile(archive) as bundle:
        return {info.filename.split("/", 1)[1]: bundle.read(info) for info in bundle.infolist() if not info.is_dir()}


def read_folder(folder: Path) -> dict[str, bytes]:
    """A bundle folder's files (path inside it → bytes)."""
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}
