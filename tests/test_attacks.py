"""The attack corpus: one submission per way students cheat autograders, each graded by `gradekit grade`
beside its honest work (the same code without the attack). No attack may score more than its honest work,
change a report, outlive its worker, delete the judge's files or read what the grader keeps from students.

Each file in tests/attacks/<lesson>/ is a cell appended to the lesson's starter (or, with BASE = "reference",
to the reference solution), after the attacker's shared tools (tests/attacks/_toolkit.py) and the lesson's
`_prelude.py`: what precedes `# ---- attack ----` is the honest work; a folder adds its files beside the module. @@ROOT@@, @@OUT@@, @@DECOY@@, @@REFERENCE@@ and @@OTHER@@ stand for the project, the
reports folder, a file the judge owns, a reference solution on the judge's disk and a classmate's
submission in the same batch: the attacker is assumed to know every path.
"""

from __future__ import annotations

import ast
import hashlib
import json
import os
import shutil
import tempfile
import time
from pathlib import Path

import pytest

from gradekit.grading.batch import GradeOptions, grade_batch
from gradekit.grading.checks import read_checks
from gradekit.verify import solved_module

pytestmark = pytest.mark.slow  # grades every attack in batches

ROOT = Path(__file__).resolve().parents[1]
TEXT_FILES = (".json", ".md", ".xml", ".csv", ".html")  # every report a student may read (the rest are PNGs)
ATTACKS = Path(__file__).parent / "attacks"
MARKER = "# ---- attack ----"
LESSONS = sorted(p.name for p in ATTACKS.iterdir() if p.is_dir())
# `GRADEKIT_ATTACK_LAYER=uid` (make attacks-uid, as root) grades the corpus in the layer Gradescope's container gets.
LAYER = os.environ.get("GRADEKIT_ATTACK_LAYER", "auto")
# 1 GiB a worker rather than grading's 4: the honest work of every lesson fits, and the attacks that fill memory
# (memory_bomb) meet the same cap four times sooner.
LAYER_OPTIONS = ("--sandbox-layer", LAYER, "--worker-memory-gb", "1")
SECRETS = {"GRADEKIT_SECRET_TOKEN": "gk-secret-5e1f", "GITHUB_TOKEN": "ghp_5e1f_judge_only", "CI_JOB_TOKEN": "cj-5e1f"}


def attacks(lesson: str) -> list[Path]:
    return sorted(p for p in (ATTACKS / lesson).iterdir() if not p.name.startswith(("_", ".")))


def settings(text: str) -> dict:
    """BASE, EXPECT and STILL_PASS of an attack (defaults: the starter, and no more than the honest work; EXPECT =
    "same": as much as it, "nothing": no point at all, whatever the honest work scores, but from the checks named in
    STILL_PASS: those that judge files the worker reads back itself, which a forged reply leaves as they were)."""
    found = {"BASE": "starter", "EXPECT": "no more", "STILL_PASS": []}
    for node in ast.parse(text).body:
        if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name) and node.targets[0].id in found:
            found[node.targets[0].id] = ast.literal_eval(node.value)
    return found


def adds_nothing(honest: str) -> bool:
    """True when the honest part only imports and sets constants: its honest work is the base's."""
    for node in ast.parse(honest).body:
        constant = isinstance(node, ast.Assign) and all(isinstance(t, ast.Name) and t.id.isupper() for t in node.targets)
        docstring = isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)
        if not (constant or docstring or isinstance(node, (ast.Import, ast.ImportFrom))):
            return False
    return True


def module_text(lesson: str, base: str, cells: list[str], scratch: Path) -> str:
    """The lesson's starter or reference module with cells appended."""
    manifest = json.loads((ROOT / "assignments" / lesson / "manifest.json").read_text())
    if base == "reference":
        text = solved_module(ROOT, lesson, scratch).read_text()
    else:
        text = (ROOT / "assignments" / lesson / manifest["module"]).read_text()
    return text + "".join(f"\n\n# %%\n{cell}" for cell in cells if cell.strip())


