"""`gradekit release`: the student bundle, a folder and a zip holding what students need and nothing else.

A bundle mirrors the repository so the grading plugin works unchanged: `assignments/<lesson>/` (starter,
release notebook, manifest, built fresh from the sources), `graders/<lesson>/` (public checks and probes only)
and `tools/gradekit/` (the harness and what it imports, found by reading imports, never a hand list), plus a
student README, a pyproject and a root conftest.py. Before anything is written, a leak audit looks for every
solution line, hidden check name and distinctive hidden literal in every file of the bundle.
"""

from __future__ import annotations

import ast
import io
import json
import re
import shutil
import string
import sys
import textwrap
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

TEMPLATES = Path(__file__).resolve().parent / "release_files"
BUNDLE_NAME = "gradekit-student"
ZIP_DATE = (1980, 1, 1, 0, 0, 0)  # the earliest a zip can hold: the same bytes on every release

# What students never get: the instructor's tools. Reaching one through an import fails the release.
INSTRUCTOR_ONLY = ("gradekit.assign", "gradekit.grading", "gradekit.verify", "gradekit.cli", "gradekit.release",
                   "gradekit.lesson_parts", "gradekit.scaffold", "gradekit.testing")
# Grader files that hold the solution's recipe or the hidden checks.
GRADER_ONLY = ("hidden", "reference_artifacts.py")
# Modules of the package that students get whether or not a grader imports them (under tools/).
STUDENT_ROOTS = ("gradekit/harness/*.py", "gradekit/reporting/*.py", "gradekit/course/*.py", "gradekit/notebook.py")
# Imports the probes' worker provides: hidden probes reach the public ones under this name.
WORKER_ALIASES = ("lesson_probes",)
# Import name → distribution, for every third-party module the student side may import.
DISTRIBUTIONS = {
    "torch": "torch", "torchvision": "torchvision", "numpy": "numpy", "pytest": "pytest", "_pytest": "pytest",
    "hypothesis": "hypothesis", "matplotlib": "matplotlib", "tqdm": "tqdm", "nbformat": "nbformat",
    "nbclient": "nbclient", "IPython": "ipython", "ipykernel": "ipykernel", "PIL": "pillow", "pluggy": "pluggy",
}
ALWAYS_INSTALLED = ("ipykernel",)  # to run the release notebooks in Jupyter or an editor
NOTEBOOK_EXTRA = ("jupyterlab",)  # `pip install -e ".[notebook]"`: a notebook front-end on a fresh machine
MIN_SECRET_CHARS = 24  # shorter solution lines and strings are idioms (`model.eval()`), not answers
MIN_NUMBER_DIGITS = 4  # hidden numbers with fewer significant digits are seeds and tolerances


class ReleaseError(RuntimeError):
    """The bundle cannot be released: a leak, an import of something not shipped, or a bad lesson."""


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


# ---- choosing what ships ---------------------------------------------------------------------------------


def chosen_lessons(root: Path, lessons: list[str] | None) -> list[str]:
    """The lessons to release, sorted: those asked for, each with a source and graders; default all of them."""
    from .assign.pipeline import lesson_sources

    try:
        found = [p.parent.name for p in lesson_sources(root, lessons or None)]
    except ValueError as error:
        raise ReleaseError(str(error)) from None
    graded = [lesson for lesson in found if (root / "graders" / lesson).is_dir()]
    missing = sorted(set(lessons or ()) - set(graded))
    if missing:
        raise ReleaseError(f"no graders for lesson(s) {', '.join(missing)} under {root / 'graders'}")
    if not graded:
        raise ReleaseError(f"no lesson with both solutions/ and graders/ under {root}")
    return sorted(graded)


def bundle_files(root: Path, lessons: list[str]) -> tuple[dict[str, bytes], list[str]]:
    """Every file of the bundle (path inside it → bytes) and the distributions the student side needs."""
    from .assign.outputs import lesson_outputs
    from .assign.pipeline import lesson_sources
    from .assign.source import read_source

    files: dict[str, bytes] = {}
    manifests = {}
    for path in lesson_sources(root, lessons):
        source = read_source(path)
        for name, text in lesson_outputs(source).items():
            files[f"assignments/{source.lesson}/{name}"] = text.encode()
        manifests[source.lesson] = json.loads(files[f"assignments/{source.lesson}/manifest.json"])
    imports = Imports(root)
    for lesson in lessons:
        for path in public_grader_files(root, lesson):
            imports.add(path)
    for pattern in STUDENT_ROOTS:
        for path in sorted((root / "tools").glob(pattern)):
            imports.add(path)
    for path in sorted(imports.shipped):
        files[path.relative_to(root).as_posix()] = path.read_bytes()
    for name, data in list(files.items()):
        if name.startswith("assignments/") and name.endswith((".py", ".ipynb")):
            imports.check_code(name, code_of(name, data))
    dependencies = requirements(root, imports.distributions | set(ALWAYS_INSTALLED))
    files.update(student_texts(root, lessons, manifests, dependencies, files))
    return files, dependencies


