"""`gradekit grade` against hostile batches: submissions that cannot be staged, names that collide or aim
outside --out, messages written to break the reports, and a judge that outgrows its bounds. Each is that
submission's own problem: honest classmates in the same batch keep their exact scores, every report stays
valid for its format, and nothing is written outside --out."""

from __future__ import annotations

import csv
import html
import io
import json
import os
import re
import shutil
import struct
import sys
import time
import xml.dom.minidom
import xml.etree.ElementTree as ET
import zipfile
import zlib
from pathlib import Path

import pytest
from markdown_it import MarkdownIt

from gradekit.grading import batch as batch_module
from gradekit.grading.batch import MAX_NAME, GradeOptions, grade_batch, judge, unique_names
from gradekit.grading.checks import read_checks
from gradekit.grading.results import reconcile
from gradekit.grading.service import LOG_TAIL_BYTES
from gradekit.grading.stage import Staged, stage
from gradekit.verify import solved_module, with_cell

ROOT = Path(__file__).resolve().parents[1]
LESSON = "2_3_1"
MANIFEST = json.loads((ROOT / "assignments" / LESSON / "manifest.json").read_text())
CHECKS = read_checks(ROOT, LESSON)
FULL = CHECKS["max_points"]
REPORT_NAMES = {"junit.xml", "summary.md", "gradebook.csv", "results.json", "feedback.md", "feedback"}
SAFE_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9._-]*")
NOT_XML_10 = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")
HOSTILE = ("<script>alert(1)</script>\n| ex1 | 10/10 | **38/38** |\n# You passed\n````\n"
           "\x1b[31mtorch says red\x1b[0m \x00 \x0c \ud800 <img src=x onerror=alert(2)>")
BODY = ("x = 1\n" * 500).encode()


def patched_zip(path: Path, payload: bytes, method: int = 0, flags: int = 0, size: int | None = None) -> Path:
    """A one-member zip holding the lesson's module whose headers claim `method`, `flags` and `size`,
    whatever `payload` really is (how a damaged, encrypted or exotic zip looks to the grader)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr(MANIFEST["module"], payload)
    data = bytearray(path.read_bytes())
    central = data.index(b"PK\x01\x02")
    for header in (6, central + 8):  # the local header's and the central directory's flag field
        data[header:header + 4] = struct.pack("<HH", flags, method)
        if size is not None:
            data[header + 16:header + 20] = struct.pack("<I", size)
    path.write_bytes(bytes(data))
    return path


def hostile_zips(folder: Path) -> dict[str, tuple[Path, str]]:
    """Zips that cannot be unpacked, each with the phrase its problem must say; most with a hostile name."""
    folder.mkdir(parents=True, exist_ok=True)
    checksum = folder / "FEEDBACK.MD.zip"
    with zipfile.ZipFile(checksum, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(MANIFEST["module"], BODY)
    data = bytearray(checksum.read_bytes())
    data[data.index(b"PK\x01\x02") + 16] ^= 0xFF  # the central directory's CRC-32 no longer matches the data
    checksum.write_bytes(bytes(data))
    (folder / "..zip").write_bytes(b"PK\x03\x04 not really a zip")
    return {
        "password": (patched_zip(folder / "results.json.zip", BODY, flags=0x1), "protected by a password"),
        "compression": (patched_zip(folder / "feedback.zip", BODY, method=99), "cannot unpack"),
        "deflate": (patched_zip(folder / ".hidden.zip", b"\xff" * 64, method=8, size=len(BODY)), "is damaged"),
        "lzma": (patched_zip(folder / "lzma.zip", b"\x00" * 64, method=14, size=len(BODY)), "is damaged"),
        "checksum": (checksum, "is damaged"),
        "not_a_zip": (folder / "..zip", "not a readable zip"),
    }


def hostile_listing(folder: Path) -> Path:
    """A folder without the lesson's file whose file names (listed in its problem) are written to break reports:
    HTML, a fake heading, a table row, a terminal escape, and a name that is not UTF-8 (a lone surrogate)."""
    folder.mkdir(parents=True)
    for name in ("<img src=x onerror=alert(3)>.py", "| ex1 | 10 | **38** |.py", "x\n# You passed.py",
                 "\x1b[31mred\x0c.py"):
        (folder / name).write_text("x = 1\n")
    os.close(os.open(os.fsencode(folder) + b"/\xff.py", os.O_CREAT | os.O_WRONLY, 0o600))
    return folder


def reference(folder: Path, cell: str | None = None) -> Path:
    """The lesson's reference solution in `folder`, with `cell` appended when given."""
    folder.mkdir(parents=True)
    module = solved_module(ROOT, LESSON, folder)
    if cell:
        module.write_text(with_cell(module.read_text(), cell))
    return folder


