"""Build every lesson's release files from solutions/, or check that the committed ones are up to date."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .outputs import lesson_outputs
from .source import LESSON_DIR, read_source


@dataclass
class BuildResult:
    """What one build (or check) found: files written or stale, per lesson."""

    written: list[Path]
    stale: list[Path]


def lesson_sources(root: Path, lessons: list[str] | None = None) -> list[Path]:
    """Find the lesson sources: one `solutions/<lesson>/<module>.py` per lesson folder."""
    found = []
    for folder in sorted((root / "solutions").iterdir()):
        if not (folder.is_dir() and LESSON_DIR.match(folder.name)):
            continue
        if lessons and folder.name not in lessons:
            continue
        sources = sorted(p for p in folder.glob("*.py") if not p.name.startswith("_"))
        if not sources and not lessons:
            continue  # a lesson folder with no source yet
        if len(sources) != 1:
            raise ValueError(f"{folder}: expected exactly one lesson source (*.py), found {len(sources)}")
        found.append(sources[0])
    missing = set(lessons or ()) - {p.parent.name for p in found}
    if missing:
        raise ValueError(f"no source for lesson(s) {', '.join(sorted(missing))} under {root / 'solutions'}")
    return found


def build(root: Path, lessons: list[str] | None = None, check: bool = False) -> BuildResult:
    """Write assignments/<lesson>/ for each lesson; with `check`, only report the files that differ."""
    result = BuildResult(written=[], stale=[])
    for path in lesson_sources(root, lessons):
        source = read_source(path)
        outputs = {root / "assignments" / source.lesson / name: text for name, text in lesson_outputs(source).items()}
        if (root / "graders" / source.lesson).is_dir():
            from ..grading.checks import checks_path, checks_text

            outputs[checks_path(root, source.lesson)] = checks_text(root, source.lesson)
        for out, text in outputs.items():
            current = out.read_text(encoding="utf-8") if out.exists() else None
            if current == text:
                continue
            if check:
                result.stale.append(out)
            else:
                out.parent.mkdir(parents=True, exist_ok=True)
                out.write_text(text, encoding="utf-8")
                result.written.append(out)
    return result