def notebook_requirements(root: Path) -> list[str]:
    """The `notebook` extra of the bundle: JupyterLab, with the bound the repository's pyproject gives it."""
    return requirements(root, set(NOTEBOOK_EXTRA))


def public_grader_files(root: Path, lesson: str) -> list[Path]:
    """A lesson's public checks, its probes and conftest: the roots of what ships from graders/<lesson>/."""
    folder = root / "graders" / lesson
    return sorted(p for p in folder.iterdir() if p.is_file() and (
        (p.name.startswith("test_") and p.suffix == ".py") or p.name in ("probes.py", "conftest.py")))


class Imports:
    """Follow imports from the shipped files: package modules and grader helpers ship, the rest must install."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.shipped: set[Path] = set()
        self.distributions: set[str] = set()

    def add(self, path: Path) -> None:
        """Ship `path` and everything of the package or its grader folder it imports."""
        path = path.resolve()
        relative = path.relative_to(self.root)
        if relative.parts[0] == "graders" and any(part in GRADER_ONLY for part in relative.parts):
            raise ReleaseError(f"{relative} is for course staff only, but a shipped file needs it")
        if path in self.shipped:
            return
        self.shipped.add(path)
        module = self.module_name(path)
        for parent in self.package_inits(path):
            self.add(parent)
        text = path.read_text(encoding="utf-8")
        for line, name, names in imported(text, str(relative), module):
            self.follow(path, line, name, names)

    def follow(self, path: Path, line: int, name: str, names: tuple[str, ...]) -> None:
        """Resolve one import statement of a shipped file; fail the release if nothing provides it."""
        where = f"{path.relative_to(self.root)}, line {line}"
        top = name.split(".")[0]
        if top == "gradekit":
            if instructor_only(name) or any(instructor_only(f"{name}.{n}") for n in names):
                raise ReleaseError(f"{where} imports {name}, an instructor tool that students do not get")
            target = self.module_file(name)
            if target is None:
                raise ReleaseError(f"{where} imports {name}, which is not in tools/gradekit")
            self.add(target)
            for sub in names:
                found = self.module_file(f"{name}.{sub}")
                if found is not None:
                    self.add(found)
            return
        sibling = path.parent / f"{top}.py"
        if path.relative_to(self.root).parts[0] == "graders" and sibling.exists():
            self.add(sibling)
            return
        if top in sys.stdlib_module_names or top == "__future__" or top in WORKER_ALIASES:
            return
        if top in DISTRIBUTIONS:
            self.distributions.add(DISTRIBUTIONS[top])
            return
        raise ReleaseError(f"{where} imports {name}, which the bundle neither ships nor installs "
                           f"(add it to DISTRIBUTIONS in gradekit/release.py if students should install it)")

    def check_code(self, name: str, code: str) -> None:
        """Record what a starter or notebook imports; fail if students could not install it."""
        for line, module, _ in imported(code, name, None):
            top = module.split(".")[0]
            if top in DISTRIBUTIONS:
                self.distributions.add(DISTRIBUTIONS[top])
            elif not (top in sys.stdlib_module_names or top in ("__future__", "gradekit")):
                raise ReleaseError(f"{name}, line {line} imports {module}, which students could not install")

    def module_name(self, path: Path) -> str | None:
        """`gradekit.harness.zygote` for tools/gradekit/harness/zygote.py; None outside the package."""
        relative = path.relative_to(self.root)
        if relative.parts[0] != "tools":
            return None
        parts = list(relative.with_suffix("").parts[1:])
        return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)

    def module_file(self, name: str) -> Path | None:
        """The file of a package module (a .py file or a package's __init__.py), or None."""
        base = self.root / "tools" / Path(*name.split("."))
        for candidate in (base.with_suffix(".py"), base / "__init__.py"):
            if candidate.is_file():
                return candidate.resolve()
        return None

    def package_inits(self, path: Path) -> list[Path]:
        """The __init__.py of every package above a package module."""
        relative = path.relative_to(self.root)
        if relative.parts[0] != "tools":
            return []
        inits = [self.root.joinpath(*relative.parts[:i], "__init__.py") for i in range(2, len(relative.parts))]
        return [p.resolve() for p in inits if p.is_file() and p.resolve() != path]


def instructor_only(name: str) -> bool:
    """Tell whether a module name is (inside) one of the instructor's tools."""
    return any(name == tool or name.startswith(tool + ".") for tool in INSTRUCTOR_ONLY)


def imported(text: str, where: str, module: str | None) -> list[tuple[int, str, tuple[str, ...]]]:
    """Every import `text` needs: (line, absolute module name, names imported from it), relative ones resolved.

    Imports guarded by `except ImportError` are optional and left out.
    """
    try:
        tree = ast.parse(text, filename=where)
    except SyntaxError as error:
        raise ReleaseError(f"{where}: cannot read its imports ({error.msg}, line {error.lineno})") from None
    optional = {id(inner) for node in ast.walk(tree) if isinstance(node, ast.Try) and any(
        isinstance(h.type, ast.Name) and h.type.id in ("ImportError", "ModuleNotFoundError") for h in node.handlers)
        for statement in node.body for inner in ast.walk(statement)}
    found = []
    for node in ast.walk(tree):
        if id(node) in optional:
            continue  # inside `try: ... except ImportError:`, the code runs without it
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name, ()) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            names = tuple(alias.name for alias in node.names)
            if node.level:
                if module is None:
                    raise ReleaseError(f"{where}, line {node.lineno}: a relative import outside the package")
                package = module.split(".")
                is_package = where.endswith("__init__.py")
                base = package[: len(package) - (node.level - 1) - (0 if is_package else 1)]
                name = ".".join(base + ([node.module] if node.module else []))
            else:
                name = node.module or ""
            found.append((node.lineno, name, names))
    return found


