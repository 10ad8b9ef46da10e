"""The student bundle's README, pyproject and conftest, from the templates in release_files/ and the course's
data in pyproject.toml ([tool.gradekit])."""

from __future__ import annotations

import json
import re
import string
import textwrap
from pathlib import Path

from .shared import BUNDLE_NAME, TEMPLATES


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
                  notebook_dependencies: list[str], files: dict[str, bytes]) -> dict[str, bytes]:
    """README.md, pyproject.toml and conftest.py of the bundle, from the templates in release_files/."""
    import tomllib

    from .. import __version__

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
        "notebook_dependencies": "\n".join(f"    {json.dumps(spec)}," for spec in notebook_dependencies),
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
