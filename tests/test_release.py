"""The student bundle: only what students need, no leak of solutions or hidden checks, and it grades by itself.

Inside the unpacked zip, `pytest graders/2_3_1` runs on the bundle's own package (never the repository's):
the starter scores 0 on every public check, the reference solution copied in scores every point.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import nbformat
import pytest

from gradekit import release
from gradekit.cli import main as gradekit_main
from gradekit.release import ReleaseError, release_bundle
from gradekit.verify import solved_module

ROOT = Path(__file__).resolve().parents[1]
LESSON = "2_3_1"
STUDENT_TOP = {"README.md", "pyproject.toml", "conftest.py", "assignments", "graders", "tools"}


@pytest.fixture(scope="module")
def bundle(tmp_path_factory):
    """The 2.3.1 bundle released into tmp, and its zip unpacked beside it."""
    out = tmp_path_factory.mktemp("release")
    result = release_bundle(ROOT, [LESSON], out)
    unpacked = tmp_path_factory.mktemp("unpacked")
    with zipfile.ZipFile(result.zip) as archive:
        archive.extractall(unpacked)
    return result, unpacked / result.folder.name


def bundle_env(**extra: str) -> dict:
    """An environment in which pytest loads no installed plugin, so only the bundle's own package can grade."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "GRADEKIT", "PYTHONPATH"))}
    env.update(PYTEST_DISABLE_PLUGIN_AUTOLOAD="1", **extra)
    return env


def grade_in_bundle(folder: Path, env: dict, *extra: str) -> tuple[dict, str]:
    """Run `pytest graders/2_3_1` inside the bundle; return its JSON report and its terminal output."""
    report = folder.parent / f"report-{len(list(folder.parent.glob('report-*')))}.json"
    done = subprocess.run([sys.executable, "-m", "pytest", f"graders/{LESSON}", "--grade-json", str(report),
                           "--trace-config", "-q", *extra], cwd=folder, env=env, capture_output=True, text=True,
                          timeout=600)
    assert report.exists(), f"grading in the bundle wrote no report:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return json.loads(report.read_text()), done.stdout


def assert_bundle_plugin(output: str, folder: Path) -> None:
    """The grading plugin pytest registered is the bundle's file, not the repository's."""
    plugin_lines = [line for line in output.splitlines() if "gradekit/harness/plugin.py" in line]
    assert plugin_lines, "pytest --trace-config lists no gradekit plugin"
    assert all(str(folder.resolve()) in line for line in plugin_lines), plugin_lines
    assert not any(str(ROOT / "tools") in line for line in plugin_lines), plugin_lines


# ---- what is inside --------------------------------------------------------------------------------------


def test_the_zip_is_the_folder_under_one_top_level_directory(bundle):
    result, unpacked = bundle
    with zipfile.ZipFile(result.zip) as archive:
        names = archive.namelist()
    assert {name.split("/")[0] for name in names} == {result.folder.name}
    assert names == sorted(names)
    folder_files = {p.relative_to(result.folder).as_posix(): p.read_bytes()
                    for p in result.folder.rglob("*") if p.is_file()}
    unpacked_files = {p.relative_to(unpacked).as_posix(): p.read_bytes() for p in unpacked.rglob("*") if p.is_file()}
    assert folder_files == unpacked_files
    assert sorted(folder_files) == result.files


def test_only_student_files_ship(bundle):
    result, _ = bundle
    assert {name.split("/")[0] for name in result.files} == STUDENT_TOP
    for name in result.files:
        parts = Path(name).parts
        assert "hidden" not in parts and "solutions" not in parts and "tests" not in parts, name
        assert "corpus" not in parts and "assign" not in parts and "__pycache__" not in parts, name
        assert Path(name).name not in ("reference_artifacts.py", "verify.py", "cli.py"), name
        assert "release" not in parts, name
        assert "grading" not in parts and "release_files" not in parts, name
    graders = {name for name in result.files if name.startswith("graders/")}
    expected = {f"graders/{LESSON}/{p.name}" for p in (ROOT / "graders" / LESSON).glob("*.py")
                if p.name.startswith("test_") or p.name == "probes.py"}
    assert graders == expected
    package = {name for name in result.files if name.startswith("tools/")}
    harness = {f"tools/gradekit/{p.parent.name}/{p.name}" for folder in ("harness", "reporting", "course")
               for p in (ROOT / "tools/gradekit" / folder).glob("*.py")}
    assert harness | {"tools/gradekit/__init__.py"} <= package
    notebook = ROOT / "tools/gradekit/notebook.py"
    assert ("tools/gradekit/notebook.py" in package) == notebook.exists()
    assert package - harness - {"tools/gradekit/__init__.py", "tools/gradekit/notebook.py", "tools/gradekit/probe.py",
                                "tools/gradekit/checks.py"} == set(), "probe.py and checks.py: what public graders import"