def base_artifacts(scratch: Path, module: str) -> list[Path]:
    """The files the base brought beside its module (the reference's trained best_model.pt): an attack on the
    reference, and its honest work, are graded with them, as the reference is."""
    return [p for p in scratch.iterdir() if p.is_file() and p.name != module]


class Batch:
    """One lesson's attacks, their honest versions and a classmate's reference, graded in one batch."""

    def __init__(self, lesson: str, tmp: Path) -> None:
        self.lesson, self.tmp = lesson, tmp
        self.manifest = json.loads((ROOT / "assignments" / lesson / "manifest.json").read_text())
        self.out, self.judge = tmp / "out", tmp / "judge"
        self.decoy = self.judge / "decoy.txt"
        (self.judge / "ref").mkdir(parents=True)
        self.decoy.write_text("the judge's own file")
        self.reference = solved_module(ROOT, lesson, self.judge / "ref")
        (tmp / "classmate").mkdir()
        self.classmate = solved_module(ROOT, lesson, tmp / "classmate")
        self.places = {"@@ROOT@@": str(ROOT), "@@OUT@@": str(self.out), "@@DECOY@@": str(self.decoy),
                       "@@REFERENCE@@": str(self.reference), "@@OTHER@@": str(self.classmate)}
        self.honest_of: dict[str, str] = {}
        self.expect: dict[str, str] = {}
        self.still_pass: dict[str, set] = {}
        sources = [tmp / "classmate"]
        prelude = (ATTACKS / "_toolkit.py").read_text() + "\n\n" + (ATTACKS / lesson / "_prelude.py").read_text()
        honest_folders: dict[str, Path] = {}
        for attack in attacks(lesson):
            text = attack.read_text() if attack.is_file() else ""
            for placeholder, value in self.places.items():
                text = text.replace(placeholder, value)
            honest = text.split(MARKER)[0]
            chosen = settings(honest)
            self.expect[attack.stem] = chosen["EXPECT"]
            self.still_pass[attack.stem] = set(chosen["STILL_PASS"])
            folder = tmp / "attacks" / attack.stem
            folder.mkdir(parents=True)
            if attack.is_dir():
                shutil.copytree(attack, folder, dirs_exist_ok=True)
            scratch = tmp / "scratch" / attack.stem
            scratch.mkdir(parents=True)
            (folder / self.manifest["module"]).write_text(
                module_text(lesson, chosen["BASE"], [prelude, text], scratch))
            honest_text = module_text(lesson, chosen["BASE"], [] if adds_nothing(honest) else [prelude, honest],
                                      scratch)
            key = "honest-" + hashlib.sha256(honest_text.encode()).hexdigest()[:10]
            if key not in honest_folders:
                honest_folders[key] = tmp / "honest" / key
                honest_folders[key].mkdir(parents=True)
                (honest_folders[key] / self.manifest["module"]).write_text(honest_text)
            for artifact in base_artifacts(scratch, self.manifest["module"]):
                for place in (folder, honest_folders[key]):
                    shutil.copy(artifact, place / artifact.name)
            self.honest_of[attack.stem] = key
            sources.append(folder)
        sources += list(honest_folders.values())
        saved = {name: os.environ.get(name) for name in (*SECRETS, "TMPDIR")}
        os.environ.update(SECRETS)  # what a CI runner's environment holds: it must never reach a student
        own_tmp = tmp / "judge-tmp"  # the batch's temporary folders, apart from other processes on this machine
        own_tmp.mkdir()
        os.environ["TMPDIR"], tempfile.tempdir = str(own_tmp), str(own_tmp)
        try:
            grades = grade_batch(ROOT, lesson, sources, self.out, GradeOptions(jobs=2, time_limit_factor=0.5,
                                                                                 extra=LAYER_OPTIONS))
        finally:
            tempfile.tempdir = None
            for name, value in saved.items():
                os.environ.pop(name) if value is None else os.environ.__setitem__(name, value)
        self.left_behind = sorted(str(p) for p in own_tmp.iterdir())
        self.left_behind += [str(p) for p in Path("/tmp").glob("flood.bin")]
        self.grades = {g.name: g for g in grades}
        for grade in grades:
            print(f"{grade.name}: {grade.score:g}/{grade.max_score:g} in {grade.seconds:.1f} s")
        time.sleep(3)  # a daemon that escaped its worker would strike now