def raising_save_model(message: str) -> str:
    return f"def save_model(model, path):\n    raise ValueError({message!r})\n"


def make_unreadable(monkeypatch) -> None:
    """Folders named `locked-folder` cannot be listed and files named `locked.py` cannot be read, as a permission
    error would have it (the tests run as root, whom no permission stops)."""
    scandir, copy2 = os.scandir, shutil.copy2

    def refusing_scandir(path="."):
        if not isinstance(path, int) and os.fsdecode(path).endswith("locked-folder"):
            raise PermissionError(13, "Permission denied", os.fspath(path))
        return scandir(path)

    def refusing_copy2(source, target, **options):
        if os.fspath(source).endswith("locked.py"):
            raise PermissionError(13, "Permission denied", os.fspath(source))
        return copy2(source, target, **options)

    monkeypatch.setattr(os, "scandir", refusing_scandir)
    monkeypatch.setattr(shutil, "copy2", refusing_copy2)


def snapshot(folder: Path, skip: Path) -> dict[str, tuple[int, int]]:
    """Every path under `folder` but `skip`, with its size and modification time."""
    return {str(p.relative_to(folder)): (p.lstat().st_size, p.lstat().st_mtime_ns) for p in folder.rglob("*")
            if p != skip and skip not in p.parents}


def hostile_submissions(subs: Path) -> dict[str, tuple[Path, float | str, str]]:
    """Every submission of the batch, the score it must get (FULL, 0, or "twin": what `plain_message`, the same
    code with an ordinary message, earns) and the phrase its problem must say when it cannot be staged."""
    locked_file = reference(subs / "locked-file")
    (locked_file / "locked.py").write_text("x = 1\n")
    (subs / "locked-folder").mkdir()
    dots = subs / "dots" / "...py"
    dots.parent.mkdir(parents=True)
    dots.write_text(solved_module(ROOT, LESSON, dots.parent).read_text())
    (subs / "x").mkdir()
    long_name = subs / ("n" * 200)
    long_name.mkdir()
    formula = subs / "=HYPERLINK(1).txt"
    formula.write_text("x")
    return {
        "honest": (reference(subs / "a"), FULL, ""),
        "same_name": (patched_zip(subs / "x" / "a.zip", BODY, flags=0x1), 0, "protected by a password"),
        "numbered_name": (reference(subs / "a-2"), FULL, ""),
        "report_name": (reference(subs / "junit.xml"), FULL, ""),
        "dot_name": (dots, FULL, ""),
        "hostile_message": (reference(subs / "hostile", raising_save_model(HOSTILE)), "twin", ""),
        "plain_message": (reference(subs / "plain", raising_save_model("no saving today")), "twin", ""),
        **{key: (path, 0, phrase) for key, (path, phrase) in hostile_zips(subs / "zips").items()},
        "listing": (hostile_listing(subs / "listing"), 0, "holds neither"),
        "locked_folder": (subs / "locked-folder", 0, "could not be read"),
        "locked_file": (locked_file, 0, "could not be read"),
        "long_name": (long_name, 0, "holds neither"),
        "formula": (formula, 0, "a submission is a .py module"),
    }


@pytest.fixture(scope="module")
def hostile_batch(tmp_path_factory):
    """The batch graded once (6 submissions judged, the rest stopped at staging), with what lay beside --out
    before and after."""
    folder = tmp_path_factory.mktemp("hostile")
    given = hostile_submissions(folder / "subs")
    out = folder / "out"
    before = snapshot(folder, out)
    with pytest.MonkeyPatch.context() as patch:
        make_unreadable(patch)
        grades = grade_batch(ROOT, LESSON, [path for path, _, _ in given.values()], out, GradeOptions(jobs=2))
    graded = dict(zip(given, grades))
    twin = graded["plain_message"].score
    expected = {key: (twin if score == "twin" else score, phrase) for key, (_, score, phrase) in given.items()}
    return graded, expected, out, {"before": before, "after": snapshot(folder, out), "beside": os.listdir(folder)}


