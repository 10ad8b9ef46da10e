"""Bring one submission (a .py, an .ipynb, a folder or a .zip) into a private folder and find the file to grade.

The judge grades the copy, never the original: a zip is unpacked safely (no absolute paths, no `..`, no
links, no passwords, size and file-count caps), links are not followed, and caches and checkpoints folders
of editors are left out. A submission that cannot be staged (a damaged zip, an unreadable file or folder)
gets a problem, which its report shows on every check; staging never raises.
"""

from __future__ import annotations

import os
import shutil
import stat
import zipfile
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from ..harness.submission import SubmissionError, choose_in_folder

MAX_FILES = 2000
MAX_BYTES = 1024**3
SKIPPED = {"__pycache__", ".ipynb_checkpoints", "__MACOSX", ".git", ".venv", "venv"}
ENCRYPTED = 0x1  # the zip format's flag bit of a member that needs a password


@dataclass
class Staged:
    """A submission copied into the judge's scratch: the file to grade, or the problems that prevent it."""

    name: str
    source: Path
    folder: Path
    file: Path | None = None
    note: str = ""
    problems: list[str] = field(default_factory=list)


class StageError(ValueError):
    """The submission cannot be copied or unpacked."""


def stage(source: Path, folder: Path, name: str, module_file: str, notebook_file: str,
          pristine: dict[str, str]) -> Staged:
    """Copy or unpack `source` into `folder` and pick the file to grade (the edited module or notebook).

    Never raises: whatever goes wrong staging one submission becomes that submission's problem."""
    staged = Staged(name=name, source=source, folder=folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        _bring_in(source, folder)
        staged.file, staged.note = locate(folder, module_file, notebook_file, pristine)
    except (StageError, SubmissionError) as error:
        staged.problems.append(str(error))
    except OSError as error:
        staged.problems.append(f"{source.name or source} could not be read or unpacked: {_os_reason(error)}")
    except Exception as error:  # noqa: BLE001 - a staging failure we did not foresee still fails only this submission
        staged.problems.append(f"{source.name or source} could not be staged ({type(error).__name__}: {error})")
    if staged.problems:
        staged.file = None
    return staged


def _bring_in(source: Path, folder: Path) -> None:
    """Copy a folder, unpack a zip or copy a single .py/.ipynb file into `folder`."""
    kind = source.suffix.lower()
    if source.is_dir():
        _copy_tree(source, folder)
    elif kind == ".zip" and source.is_file():
        _unzip(source, folder)
    elif kind in (".py", ".ipynb") and source.is_file():
        if source.stat().st_size > MAX_BYTES:
            raise StageError(_too_large(source))
        shutil.copyfile(source, folder / source.name)
    elif not source.exists():
        raise StageError(f"{source} does not exist")
    else:
        raise StageError(f"{source.name}: a submission is a .py module, an .ipynb notebook, a folder or a .zip")


def _os_reason(error: OSError) -> str:
    """An OSError in a few words, naming the file it concerns but not where it lies on the grader's disk."""
    reason = error.strerror or str(error)
    return f"{reason} ({Path(error.filename).name})" if error.filename else reason


def _too_large(source: Path) -> str:
    return f"{source.name} is too large to grade (over {MAX_FILES} files or {MAX_BYTES >> 20} MiB)"


def _unreadable_folder(error: OSError) -> None:
    """os.walk's error handler: a folder it cannot list stops staging, rather than vanishing from the copy."""
    raise StageError(f"the folder {Path(error.filename or '?').name} could not be read: {error.strerror or error}")


def _copy_tree(source: Path, target: Path) -> None:
    """Copy plain files and folders (links, devices and pipes are skipped), within the caps."""
    count = size = 0
    for here, folders, files in os.walk(source, onerror=_unreadable_folder):
        relative = Path(here).relative_to(source)
        folders[:] = sorted(f for f in folders if _copied_folder(Path(here) / f))
        (target / relative).mkdir(parents=True, exist_ok=True)
        for name in sorted(files):
            path = Path(here) / name
            if name in SKIPPED or not stat.S_ISREG(path.lstat().st_mode):
                continue
            count, size = count + 1, size + path.lstat().st_size
            if count > MAX_FILES or size > MAX_BYTES:
                raise StageError(_too_large(source))
            shutil.copy2(path, target / relative / name, follow_symlinks=False)  # keeps the time: newer wins


def _copied_folder(path: Path) -> bool:
    """Whether a folder of a submission is copied: not a link, not hidden, not an editor's or tool's cache."""
    return not (path.name in SKIPPED or path.name.startswith(".") or path.is_symlink())


def _unzip(source: Path, target: Path) -> None:
    """Unpack a zip, refusing members that would land outside `target`, links, passwords and zip bombs."""
    try:
        archive = zipfile.ZipFile(source)
    except Exception as error:  # noqa: BLE001 - zipfile raises many kinds for a damaged archive
        raise StageError(f"{source.name} is not a readable zip file ({error})") from None
    with archive:
        members = [m for m in archive.infolist() if not m.is_dir()]
        if len(members) > MAX_FILES or sum(m.file_size for m in members) > MAX_BYTES:
            raise StageError(_too_large(source))
        if any(m.flag_bits & ENCRYPTED for m in members):
            raise StageError(f"{source.name} is protected by a password: submit a zip without a password")
        for member in members:
            parts = PurePosixPath(member.filename.replace("\\", "/")).parts
            if member.filename.startswith(("/", "\\")) or ".." in parts or (parts and ":" in parts[0]):
                raise StageError(f"{source.name} holds an unsafe path: {member.filename}")
            if SKIPPED & set(parts) or stat.S_ISLNK(member.external_attr >> 16):
                continue
            _extract(archive, member, target.joinpath(*parts), source.name)


def _extract(archive: zipfile.ZipFile, member: zipfile.ZipInfo, destination: Path, zip_name: str) -> None:
    """Unpack one member; a member that cannot be read says which and why (a write that fails stays an OSError)."""
    destination.parent.mkdir(parents=True, exist_ok=True)
    with _reading_member(zip_name, member):
        data = archive.open(member)
    with data, open(destination, "wb") as out:
        while True:
            with _reading_member(zip_name, member):
                chunk = data.read(1 << 20)
            if not chunk:
                break
            out.write(chunk)


@contextmanager
def _reading_member(zip_name: str, member: zipfile.ZipInfo):
    """Turn any failure reading a zip member (damaged data, an unknown compression) into a StageError."""
    try:
        yield
    except NotImplementedError as error:
        raise StageError(f"{zip_name}: {member.filename} is packed in a way the grader cannot unpack ({error}); "
                         f"zip it again with the usual compression") from None
    except Exception as error:  # noqa: BLE001 - zlib, lzma, bz2 and zipfile each raise their own kind
        raise StageError(f"{zip_name} is damaged: {member.filename} cannot be unpacked "
                         f"({type(error).__name__}: {error}); zip it again") from None


def locate(folder: Path, module_file: str, notebook_file: str, pristine: dict[str, str]) -> tuple[Path, str]:
    """The file to grade: in the shallowest folder holding the lesson's module or notebook, the edited one;
    else the only .py/.ipynb file there is."""
    named = [p for p in folder.rglob("*") if p.name in (module_file, notebook_file) and p.is_file()]
    if named:
        home = min((p.parent for p in named), key=lambda d: (len(d.relative_to(folder).parts), str(d)))
        return choose_in_folder(home, module_file, notebook_file, pristine)
    code = sorted(p for p in folder.rglob("*") if p.suffix in (".py", ".ipynb") and p.is_file())
    if len(code) == 1:
        return code[0], "the only .py/.ipynb file submitted"
    listing = ", ".join(str(p.relative_to(folder)) for p in code[:8]) or "no .py or .ipynb file"
    raise StageError(f"the submission holds neither {module_file} nor {notebook_file} ({listing}); "
                     f"submit the lesson's file under its own name")