@pytest.fixture(scope="module")
def batch_of(tmp_path_factory):
    """Each lesson's batch, graded once on first use."""
    graded: dict[str, Batch] = {}

    def get(lesson: str) -> Batch:
        if lesson not in graded:
            folder = tmp_path_factory.mktemp(f"attacks-{lesson}")
            if LAYER == "uid":  # workers with a uid of their own pass through (never list) the test's folders
                for place in (folder, *folder.parents):
                    place.chmod(place.stat().st_mode | 0o011)
            graded[lesson] = Batch(lesson, folder)
        return graded[lesson]

    return get


@pytest.mark.parametrize("lesson, attack", [pytest.param(lesson, a.stem, id=f"{lesson}/{a.stem}")
                                            for lesson in LESSONS for a in attacks(lesson)])
def test_attack_scores_no_more_than_its_honest_work(batch_of, lesson, attack):
    batch = batch_of(lesson)
    attacked, honest = batch.grades[attack], batch.grades[batch.honest_of[attack]]
    assert attacked.max_score == honest.max_score == read_checks(ROOT, lesson)["max_points"]
    assert attacked.score <= honest.score, [(c.id, c.message) for c in attacked.checks if c.passed]
    if batch.expect[attack] == "same":
        assert attacked.score == honest.score, [(c.id, c.message[:300]) for c in attacked.checks if not c.passed]
    if batch.expect[attack] == "nothing":
        scored = {c.id.split("::")[-1].split("[")[0] for c in attacked.checks if c.passed and c.points}
        assert scored <= batch.still_pass[attack], sorted(scored - batch.still_pass[attack])
    report = json.loads((batch.out / attack / "results.json").read_text())
    assert report["score"] == attacked.score and len(report["tests"]) == len(attacked.checks)


@pytest.mark.parametrize("lesson", LESSONS)
def test_reports_and_the_judges_files_survive_every_attack(batch_of, lesson):
    batch = batch_of(lesson)
    if LAYER != "auto":
        assert batch.grades["classmate"].sandbox == {LAYER}, batch.grades["classmate"].sandbox
    assert batch.decoy.read_text() == "the judge's own file"
    assert not Path(f"{batch.decoy}.daemon").exists(), "a daemon outlived its worker"
    assert batch.grades["classmate"].score == batch.grades["classmate"].max_score
    for name, grade in batch.grades.items():
        report = json.loads((batch.out / name / "results.json").read_text())
        assert report["score"] == grade.score <= grade.max_score, name
    assert (batch.out / "gradebook.csv").read_text().count("\n") == len(batch.grades) + 1


@pytest.mark.parametrize("lesson", LESSONS)
def test_nothing_hidden_reaches_a_students_report(batch_of, lesson):
    batch = batch_of(lesson)
    hidden = [c["name"].split("[")[0] for c in read_checks(ROOT, batch.lesson)["checks"] if c["hidden"]]
    for path in batch.out.rglob("*"):
        if path.suffix in TEXT_FILES:
            text = path.read_text()
            assert not [name for name in hidden if name in text], path
            assert not [value for value in SECRETS.values() if value in text], f"the judge's secrets reached {path}"


@pytest.mark.parametrize("lesson", LESSONS)
def test_nothing_of_the_batch_is_left_on_the_judges_disk(batch_of, lesson):
    assert batch_of(lesson).left_behind == []