def failing(grade) -> list[tuple[str, str]]:
    return [(c.id, c.message[:200]) for c in grade.checks if not c.passed]


@pytest.mark.slow
def test_honest_work_keeps_its_exact_score_and_what_cannot_be_staged_scores_nothing(hostile_batch):
    graded, expected, _, _ = hostile_batch
    assert 0 < graded["plain_message"].score < FULL, "the twin loses exercise 1 only"
    for key, grade in graded.items():
        score, phrase = expected[key]
        assert grade.max_score == FULL and grade.score == score, (key, grade.problems, failing(grade))
        if phrase:
            assert any(phrase in problem for problem in grade.problems), (key, grade.problems)
            assert all(phrase in c.message for c in grade.checks), key
    assert "<script>alert(1)</script>" in next(c.message for c in graded["hostile_message"].checks if not c.passed)


@pytest.mark.slow
def test_every_submission_gets_its_own_safe_folder_and_a_valid_results_json(hostile_batch):
    graded, expected, out, _ = hostile_batch
    names = [grade.name for grade in graded.values()]
    assert len({name.lower() for name in names}) == len(names)
    assert all(SAFE_NAME.fullmatch(name) and len(name) <= MAX_NAME and name.lower() not in REPORT_NAMES
               for name in names), names
    assert (graded["honest"].name, graded["numbered_name"].name, graded["same_name"].name) == ("a", "a-2", "a-3")
    for key, grade in graded.items():
        text = (out / grade.name / "results.json").read_text(encoding="utf-8")
        results = json.loads(text)
        assert results["score"] == sum(test["score"] for test in results["tests"]) == expected[key][0], key
        assert len(results["tests"]) == len(CHECKS["checks"])
        assert not any(CONTROL.search(value) for value in strings(results)), key


def strings(data) -> list[str]:
    """Every string in parsed JSON, keys included."""
    if isinstance(data, str):
        return [data]
    if isinstance(data, dict):
        return [*data] + [s for value in data.values() for s in strings(value)]
    if isinstance(data, list):
        return [s for value in data for s in strings(value)]
    return []


@pytest.mark.slow
def test_nothing_is_written_outside_out(hostile_batch):
    _, _, out, around = hostile_batch
    assert around["after"] == around["before"]
    assert sorted(around["beside"]) == ["out", "subs"]
    assert {p.name for p in out.iterdir() if p.is_file()} == {"junit.xml", "summary.md", "gradebook.csv"}


@pytest.mark.slow
def test_junit_xml_holds_only_xml_10_characters_and_parses_strictly(hostile_batch):
    graded, _, out, _ = hostile_batch
    reports = [out / "junit.xml", *(out / grade.name / "junit.xml" for grade in graded.values())]
    for report in reports:
        text = report.read_text(encoding="utf-8")
        assert not NOT_XML_10.search(text), report
        ET.fromstring(text)
        xml.dom.minidom.parseString(text.encode("utf-8"))  # expat: no recovery from anything malformed
    suites = ET.parse(out / "junit.xml").getroot()
    assert len(suites) == len(graded)
    failure = suites[list(graded).index("hostile_message")].find("testcase/failure")
    assert "<script>alert(1)</script>" in failure.text and "torch says red" in failure.text
    assert "\x1b" not in failure.text


@pytest.mark.slow
def test_gradebook_has_one_row_per_submission_and_no_cell_a_spreadsheet_runs(hostile_batch):
    graded, _, out, _ = hostile_batch
    rows = list(csv.DictReader(io.StringIO((out / "gradebook.csv").read_text(encoding="utf-8"), newline="")))
    assert [row["submission"] for row in rows] == [grade.name for grade in graded.values()]
    assert [float(row["total"]) for row in rows] == [grade.score for grade in graded.values()]
    assert not any(cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row.values())
    assert rows[list(graded).index("formula")]["problems"].startswith("'=HYPERLINK")
    assert not any(CONTROL.search(cell) for row in rows for cell in row.values())


