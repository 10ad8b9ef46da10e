"""Bring one submission (a .py, an .ipynb, a folder or a .zip) into a private folder and find the file to grade.

The judge grades the copy, never the original: a zip is unpacked safely (no absolute paths, no `..`, no
links, size and file-count caps), links are not followed, and caches and checkpoints folders of editors
are left out. A submission that cannot be staged gets a problem, which its report shows on every check.
"""

from __future__ import annotations

import shutil
import stat
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from ..harness.submission import SubmissionError, choose_in_folder

MAX_FILES = 2000
MAX_BYTES = 1024**3
SKIPPED = {"__pycache__", ".ipynb_checkpoints", "__MACOSX", ".git", ".venv", "venv"}


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
    """Copy or unpack `source` into `folder` and pick the file to grade (the edited module or notebook)."""
    staged = Staged(name=name, source=source, folder=folder)
    folder.mkdir(parents=True, exist_ok=True)
    try:
        if source.is_dir():
            _copy_tree(source, folder)
        elif source.suffix == ".zip":
            _unzip(source, folder)
        elif source.suffix in (".py", ".ipynb") and source.is_file():
            shutil.copyfile(source, folder / source.name)
        elif not source.exists():
            raise StageError(f"{source} does not exist")
        else:
            raise StageError(f"{source.name}: a submission is a .py module, an .ipynb notebook, a folder or a .zip")
        staged.file, staged.note = locate(folder, module_file, notebook_file, pristine)
    except (StageError, SubmissionError, OSError) as error:
        staged.problems.append(str(error))
    return staged


def _copy_tree(source: Path, target: Path) -> None:
    """Copy plain files and folders (links are skipped), within the caps."""
    count = size = 0
    for path in sorted(source.rglob("*")):
        relative = path.relative_to(source)
        if SKIPPED & set(relative.parts) or any(part.startswith(".") and part != "." for part in relative.parts[:-1]):
            continue
        if path.is_symlink() or not (path.is_file() or path.is_dir()):
            continue
        if path.is_dir():
            (target / relative).mkdir(parents=True, exist_ok=True)
            continue
        count, size = count + 1, size + path.stat().st_size
        if count > MAX_FILES or size > MAX_BYTES:
            raise StageError(f"{source.name} is too large to grade (over {MAX_FILES} files or {MAX_BYTES >> 20} MiB)")
        (target / relative).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, target / relative)


def _unzip(source: Path, target: Path) -> None:
    """Unpack a zip, refusing members that would land outside `target`, links and zip bombs."""
    try:
        archive = zipfile.ZipFile(source)
    except (zipfile.BadZipFile, OSError) as error:
        raise StageError(f"{source.name} is not a readable zip file ({error})") from None
    with archive:
        members = [m for m in archive.infolist() if not m.is_dir()]
        if len(members) > MAX_FILES or sum(m.file_size for m in members) > MAX_BYTES:
            raise StageError(f"{source.name} is too large to grade (over {MAX_FILES} files or {MAX_BYTES >> 20} MiB)")
        for member in members:
            parts = PurePosixPath(member.filename.replace("\\", "/")).parts
            if member.filename.startswith(("/", "\\")) or ".." in parts or (parts and ":" in parts[0]):
                raise StageError(f"{source.name} holds an unsafe path: {member.filename}")
            if SKIPPED & set(parts) or stat.S_ISLNK(member.external_attr >> 16):
                continue
            destination = target.joinpath(*parts)
            destination.parent.mkdir(parents=True, exist_ok=True)
            with archive.open(member) as data, open(destination, "wb") as out:
                shutil.copyfileobj(data, out)


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