def code_of(name: str, data: bytes) -> str:
    """The Python code of a starter module, or of a notebook's code cells (magics and shell lines dropped)."""
    text = data.decode("utf-8")
    if not name.endswith(".ipynb"):
        return text
    cells = [c for c in json.loads(text)["cells"] if c["cell_type"] == "code"]
    sources = ["".join(c["source"]) if isinstance(c["source"], list) else c["source"] for c in cells]
    return "\n".join(line for source in sources for line in source.splitlines()
                     if not line.lstrip().startswith(("%", "!")))


def requirements(root: Path, distributions: set[str]) -> list[str]:
    """Requirement lines for `distributions`, with the version bounds the repository's pyproject gives."""
    import tomllib

    project = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    specs = [*project.get("dependencies", []), *(spec for group in project.get("optional-dependencies", {}).values()
                                                 for spec in group)]
    bounds = {re.match(r"[A-Za-z0-9_.-]+", spec).group(0).lower(): spec for spec in specs}
    return sorted(bounds.get(name.lower(), name) for name in distributions)


# ---- the student's README, pyproject and conftest --------------------------------------------------------

PHRASES = (  # (words of a message, what they mean), listed when the shipped checks use those words
    ("not implemented yet", "a stub is still there: replace its `raise NotImplementedError(...)` with your code."),
    ("does not define", "a function or class is missing, or the cell defining it failed to run (the message "
                        "shows that cell's error)."),
    ("did not finish within", "your code was stopped after N s: look for an endless loop (a `while` that never "
                              "ends, an epoch counter that never reaches `epochs`)."),
    ("did not even finish loading", "a graded cell runs something long, such as a training loop: keep graded "
                                    "cells to definitions and run experiments in other cells."),
    ("raised", "(as in \"save_model raised KeyError: ...\") your code raised an error; the message shows it and "
               "the line of your code it came from."),
    ("pilot amnesia", "a resumed run without the optimizer's state: Adam forgets its momentum and the loss "
                      "spikes. Save and load `optimizer.state_dict()` too."),
    ("clear, compute, use", "the heartbeat of every training step: `optimizer.zero_grad()`, `loss.backward()`, "
                            "`optimizer.step()`, in that order, for every batch."),
    ("architecture in code, values in file", "save `model.state_dict()`, not the pickled model: the class "
                                             "stays in your code, only the numbers go into the file."),
    ("the grader itself failed", "not your fault: please report it to course staff with the message."),
)