MARKDOWN = MarkdownIt("commonmark", {"html": True}).enable("table")


def rendered(path: Path) -> str:
    """A Markdown report as GitHub-like HTML (raw HTML passes through, as a careless renderer would let it)."""
    text = path.read_text(encoding="utf-8")
    assert not CONTROL.search(text.replace("\n", "").replace("\t", "")), path
    return MARKDOWN.render(text)


@pytest.mark.slow
def test_markdown_reports_show_student_text_but_never_run_or_render_it(hostile_batch):
    graded, _, out, _ = hostile_batch
    exercises = len(MANIFEST["exercises"])
    pages = {out / "summary.md": len(graded) + 1}
    for grade in graded.values():
        pages[out / grade.name / "feedback.md"] = exercises + 2  # header, one row per exercise, the total
        if (out / grade.name / "feedback" / "feedback.md").exists():
            pages[out / grade.name / "feedback" / "feedback.md"] = exercises + 2
    for path, rows in pages.items():
        page = rendered(path)
        assert "<script" not in page and "<img src=x" not in page and "<img src=\"x\"" not in page, path
        assert not any("You passed" in heading for heading in re.findall(r"<h\d>(.*?)</h\d>", page)), path
        assert page.count("<tr>") == rows, path
    hostile = graded["hostile_message"].name
    for path in (out / hostile / "feedback.md", out / hostile / "feedback" / "feedback.md"):
        code = html.unescape("".join(re.findall(r"<pre><code[^>]*>(.*?)</code></pre>", rendered(path), re.DOTALL)))
        assert "<script>alert(1)</script>\n| ex1 | 10/10 | **38/38** |\n# You passed\n````" in code, path
    assert rendered(out / "summary.md").count("<strong>38/38</strong>") == sum(
        grade.score == FULL for grade in graded.values())


@pytest.mark.slow
def test_the_feedback_page_escapes_student_text(hostile_batch):
    graded, _, out, _ = hostile_batch
    page = (out / graded["hostile_message"].name / "feedback" / "feedback.html").read_text(encoding="utf-8")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script" not in page
    assert "torch says red" in page and not CONTROL.search(page.replace("\n", ""))


def test_names_are_distinct_safe_short_and_never_a_reports():
    sources = [Path(name) for name in ("a", "a", "a-2", "A", ".", "..", "...py", ".hidden", "", "junit.xml",
                                       "Summary.MD", "gradebook.csv", "results.json.zip", "feedback.md",
                                       "FEEDBACK", "x" * 300, "x" * 300, "..zip", "-rf", "é.py", "dir/b.ipynb")]
    names = unique_names(sources)
    assert len({name.lower() for name in names}) == len(names), names
    for name in names:
        assert SAFE_NAME.fullmatch(name) and len(name) <= MAX_NAME and name.lower() not in REPORT_NAMES, name
    assert names[:3] == ["a", "a-3", "a-2"], "a numbered name never takes one a later submission has by itself"
    assert names[-1] == "b" and names[7] == "hidden"


@pytest.mark.parametrize("error", [EOFError("ended early"), OSError(5, "Input/output error"),
                                   zlib.error("invalid stored block lengths"), RuntimeError("odd"),
                                   NotImplementedError("compression type 99"), KeyError("what")])
def test_any_failure_reading_a_zip_member_is_that_submissions_problem(error, tmp_path, monkeypatch):
    archive = tmp_path / "work.zip"
    with zipfile.ZipFile(archive, "w") as writer:
        writer.writestr(f"work/{MANIFEST['module']}", BODY)

    def failing_read(self, size=-1):
        raise error

    monkeypatch.setattr(zipfile.ZipExtFile, "read", failing_read)
    staged = stage(archive, tmp_path / "staged", "work", MANIFEST["module"], MANIFEST["notebook"], {})
    phrase = "cannot unpack" if isinstance(error, NotImplementedError) else "is damaged"
    assert staged.file is None and len(staged.problems) == 1
    assert phrase in staged.problems[0] and MANIFEST["module"] in staged.problems[0], staged.problems