def test_the_manifest_recognises_the_shipped_starter_as_untouched(bundle):
    result, _ = bundle
    folder = result.folder / "assignments" / LESSON
    manifest = json.loads((folder / "manifest.json").read_text())
    assert set(manifest["starter_sha256"]) == {manifest["module"], manifest["notebook"]}
    for name, digest in manifest["starter_sha256"].items():
        assert hashlib.sha256((folder / name).read_bytes()).hexdigest() == digest, name


def test_the_readme_tells_students_what_to_do(bundle):
    result, _ = bundle
    readme = (result.folder / "README.md").read_text()
    manifest = json.loads((result.folder / "assignments" / LESSON / "manifest.json").read_text())
    for words in (manifest["title"], manifest["module"], manifest["notebook"], f"pytest graders/{LESSON}",
                  "--exercise ex3", "--submission", "pip install -e .", "not implemented yet", "does not define",
                  "did not finish within", "pilot amnesia", "architecture in code, values in file"):
        assert words in readme, words
    assert ('check("' in readme) == (ROOT / "tools/gradekit/notebook.py").exists()
    assert "$" not in readme.replace("$ ", ""), "a template placeholder was left unfilled"


def test_the_readme_covers_a_students_own_machine(bundle):
    """Which install brings JupyterLab, PyTorch's CPU-only build for laptops, what to use on Windows, local
    MNIST, and where the feedback page lands (outside the folder handed in)."""
    result, _ = bundle
    readme = (result.folder / "README.md").read_text()
    for words in ('pip install -e ".[notebook]"', "JupyterLab", "jupyter lab",
                  "pip install torch torchvision --index-url https://download.pytorch.org/whl/cpu",
                  "WSL", "Colab", "macOS", "train-images-idx3-ubyte.gz", "OFFLINE_SPLIT = True",
                  "feedback/<lesson>/feedback.html", "outside `assignments/`"):
        assert words in readme, words
    assert "Fashion-MNIST" not in readme, "only the bundle's lessons get their data notes"