def student_texts(root: Path, lessons: list[str], manifests: dict, dependencies: list[str],
                  files: dict[str, bytes]) -> dict[str, bytes]:
    """README.md, pyproject.toml and conftest.py of the bundle, from the templates in release_files/."""
    import tomllib

    from . import __version__

    settings = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))
    project, course = settings["project"], settings.get("tool", {}).get("gradekit", {})
    first = manifests[lessons[0]]
    exercises = first["exercises"]
    example = next((e for e in exercises if e["number"] == "3"), exercises[-1])
    graders = " ".join(data.decode("utf-8", "replace") for name, data in files.items()
                       if name.startswith(("graders/", "tools/")))
    rows = "\n".join(f"| {m['lesson']} | {m['title']} | `assignments/{m['lesson']}/{m['module']}` | "
                     f"`assignments/{m['lesson']}/{m['notebook']}` |" for m in (manifests[x] for x in lessons))
    values = {
        "course": course_words(course, lessons),
        "name": BUNDLE_NAME,
        "version": __version__,
        "lessons": ", ".join(f"{m['title']}" for m in (manifests[x] for x in lessons)),
        "first": lessons[0],
        "first_module": f"assignments/{lessons[0]}/{first['module']}",
        "first_notebook": f"assignments/{lessons[0]}/{first['notebook']}",
        "first_exercise": example["id"],
        "first_short": example["id"].split(".")[-1],
        "stub_message": f"Exercise {example['number']} ({example['title'][:1].lower()}{example['title'][1:]}), "
                        f"{example['id']}: not implemented yet",
        "lesson_rows": rows,
        "requires_python": project.get("requires-python", ">=3.10"),
        "python": re.sub(r"^>=\s*([\d.]+)$", r"\1 or newer", project.get("requires-python", ">=3.10")),
        "dependencies": "\n".join(f"    {json.dumps(spec)}," for spec in dependencies),
        "notebook_dependencies": "\n".join(f"    {json.dumps(spec)}," for spec in notebook_requirements(root)),
        "data_section": data_section(course.get("data", {}), lessons),
        "dependency_names": ", ".join(re.match(r"[A-Za-z0-9_.-]+", d).group(0) for d in dependencies),
        "notebook_section": notebook_section(example["id"]) if "tools/gradekit/notebook.py" in files else "",
        "phrases": "\n".join(f"- **\"{phrase}\"**: {meaning}" for phrase, meaning in PHRASES if phrase in graders),
    }
    out = {}
    for target in ("README.md", "pyproject.toml", "conftest.py"):
        template = string.Template((TEMPLATES / f"{target}.in").read_text(encoding="utf-8"))
        out[target] = template.substitute(values).encode()
    return out


def lesson_module(lesson: str) -> str:
    """The course module a lesson belongs to, read from its id: 2_3_1 → 2.3."""
    return ".".join(lesson.split("_")[:-1])


def course_words(course: dict, lessons: list[str]) -> str:
    """'module 2.3 (Practical Patterns) of the PyTorch course': the course and its modules' names come from
    pyproject.toml's [tool.gradekit] (`course`, `modules`), the modules from the bundle's lesson ids."""
    modules = sorted({lesson_module(lesson) for lesson in lessons}, key=lambda m: [int(x) for x in m.split(".")])
    names = [f"{m} ({course['modules'][m]})" if m in course.get("modules", {}) else m for m in modules]
    listed = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
    return f"{'module' if len(names) == 1 else 'modules'} {listed} of {course.get('course', 'the course')}"


def data_section(notes: dict[str, str], lessons: list[str]) -> str:
    """The README's words on where each lesson's data comes from ([tool.gradekit.data] in pyproject.toml; none
    when no lesson of the bundle needs any)."""
    found = [textwrap.fill(notes[lesson], 112) for lesson in lessons if lesson in notes]
    return "## Data\n\n" + "\n\n".join(found) + "\n\n" if found else ""


def notebook_section(exercise: str) -> str:
    """The README's words on the check cells of the release notebooks (shipped with gradekit/notebook.py)."""
    lesson = exercise.split(".")[0]
    return (f"\n## Check inside the notebook\n\nAfter each exercise the notebook has a cell `check(\"{exercise}\")`: "
            f"it runs that exercise's public checks on the code of your notebook (in a separate process, as "
            f"above) and shows each check with its message and points. `check_all()` shows the score table of the "
            f"whole lesson. Open the notebook from this folder with the bundle installed; elsewhere (Colab "
            f"without it) the check cells print one line saying how to turn them on. The same checks run with "
            f"`pytest graders/{lesson}`.\n")


# ---- the leak audit ------------------------------------------------------------------------------------------


def secrets(root: Path) -> list[Secret]:
    """Everything students must not see: solution lines of every lesson, and the hidden checks' names and text."""
    return solution_secrets(root) + hidden_secrets(root)


def collapse(text: str) -> str:
    """Whitespace collapsed to single spaces, so line breaks and indentation do not hide a match."""
    return " ".join(text.split())


def solution_secrets(root: Path) -> list[Secret]:
    """Each solution line long enough to be an answer and not already in a lesson's given text."""
    from .assign.pipeline import lesson_sources
    from .assign.regions import BEGIN, MD_BEGIN, MD_END
    from .assign.source import read_source

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


# ---- writing ------------------------------------------------------------------------------------------------


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
