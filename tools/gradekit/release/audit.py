"""The leak audit: every solution line, hidden check name and distinctive hidden literal, looked for in every
file of a bundle (notebooks read as cell text, and the zip again); overlaps accepted on purpose are listed in
release_files/accepted_overlaps.json."""

from __future__ import annotations

import ast
import json
import re
from dataclasses import dataclass
from pathlib import Path

from .contents import STUDENT_ROOTS
from .shared import TEMPLATES

MIN_SECRET_CHARS = 24  # shorter solution lines and strings are idioms (`model.eval()`), not answers
MIN_NUMBER_DIGITS = 4  # hidden numbers with fewer significant digits are seeds and tolerances


@dataclass(frozen=True)
class Secret:
    """Text that must not appear in a bundle, and where it comes from."""

    kind: str  # "solution", "hidden name", "hidden text", "hidden number"
    text: str  # whitespace-collapsed
    origin: str  # "solutions/2_3_1/saving_and_loading.py:157"
    word: bool = False  # match whole words only (names, numbers)


@dataclass(frozen=True)
class Finding:
    """One secret found in one bundle file."""

    secret: Secret
    path: str  # inside the bundle; "<zip>/..." for an entry of the zip

    def describe(self) -> str:
        return f"{self.path}: {self.secret.kind} from {self.secret.origin}: {self.secret.text[:100]!r}"


def secrets(root: Path) -> list[Secret]:
    """Everything students must not see: solution lines of every lesson, and the hidden checks' names and text."""
    return solution_secrets(root) + hidden_secrets(root)


def collapse(text: str) -> str:
    """Whitespace collapsed to single spaces, so line breaks and indentation do not hide a match."""
    return " ".join(text.split())


def solution_secrets(root: Path) -> list[Secret]:
    """Each solution line long enough to be an answer and not already in a lesson's given text."""
    from ..assign.pipeline import lesson_sources
    from ..assign.regions import BEGIN, MD_BEGIN, MD_END
    from ..assign.source import read_source

    given, answers = [], []
    for path in lesson_sources(root):
        source = read_source(path)
        relative = path.relative_to(root).as_posix()
        text = path.read_text(encoding="utf-8")
        for cell in source.cells:
            inside = False
            for line in cell.text.splitlines():
                if MD_BEGIN.match(line) or MD_END.match(line):
                    inside = MD_BEGIN.match(line) is not None
                    hint = BEGIN.match(line)
                    given.append(hint.group("hint") if hint else "")  # the hint becomes the stub's TODO line
                elif inside:
                    answers.append((cell.kind, line, f"{relative}:{_line_number(text, line)}"))
                else:
                    given.append(line)
    given_text = collapse("\n".join(given))
    found, seen = [], set()
    for kind, line, origin in answers:
        comment_only = line.lstrip().startswith("#")
        body = collapse(re.sub(r"\s+#\s.*$", "", line) if kind == "code" and not comment_only else line)
        if len(body) >= MIN_SECRET_CHARS and body not in given_text and body not in seen:
            seen.add(body)
            found.append(Secret("solution", body, origin))
    return found


def _line_number(text: str, line: str) -> int:
    """The 1-based number of the first line of `text` equal to `line` (0 when absent), for messages."""
    for number, candidate in enumerate(text.splitlines(), start=1):
        if candidate.endswith(line.strip()) and line.strip():
            return number
    return 0


def hidden_secrets(root: Path) -> list[Secret]:
    """Names the hidden checks and probes define, their long strings and their distinctive numbers.

    What the public graders or the package define or say as well is shared, not a secret.
    """
    public_names, public_text = set(), []
    public_files = sorted((root / "graders").glob("*/*.py")) + sorted(
        path for pattern in STUDENT_ROOTS for path in (root / "tools").glob(pattern))
    for path in public_files:
        text = path.read_text(encoding="utf-8")
        public_names |= defined_names(ast.parse(text))
        public_text.append(text)
    public_text = collapse("\n".join(public_text))
    found = []
    for path in sorted((root / "graders").glob("*/hidden/**/*.py")):
        text = path.read_text(encoding="utf-8")
        tree = ast.parse(text)
        origin = path.relative_to(root).as_posix()
        for name in sorted(defined_names(tree) - public_names):
            if name.startswith("__") and name.endswith("__"):
                continue  # a dunder (`__reduce__`) belongs to Python, not to the hidden check
            found.append(Secret("hidden name", name, origin, word=True))
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                body = collapse(node.value)
                if len(body) >= MIN_SECRET_CHARS and body not in public_text:  # PyTorch's own words, shared phrases
                    found.append(Secret("hidden text", body, f"{origin}:{node.lineno}"))
            elif isinstance(node, ast.Constant) and type(node.value) in (int, float):
                literal = ast.get_source_segment(text, node) or repr(node.value)
                digits = re.sub(r"[eE][-+]?\d+$", "", literal).replace(".", "").replace("_", "").strip("0")
                if len(digits) >= MIN_NUMBER_DIGITS:
                    found.append(Secret("hidden number", literal, f"{origin}:{node.lineno}", word=True))
    return found


def defined_names(tree: ast.AST) -> set[str]:
    """Names of the functions, classes and module-level constants a file defines."""
    names = {n.name for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))}
    for node in getattr(tree, "body", []):
        if isinstance(node, ast.Assign):
            names |= {t.id for t in node.targets if isinstance(t, ast.Name)}
    return names


def audit(files: dict[str, bytes], found: list[Secret], prefix: str = "") -> list[Finding]:
    """Every secret that appears in a bundle file (notebooks searched in their cells' text)."""
    findings = []
    for path in sorted(files):
        text = collapse(searchable(path, files[path]))
        for secret in found:
            if secret.word:
                hit = re.search(rf"(?<![\w.]){re.escape(secret.text)}(?![\w.])", text) is not None
            else:
                hit = secret.text in text
            if hit:
                findings.append(Finding(secret, prefix + path))
    return findings


def searchable(path: str, data: bytes) -> str:
    """A file's text as a reader sees it: a notebook's strings unescaped, anything else decoded."""
    text = data.decode("utf-8", "replace")
    if not path.endswith(".ipynb"):
        return text
    strings: list[str] = []

    def walk(value) -> None:
        if isinstance(value, str):
            strings.append(value)
        elif isinstance(value, list):
            for item in value:
                walk(item)
        elif isinstance(value, dict):
            for item in value.values():
                walk(item)

    walk(json.loads(text))
    return "".join(strings)


def split_accepted(findings: list[Finding]) -> tuple[list[Finding], list[Finding]]:
    """Findings the course accepted (release_files/accepted_overlaps.json, each with its reason), and the rest."""
    entries = json.loads((TEMPLATES / "accepted_overlaps.json").read_text(encoding="utf-8"))["accepted"]
    allowed = {(entry["path"], collapse(entry["text"])) for entry in entries}
    accepted, leaks = [], []
    for finding in findings:
        key = (finding.path.removeprefix("<zip>/"), finding.secret.text)
        (accepted if key in allowed else leaks).append(finding)
    return accepted, leaks