def test_the_pyproject_installs_the_bundle_and_its_plugin(bundle, tmp_path):
    result, _ = bundle
    folder = shutil.copytree(result.folder, tmp_path / "bundle")  # building metadata writes into the folder
    done = subprocess.run([sys.executable, "-m", "pip", "install", "--dry-run", "--no-deps", "--no-index",
                           "--no-build-isolation", "--report", str(tmp_path / "pip.json"), "--quiet",
                           str(folder)], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    metadata = json.loads((tmp_path / "pip.json").read_text())["install"][0]["metadata"]
    assert metadata["name"] == "gradekit-student"
    notebook = {'jupyterlab>=4; extra == "notebook"'}
    assert set(metadata["requires_dist"]) == set(result.dependencies) | notebook, "the notebook extra: JupyterLab"
    assert metadata["provides_extra"] == ["notebook"]
    assert {"torch>=2.6", "torchvision", "pytest>=8", "hypothesis", "numpy", "ipykernel"} <= set(result.dependencies)
    assert not {"jupytext", "nbclient"} & set(result.dependencies), "instructor-only packages in the student's list"
    script = ("import sys; from setuptools import build_meta; "
              "print(build_meta.prepare_metadata_for_build_wheel(sys.argv[1]))")
    (tmp_path / "meta").mkdir()
    done = subprocess.run([sys.executable, "-c", script, str(tmp_path / "meta")], cwd=folder,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    entry_points = (tmp_path / "meta" / done.stdout.split()[-1] / "entry_points.txt").read_text()
    assert "[pytest11]" in entry_points and "gradekit = gradekit.harness.plugin" in entry_points


def test_releasing_twice_gives_the_same_zip(tmp_path):
    first = release_bundle(ROOT, [LESSON], tmp_path / "first")
    again = release_bundle(ROOT, [LESSON], tmp_path / "again")
    assert again.zip.name == first.zip.name
    assert again.zip.read_bytes() == first.zip.read_bytes()
    with zipfile.ZipFile(again.zip) as archive:
        assert {info.date_time for info in archive.infolist()} == {release.ZIP_DATE}


def test_the_course_and_its_modules_are_named_from_pyproject(bundle):
    """[tool.gradekit] names the course and its modules; each lesson's module comes from its id."""
    course = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["gradekit"]
    assert release.course_words(course, ["2_3_1", "2_3_2"]) == "module 2.3 (Practical Patterns) of the PyTorch course"
    assert release.course_words(course, ["2_3_1", "2_1_4", "2_1_1"]) == \
        "modules 2.1 (PyTorch Core) and 2.3 (Practical Patterns) of the PyTorch course"
    assert release.course_words({"course": "a new course"}, ["10_2_1", "9_1_1"]) == "modules 9.1 and 10.2 of a new course"
    result, unpacked = bundle
    readme = (unpacked / "README.md").read_text()
    assert readme.startswith("# Exercises and their checks: module 2.3 (Practical Patterns) of the PyTorch course")
    assert "## Data" in readme and "set `DATA_ROOT`" in readme, "2.3.1's words on its data, from [tool.gradekit.data]"
    assert release.data_section(course["data"], ["2_3_2"]) == "", "a lesson without data gets no Data section"


# ---- the leak audit ----------------------------------------------------------------------------------------


def test_no_lesson_leaks_and_every_accepted_overlap_is_still_real(tmp_path):
    result = release_bundle(ROOT, None, tmp_path)  # every lesson: raises ReleaseError on any leak
    assert result.lessons == sorted(p.name for p in (ROOT / "solutions").iterdir() if p.is_dir())
    assert "tools/gradekit/harness/plugin.py" in result.files
    entries = json.loads((release.TEMPLATES / "accepted_overlaps.json").read_text())["accepted"]
    found = {(f.path, f.secret.text) for f in result.accepted}
    stale = [e for e in entries if (e["path"], release.collapse(e["text"])) not in found]
    assert not stale, f"accepted overlaps no longer found (remove them): {stale}"


def test_the_audit_knows_the_secrets():
    found = release.secrets(ROOT)
    kinds = {s.kind for s in found}
    assert {"solution", "hidden name", "hidden text"} <= kinds
    texts = {s.text for s in found}
    assert "state_dict = torch.load(path, map_location=device, weights_only=True)" in texts  # 2_3_1.ex1
    assert "torch.save(model.state_dict(), path)" not in texts  # the lesson's text shows it: given, not secret
    assert "test_load_model_does_not_run_code_from_the_file" in texts  # a hidden check's name
    assert "own_loop_first_half" in texts  # a hidden probe
    assert "model.eval()" not in texts  # too short and given elsewhere: an idiom, not an answer
    assert not any(s.kind == "solution" and s.text in ("return model", "return history") for s in found)


def test_the_audit_finds_planted_leaks(tmp_path):
    files, _ = release.bundle_files(ROOT, [LESSON])
    found = release.secrets(ROOT)
    assert release.split_accepted(release.audit(files, found))[1] == []
    notebook = f"assignments/{LESSON}/2-3-1-saving-and-loading.ipynb"
    cells = json.loads(files[notebook])
    cells["cells"][-1]["source"] = ['state_dict = torch.load(path, map_location=device,\n', '  weights_only=True)\n']
    planted = dict(files)
    planted[notebook] = json.dumps(cells).encode()
    planted["README.md"] += b"\nRun test_crash_and_resume_with_your_own_loop too.\n"
    planted["graders/2_3_2_notes.py"] = b"SCALE = 16777216.0\n"
    hidden_text = next(s.text for s in found if s.kind == "hidden text")
    planted["tools/gradekit/harness/extra.py"] = f"# {hidden_text}\n".encode()
    leaks = {(f.path, f.secret.kind) for f in release.split_accepted(release.audit(planted, found))[1]}
    assert (notebook, "solution") in leaks  # split over two lines and JSON-escaped, still found
    assert ("README.md", "hidden name") in leaks
    assert ("graders/2_3_2_notes.py", "hidden number") in leaks
    assert ("tools/gradekit/harness/extra.py", "hidden text") in leaks


def test_a_leak_stops_the_release_before_anything_is_written(tmp_path, monkeypatch):
    files, dependencies = release.bundle_files(ROOT, [LESSON])
    files["README.md"] += b"\noptimizer.load_state_dict(checkpoint[\"optimizer_state_dict\"])\n"
    monkeypatch.setattr(release, "bundle_files", lambda root, lessons: (files, dependencies))
    with pytest.raises(ReleaseError, match=r"README\.md: solution from solutions/2_3_1/saving_and_loading\.py"):
        release_bundle(ROOT, [LESSON], tmp_path)
    assert list(tmp_path.iterdir()) == []


# ---- what ships is found from imports --------------------------------------------------------------------


def fake_root(tmp_path: Path, files: dict[str, str]) -> Path:
    """A minimal tree with a gradekit package and a grader folder, for the import walk."""
    for name, text in {"tools/gradekit/__init__.py": "", "tools/gradekit/harness/__init__.py": "",
                       "tools/gradekit/assign/__init__.py": "", **files}.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return tmp_path


def test_imports_decide_what_ships(tmp_path):
    root = fake_root(tmp_path, {
        "tools/gradekit/harness/plugin.py": "from . import wire\nimport numpy\n",
        "tools/gradekit/harness/wire.py": "import json\n",
        "tools/gradekit/shared.py": "import torch\n",
        "graders/9_9_9/test_ex1.py": "import helper\nfrom gradekit import shared\n",
        "graders/9_9_9/helper.py": "from gradekit.harness import plugin\n",
        "graders/9_9_9/unused.py": "",
    })
    walk = release.Imports(root)
    walk.add(root / "graders/9_9_9/test_ex1.py")
    shipped = {p.relative_to(root).as_posix() for p in walk.shipped}
    assert shipped == {"graders/9_9_9/test_ex1.py", "graders/9_9_9/helper.py", "tools/gradekit/__init__.py",
                       "tools/gradekit/shared.py", "tools/gradekit/harness/__init__.py",
                       "tools/gradekit/harness/plugin.py", "tools/gradekit/harness/wire.py"}
    assert walk.distributions == {"numpy", "torch"}


@pytest.mark.parametrize("code, wanted", [
    ("from torch.utils.tensorboard import SummaryWriter\n", {"torch", "tensorboard"}),
    ("from torch.utils import tensorboard\n", {"torch", "tensorboard"}),
    ("import torch.utils.data\nfrom torchinfo import summary\n", {"torch", "torchinfo"}),
])
def test_a_module_inside_torch_that_needs_another_distribution_is_installed(tmp_path, code, wanted):
    """torch.utils.tensorboard is imported through torch but needs the tensorboard package (lesson 2.2.3)."""
    walk = release.Imports(tmp_path)
    walk.check_code("assignments/9_9_9/starter.py", code)
    assert walk.distributions == wanted


@pytest.mark.parametrize("text, words", [
    ("from gradekit.assign.regions import solution_text\n", "an instructor tool"),
    ("from gradekit import verify\n", "an instructor tool"),
    ("import reference_artifacts\n", "for course staff only"),
    ("from gradekit.nowhere import x\n", "not in tools/gradekit"),
    ("import sklearn\n", "neither ships nor installs"),
])
def test_an_import_of_something_not_shipped_fails_the_release(tmp_path, text, words):
    root = fake_root(tmp_path, {"graders/9_9_9/test_ex1.py": text, "graders/9_9_9/reference_artifacts.py": "",
                                "tools/gradekit/verify.py": "", "tools/gradekit/assign/regions.py": ""})
    with pytest.raises(ReleaseError, match=words):
        release.Imports(root).add(root / "graders/9_9_9/test_ex1.py")


def test_an_optional_import_is_not_required():
    found = release.imported("try:\n    import torchinfo\nexcept ImportError:\n    pass\nimport torch\n", "x.py", None)
    assert [name for _, name, _ in found] == ["torch"]


def test_an_existing_folder_that_is_not_a_bundle_is_left_alone(tmp_path):
    precious = tmp_path / f"{release.BUNDLE_NAME}-{LESSON}"
    precious.mkdir()
    (precious / "notes.txt").write_text("mine")
    with pytest.raises(ReleaseError, match="is not a student bundle"):
        release_bundle(ROOT, [LESSON], tmp_path)
    assert (precious / "notes.txt").read_text() == "mine"


def test_the_command_reports_what_it_wrote_and_refuses_unknown_lessons(tmp_path, capsys):
    assert gradekit_main(["--root", str(ROOT), "release", LESSON, "--out", str(tmp_path)]) == 0
    printed = capsys.readouterr().out
    assert f"{release.BUNDLE_NAME}-{LESSON}.zip" in printed and "accepted overlap" in printed
    assert gradekit_main(["--root", str(ROOT), "release", "9_9_9", "--out", str(tmp_path)]) == 1
    assert "9_9_9" in capsys.readouterr().err


# ---- grading inside the unpacked bundle ------------------------------------------------------------------


@pytest.mark.slow
def test_the_starter_scores_zero_on_every_public_check(bundle):
    _, folder = bundle
    report, output = grade_in_bundle(folder, bundle_env())  # the root conftest.py loads the bundle's plugin
    assert_bundle_plugin(output, folder)
    checks = report["checks"]
    public = {p.name for p in (ROOT / "graders" / LESSON).glob("test_*.py")}
    assert checks and all(Path(c["nodeid"].split("::")[0]).name in public for c in checks)
    assert not any(c["hidden"] for c in checks)
    for check in checks:
        assert check["status"] == "failed" and check["points"] == 0, check
        assert "not implemented yet" in check["message"], check
    assert report["lessons"][LESSON]["points"] == 0 and report["lessons"][LESSON]["max_points"] > 0


@pytest.mark.slow
def test_the_reference_solution_copied_in_scores_every_point(bundle, tmp_path):
    _, folder = bundle
    reference = solved_module(ROOT, LESSON, tmp_path)
    manifest = json.loads((folder / "assignments" / LESSON / "manifest.json").read_text())
    target = folder / "assignments" / LESSON / manifest["module"]
    starter = target.read_bytes()
    shutil.copy(reference, target)
    try:  # the bundle's package on PYTHONPATH, its plugin named with -p: the other way of loading it
        report, output = grade_in_bundle(folder, bundle_env(PYTHONPATH=str(folder / "tools")),
                                         "-p", "gradekit.harness.plugin")
    finally:
        target.write_bytes(starter)
    assert_bundle_plugin(output, folder)
    checks = report["checks"]
    assert checks and not any(c["hidden"] for c in checks)
    failed = [(c["name"], c["message"][:300]) for c in checks if c["status"] != "passed"]
    assert not failed
    assert report["lessons"][LESSON]["submission"] == str(target.resolve())
    assert report["lessons"][LESSON]["points"] == report["lessons"][LESSON]["max_points"] > 0


@pytest.mark.slow
@pytest.mark.parametrize("solved", [True, False], ids=["reference", "starter"])
def test_the_notebook_checks_run_from_the_installed_bundle(bundle, mnist_parameters, monkeypatch, solved):
    """The release notebook, executed with nbclient inside the unpacked bundle (its package first on the
    kernel's path, no installed plugin): with the solutions in place every check cell shows all passed; as
    shipped, every check cell shows its checks failing with "not implemented yet"."""
    from gradekit.testing.notebooks import execute, reference_notebook

    _, folder = bundle
    for name in [n for n in os.environ if n.startswith(("PYTEST", "GRADEKIT"))]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("PYTHONPATH", str(folder / "tools"))
    monkeypatch.setenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1")
    work = folder / "assignments" / LESSON
    manifest = json.loads((work / "manifest.json").read_text())
    text = reference_notebook(ROOT, LESSON) if solved else (work / manifest["notebook"]).read_text()
    notebook = nbformat.reads(text, as_version=4)
    notebook.cells.append(nbformat.v4.new_code_cell("import gradekit.notebook\nprint(gradekit.notebook.__file__)",
                                                    id="where-from"))
    executed = execute(nbformat.writes(notebook), mnist_parameters, cwd=work, allow_errors=not solved)
    shown = {cell.id: "\n".join(o.get("text", "") + o.get("data", {}).get("text/plain", "") for o in cell.outputs)
             for cell in executed.cells if cell.cell_type == "code"}
    assert shown["where-from"].strip() == str((folder / "tools" / "gradekit" / "notebook.py").resolve())
    checks = {cell_id: text for cell_id, text in shown.items() if "-check-" in cell_id and "setup" not in cell_id}
    assert len(checks) == len(manifest["exercises"]) + 1
    for cell_id, text in checks.items():
        if solved:
            assert "checks passed" in text and "✗" not in text and "not implemented" not in text, (cell_id, text)
        else:
            assert "✗" in text and "not implemented yet" in text, (cell_id, text)
