"""The feedback page and its pictures: written beside the graded file, linked, listing what to fix, never showing
a hidden check; the figures drawn the same every time; the terminal's progress bar."""

from __future__ import annotations

import io
import json
import struct
import subprocess
import sys
from pathlib import Path

import pytest

from gradekit.harness import feedback
from gradekit.reporting.report import WaitLine
from gradekit.verify import grade, solved_module

ROOT = Path(__file__).resolve().parents[1]
CORPUS = Path(__file__).parent / "corpus"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def png_size(path: Path) -> tuple[int, int]:
    """Width and height from a PNG's IHDR chunk (after checking the signature)."""
    data = path.read_bytes()
    assert data[:8] == PNG_SIGNATURE, f"{path} is not a PNG"
    return struct.unpack(">II", data[16:24])


def amnesia_submission(folder: Path) -> Path:
    """The reference 2.3.1 module with the corpus mistake that drops the optimizer's state on resume."""
    sys.path.insert(0, str(Path(__file__).parent))
    from test_corpus import submission_with

    return submission_with(CORPUS / "2_3_1" / "mistakes" / "resume_drops_optimizer_state.py", folder)[0]


@pytest.fixture(scope="module")
def amnesia(tmp_path_factory) -> tuple[dict, Path]:
    folder = tmp_path_factory.mktemp("amnesia")
    report = grade(ROOT, "2_3_1", amnesia_submission(folder), hidden=True)
    return report, folder / "feedback" / "2_3_1"


@pytest.mark.slow
def test_resume_chart_and_page_are_written_beside_the_graded_file(amnesia):
    report, folder = amnesia
    chart = folder / "ex3-resume_loss.png"
    width, height = png_size(chart)
    assert (width, height) == (640, 380) and chart.stat().st_size > 10_000
    smooth = next(c for c in report["checks"] if c["name"] == "test_resumed_loss_continues_smoothly")
    assert smooth["status"] == "failed" and smooth["figures"] == [str(chart.resolve())]
    page = (folder / "feedback.html").read_text()
    assert 'src="ex3-resume_loss.png"' in page and "![ex3-resume_loss](ex3-resume_loss.png)" in (
        folder / "feedback.md").read_text()
    assert "pilot amnesia" in page and "they part at epoch 4" in page
    assert report["lessons"]["2_3_1"]["feedback_page"] == str((folder / "feedback.html").resolve())
    assert f"Feedback page (2_3_1): {(folder / 'feedback.html').resolve()} (with 1 picture)" in report["terminal"]


@pytest.mark.slow
def test_the_page_never_shows_a_hidden_check(amnesia):
    report, folder = amnesia
    hidden = [c for c in report["checks"] if c["hidden"]]
    assert hidden and any(c["status"] == "failed" for c in hidden), "the mistake fails a hidden check too"
    for page in (folder / "feedback.html", folder / "feedback.md"):
        text = page.read_text()
        assert text.count("hidden check") == len(hidden)
        for check in hidden:
            assert check["name"].split("[")[0] not in text
            assert not check["message"] or check["message"].strip().splitlines()[0][:40] not in text
    assert {p.name for p in folder.glob("*.png")} == {"ex3-resume_loss.png"}


@pytest.mark.slow
def test_a_passing_check_keeps_its_picture_and_no_figures_no_page_when_asked(tmp_path):
    reference = solved_module(ROOT, "2_3_1", tmp_path)
    report = grade(ROOT, "2_3_1", reference, hidden=False, extra=("--exercise", "ex3"))
    assert all(c["status"] == "passed" for c in report["checks"])
    assert png_size(tmp_path / "feedback" / "2_3_1" / "ex3-resume_loss.png") == (640, 380)
    quiet = tmp_path / "quiet"
    quiet.mkdir()
    report = grade(ROOT, "2_3_1", solved_module(ROOT, "2_3_1", quiet), hidden=False,
                   extra=("--exercise", "ex3", "--no-feedback-page"))
    assert not (quiet / "feedback").exists() and report["lessons"]["2_3_1"]["feedback_page"] is None
    assert all(c["figures"] == [] for c in report["checks"])


@pytest.mark.slow
def test_per_class_bars_of_the_best_model(tmp_path):
    reference = solved_module(ROOT, "2_3_3", tmp_path)
    report = grade(ROOT, "2_3_3", reference, hidden=False, extra=("-k", "reaches_88", "--feedback-dir",
                                                                   str(tmp_path / "pages")))
    check = next(c for c in report["checks"] if c["name"] == "test_best_model_reaches_88_percent")
    bars = tmp_path / "pages" / "2_3_3" / "ex5-per_class_accuracy.png"
    assert check["status"] == "passed" and check["figures"] == [str(bars.resolve())]
    assert png_size(bars) == (640, 380) and bars.stat().st_size > 10_000
    assert 'src="ex5-per_class_accuracy.png"' in (bars.parent / "feedback.html").read_text()


def test_figures_are_drawn_the_same_every_time_and_bad_specs_are_refused():
    from gradekit.reporting.figures import render_png

    feedback.figure("loss", kind="lines", series={"a": [1.0, 0.5, 0.25], "b": [1.0, 0.6, float("nan")]},
                    title="t", mark_x=2, mark_label="crash")
    feedback.figure("bars", kind="bars", labels=["x", "y"], values=[0.9, None], threshold=0.85, title="t")
    specs = feedback.take_figures()
    assert [s["name"] for s in specs] == ["loss", "bars"] and feedback.take_figures() == []
    assert json.loads(json.dumps(specs)) == specs, "a spec is plain data"
    for spec in specs:
        assert render_png(spec) == render_png(spec) and render_png(spec)[:8] == PNG_SIGNATURE
    with pytest.raises(ValueError, match="kind must be one of"):
        feedback.figure("x", kind="pie", title="t")
    with pytest.raises(ValueError, match="2 labels for 1 values"):
        feedback.figure("x", kind="bars", labels=["a", "b"], values=[1.0], title="t")


def test_grading_without_figures_never_imports_matplotlib():
    probe = ("import sys, gradekit.harness.plugin, gradekit.reporting.feedback_page; "
             "print('matplotlib' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120)
    assert done.stdout.strip() == "False", done.stderr


class FakeTerminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_the_progress_bar_appears_after_the_delay_and_puts_the_line_back(monkeypatch):
    monkeypatch.setenv("COLUMNS", "160")  # the bar fits the terminal's width: a test worker's may be narrow
    terminal = FakeTerminal()
    line = WaitLine(terminal, current_line=lambda: "graders/2_3_1/test_ex3_resume.py ..", delay=0.05, interval=0.02)
    with line.waiting("2_3_1.ex3 test_resumed_loss_continues_smoothly (resume_continuity)", 20, 7, 19):
        import time

        deadline = time.monotonic() + 10  # the wait, not a fixed sleep: a loaded machine may start the bar late
        while "checks done" not in terminal.getvalue() and time.monotonic() < deadline:
            time.sleep(0.01)
    drawn = terminal.getvalue()
    assert "/20 s · 7/19 checks done · 2_3_1.ex3 test_resumed_loss" in drawn
    assert drawn.endswith("\r\x1b[Kgraders/2_3_1/test_ex3_resume.py ..")
    quick = FakeTerminal()
    with WaitLine(quick, delay=5).waiting("fast", 20, 0, 1):
        pass
    assert quick.getvalue() == "", "a call that returns quickly draws nothing"
    assert WaitLine.for_terminal(io.StringIO(), lambda: "") is None, "no bar off a terminal (logs, CI)"