FAKE_JUDGE = """
import os, subprocess, sys, tempfile, time
info, mode, report = sys.argv[1:4]
scratch = tempfile.mkdtemp(prefix="fake-judge-")
child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])
with open(info, "w") as handle:
    handle.write(f"{scratch}\\n{child.pid}\\n")
sys.stdout.write("x" * (4 << 20) + "\\nlast words\\n")
sys.stdout.flush()
if mode == "hang":
    time.sleep(120)
child.kill()
if mode != "none":
    os.replace(mode, report)
"""


def fake_judge(monkeypatch, tmp_path: Path, mode: str, report: bytes | None = None) -> Path:
    """Make `judge` run FAKE_JUDGE, which writes `report` as its JSON report (or hangs, with mode "hang", or
    writes none, with "none"); the file where it records its temporary folder and its child's pid."""
    info = tmp_path / "info.txt"
    argument = mode
    if report is not None:
        argument = str(tmp_path / "report.bytes")
        Path(argument).write_bytes(report)
    monkeypatch.setattr(batch_module, "judge_command", lambda root, lesson, staged, scratch, options: [
        sys.executable, "-c", FAKE_JUDGE, str(info), argument, str(scratch / "report.json")])
    return info


def judged(tmp_path: Path, timeout: float = 60) -> tuple[dict | None, str, Path]:
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    staged = Staged(name="x", source=tmp_path, folder=tmp_path, file=tmp_path / MANIFEST["module"])
    report, reason = judge(ROOT, LESSON, staged, scratch, GradeOptions(timeout=timeout), None)
    return report, reason, scratch


def running(pid: int) -> bool:
    """Whether `pid` is a live process (a zombie is not)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] not in ("Z", "X")
    except (FileNotFoundError, ProcessLookupError):
        return False


@pytest.mark.slow
def test_a_judge_past_its_timeout_dies_with_its_children_and_leaves_no_temporary_folder(tmp_path, monkeypatch):
    info = fake_judge(monkeypatch, tmp_path, "hang")
    started = time.monotonic()
    report, reason, scratch = judged(tmp_path, timeout=3)
    assert report is None and "grading stopped after 3 s" in reason
    assert time.monotonic() - started < 15
    kept, child = info.read_text().split()
    assert Path(kept).is_relative_to(scratch), "the judge's temporary folders live in its scratch"
    assert not Path(kept).exists() and not (scratch / "tmp").exists()
    deadline = time.monotonic() + 5
    while running(int(child)) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not running(int(child)), "the judge's child went with it"
    log = (scratch / "judge.log").read_bytes()
    assert len(log) <= LOG_TAIL_BYTES and log.endswith(b"last words\n")


@pytest.mark.parametrize("report", [b" " * (batch_module.MAX_REPORT_BYTES + 1) + b"{}", b"{not json",
                                    b"[" * 100_000 + b"]" * 100_000, b"[1, 2]", None],
                         ids=["too_big", "not_json", "too_deep", "not_an_object", "missing"])
def test_a_judge_report_too_big_or_malformed_is_that_submissions_problem(report, tmp_path, monkeypatch):
    fake_judge(monkeypatch, tmp_path, "none", report)
    found, reason, _ = judged(tmp_path)
    assert found is None and reason.startswith("the grader could not finish this submission (exit code 0)")
    assert reason.endswith("last words"), reason[-200:]
    grade = reconcile(CHECKS, found, name="x", source="x", stopped=reason)
    assert grade.score == 0 and all("could not finish" in c.message for c in grade.checks)


def test_a_report_of_the_wrong_shape_counts_as_absent():
    shapes = [{"checks": {"a": 1}, "lessons": [1]}, {"checks": [{"nodeid": ["x"]}, 5], "lessons": {LESSON: 3}},
              {"checks": [{"nodeid": CHECKS["checks"][0]["id"], "status": "passed", "seconds": "soon",
                           "figures": "x.png", "sandbox": "all"}], "lessons": {LESSON: {"problems": "text"}}}]
    scores = [reconcile(CHECKS, shape, name="x", source="x").score for shape in shapes]
    assert scores == [0, 0, CHECKS["checks"][0]["points"]]
