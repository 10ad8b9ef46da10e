"""What ships in a student bundle: the lessons, their assignments and public graders, and the package modules
they import (found by reading imports, never a hand list), with the distributions students must install."""

from __future__ import annotations

import ast
import json
import re
import sys
from pathlib import Path

from .shared import ReleaseError
from .texts import student_texts

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
    "torchinfo": "torchinfo", "tensorboard": "tensorboard",
}
# Modules inside a distribution that need another one: torch.utils.tensorboard imports the tensorboard package.
SUBMODULE_DISTRIBUTIONS = {"torch.utils.tensorboard": "tensorboard"}
# Data files a shipped package module reads at run time (globs beside its __init__.py): they ship with it. 2.2.1's
# public probes read MNIST's real test images from gradekit.course.data.
PACKAGE_DATA = {"gradekit/course/data/__init__.py": ("README.md", "mnist/*.gz")}
ALWAYS_INSTALLED = ("ipykernel",)  # to run the release notebooks in Jupyter or an editor
NOTEBOOK_EXTRA = ("jupyterlab",)  # `pip install -e ".[notebook]"`: a notebook front-end on a fresh machine


def chosen_lessons(root: Path, lessons: list[str] | None) -> list[str]:
    """The lessons to release, sorted: those asked for, each with a source and graders; default all of them."""
    from ..assign.pipeline import lesson_sources

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
    from ..assign.outputs import lesson_outputs
    from ..assign.pipeline import lesson_sources
    from ..assign.source import read_source

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
    files.update(package_data(root, imports.shipped))
    for name, data in list(files.items()):
        if name.startswith("assignments/") and name.endswith((".py", ".ipynb")):
            imports.check_code(name, code_of(name, data))
    dependencies = requirements(root, imports.distributions | set(ALWAYS_INSTALLED))
    files.update(student_texts(root, lessons, manifests, dependencies, notebook_requirements(root), files))
    return files, dependencies


def package_data(root: Path, shipped: set[Path]) -> dict[str, bytes]:
    """The data files (PACKAGE_DATA) of every shipped package module that reads some, by their paths in the bundle."""
    files = {}
    for module, patterns in PACKAGE_DATA.items():
        init = (root / "tools" / module).resolve()
        if init in shipped:
            for pattern in patterns:
                for path in sorted(init.parent.glob(pattern)):
                    files[path.relative_to(root).as_posix()] = path.read_bytes()
    return files


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
            self.distributions.update(distributions_of(name, names))
            return
        raise ReleaseError(f"{where} imports {name}, which the bundle neither ships nor installs "
                           f"(add it to DISTRIBUTIONS in gradekit/release/contents.py if students should install it)")

    def check_code(self, name: str, code: str) -> None:
        """Record what a starter or notebook imports; fail if students could not install it."""
        for line, module, names in imported(code, name, None):
            top = module.split(".")[0]
            if top in DISTRIBUTIONS:
                self.distributions.update(distributions_of(module, names))
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


def distributions_of(name: str, names: tuple[str, ...] = ()) -> set[str]:
    """The distributions `from name import names` (or `import name`) needs: its top package's, and another for a
    submodule that needs one (`from torch.utils import tensorboard` as well as `import torch.utils.tensorboard`)."""
    found = {DISTRIBUTIONS[name.split(".")[0]]}
    for full in (name, *(f"{name}.{sub}" for sub in names)):
        found.update(dist for module, dist in SUBMODULE_DISTRIBUTIONS.items()
                     if full == module or full.startswith(module + "."))
    return found


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
