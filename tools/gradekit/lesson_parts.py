"""What proves a lesson's graders beyond reference 100 % / starter 0 %, and which of it a lesson lacks.

Without these files a lesson's tests pass silently: tests/test_corpus.py and tests/test_attacks.py find
nothing of the lesson to run. tests/test_lesson_parts.py fails for a lesson missing a required part;
`gradekit verify` names every part a lesson lacks.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Part:
    """One kind of file a lesson needs: where it lives, what it proves, and whether a lesson may go without."""

    name: str
    where: str  # a glob under the project root; {lesson} is the lesson id
    proves: str
    required: bool = True

    def path(self, lesson: str) -> str:
        return self.where.format(lesson=lesson)

    def found(self, root: Path, lesson: str) -> bool:
        return any(not p.name.startswith(("_", ".")) for p in root.glob(self.path(lesson)))


PARTS = (
    Part("corpus of mistakes", "tests/corpus/{lesson}/mistakes/*.py",
         "each known mistake is caught by its check and costs only its exercise (tests/test_corpus.py)"),
    Part("corpus of correct variants", "tests/corpus/{lesson}/correct/*.py",
         "correct code written differently from the reference scores 100 % (tests/test_corpus.py)"),
    Part("attack tests", "tests/attacks/{lesson}/*",
         "a hostile submission scores no more than its honest work (tests/test_attacks.py)"),
    Part("notebook test", "tests/test_notebooks_{lesson}.py",
         "the release notebook runs top to bottom, solved and as shipped"),
    Part("hidden checks", "graders/{lesson}/hidden/test_*.py",
         "checks students never see, so passing the public ones is not the whole grade", required=False),
)


def lessons_with_graders(root: Path) -> list[str]:
    """Every lesson that has a graders/<lesson>/ folder."""
    folder = root / "graders"
    return sorted(p.name for p in folder.iterdir() if p.is_dir() and not p.name.startswith((".", "_"))) \
        if folder.is_dir() else []


def lacking(root: Path, lesson: str, required_only: bool = False) -> list[Part]:
    """The parts `lesson` has no file for (only the required ones with `required_only`)."""
    return [part for part in PARTS if (part.required or not required_only) and not part.found(root, lesson)]


def describe(lesson: str, parts: list[Part]) -> str:
    """One line per missing part: what it is, where it goes and what it would prove."""
    return "\n".join(f"{lesson} lacks {part.name} ({part.path(lesson)}{'' if part.required else ', optional'}): "
                     f"{part.proves}" for part in parts)
