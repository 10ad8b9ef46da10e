"""The student's notebook and feedback page in a real browser: JupyterLab started from an unpacked 2.3.1 bundle and
driven in Debian's headless Chromium (Selenium, never a downloaded browser), and feedback.html opened from disk.

`make browser-check` runs these (marked `platform`, so `make test` leaves them out). Each keeps screenshots under
pytest's tmp path and prints where; the notebook's is also copied to /tmp/gradekit-browser-check.png. They are
skipped, with the reason printed, only where Chromium or its driver cannot be installed or started.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
import zipfile
from pathlib import Path

import pytest

from gradekit.course.data import MNIST_FILES as MNIST
from gradekit.testing.notebooks import reference_notebook
from gradekit.release import release_bundle

pytestmark = pytest.mark.platform

ROOT = Path(__file__).resolve().parents[1]
LESSON = "2_3_1"
CHROMIUM, CHROMEDRIVER = Path("/usr/bin/chromium"), Path("/usr/bin/chromedriver")
CHROMIUM_FLAGS = ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--disable-dev-shm-usage", "--window-size=1400,1600")
FILLED = "2_3_1.ex1"  # the exercise whose graded cell the test fills with the reference cell
SCREENSHOT_COPY = Path("/tmp/gradekit-browser-check.png")
NOTEBOOK_SETTINGS = {  # every cell kept in the page (no windowing), no news or update checks to fetch
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {"fetchNews": "false",
                                                                        "checkForUpdates": False},
}
RUN_TIMEOUT = 900  # seconds for Run All and the check cells on a loaded two-core machine


# ---- the browser ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    """Headless Debian Chromium under Selenium, with a fresh profile; skipped (saying why) where it cannot start."""
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError as error:
        pytest.skip(f"Selenium is not installed ({error}): `make setup` installs the project's test extra")
    missing = [str(p) for p in (CHROMIUM, CHROMEDRIVER) if not p.exists()]
    if missing:
        pytest.skip(f"{', '.join(missing)} missing: install Debian's chromium and chromium-driver "
                    "(`make browser-check` does, as root)")
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in (*CHROMIUM_FLAGS, f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}"):
        options.add_argument(flag)
    try:
        driver = webdriver.Chrome(service=Service(executable_path=str(CHROMEDRIVER)), options=options)
    except Exception as error:  # noqa: BLE001 - whatever stops Chromium from starting is the skip's reason
        pytest.skip(f"headless Chromium did not start: {type(error).__name__}: {str(error)[:500]}")
    driver.set_script_timeout(60)
    yield driver
    driver.quit()


def keep_screenshot(driver, path: Path, copy: Path | None = None) -> Path:
    """Save what the browser shows as a PNG test artifact (and a copy, if asked); print where it is."""
    assert driver.save_screenshot(str(path)), f"no screenshot written to {path}"
    if copy is not None:
        shutil.copy(path, copy)
    print(f"screenshot: {path}" + (f" (copied to {copy})" if copy else ""))
    return path


# ---- the bundle and JupyterLab -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def unpacked_bundle(tmp_path_factory) -> Path:
    """The 2.3.1 release bundle, built and unpacked from its zip into a temporary folder."""
    result = release_bundle(ROOT, [LESSON], tmp_path_factory.mktemp("release"))
    target = tmp_path_factory.mktemp("unpacked")
    with zipfile.ZipFile(result.zip) as archive:
        archive.extractall(target)
    return target / result.folder.name


@pytest.fixture(scope="module")
def local_mnist(tmp_path_factory) -> Path:
    """A plain folder holding MNIST's original test files, as a student would download them: the DATA_ROOT."""
    folder = tmp_path_factory.mktemp("my-mnist")
    for path in MNIST.glob("*-ubyte.gz"):
        shutil.copy(path, folder / path.name)
    return folder


def free_port() -> int:
    """A TCP port on localhost nobody listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def bundle_environment(bundle: Path, home: Path) -> dict:
    """JupyterLab's environment: the bundle's own package first on every kernel's path, no installed pytest
    plugin, and Jupyter's settings, runtime and IPython folders of this test alone."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "GRADEKIT", "PYTHONPATH", "JUPYTER"))}
    settings = home / "lab-settings"
    for name, values in NOTEBOOK_SETTINGS.items():
        (settings / name).parent.mkdir(parents=True, exist_ok=True)
        (settings / name).write_text(json.dumps(values))
    env.update(PYTHONPATH=str(bundle / "tools"), PYTEST_DISABLE_PLUGIN_AUTOLOAD="1",
               JUPYTERLAB_SETTINGS_DIR=str(settings), JUPYTERLAB_WORKSPACES_DIR=str(home / "workspaces"),
               JUPYTER_CONFIG_DIR=str(home / "config"), JUPYTER_RUNTIME_DIR=str(home / "runtime"),
               IPYTHONDIR=str(home / "ipython"), MPLBACKEND="Agg")
    return env


def wait_until_serving(url: str, process: subprocess.Popen, log: Path, seconds: float = 120) -> None:
    """Wait for JupyterLab's API to answer; fail with its log if it exits or never answers."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"JupyterLab exited with code {process.returncode}:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(f"{url}/api/status", timeout=2) as answer:
                if answer.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    pytest.fail(f"JupyterLab did not answer within {seconds:.0f} s:\n{log.read_text()[-3000:]}")


@pytest.fixture(scope="module")
def jupyterlab(unpacked_bundle, tmp_path_factory):
    """JupyterLab serving the unpacked bundle on a free localhost port, token off, no browser of its own."""
    home = tmp_path_factory.mktemp("jupyter-home")
    port = free_port()
    log = home / "jupyterlab.log"
    command = [sys.executable, "-m", "jupyterlab", "--no-browser", f"--port={port}", "--ip=127.0.0.1",
               "--IdentityProvider.token=", "--ServerApp.password=", "--LabApp.expose_app_in_browser=True",
               "--LabApp.news_url=", "--ServerApp.allow_root=True", f"--ServerApp.root_dir={unpacked_bundle}"]
    with open(log, "wb") as output:
        process = subprocess.Popen(command, cwd=unpacked_bundle, env=bundle_environment(unpacked_bundle, home),
                                   stdout=output, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_serving(url, process, log)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


# ---- JupyterLab's page, through the app it exposes (--LabApp.expose_app_in_browser) --------------------------

NOTEBOOK_STATE = """
const app = window.jupyterapp, panel = app && app.shell.currentWidget;
if (!panel || !panel.sessionContext || !panel.context) return {state: "opening"};
const kernel = panel.sessionContext.session && panel.sessionContext.session.kernel;
if (!panel.context.isReady || !kernel) return {state: "starting the kernel"};
const code = panel.content.widgets.filter(c => c.model.type === 'code');
const queued = [...panel.node.querySelectorAll('.jp-InputPrompt')].some(p => p.textContent.includes('*'));
return {state: queued ? "running" : kernel.status,
        run: code.filter(c => c.model.executionCount !== null).map(c => c.model.id),
        failed: code.filter(c => [...Array(c.model.outputs.length).keys()].some(
            i => c.model.outputs.get(i).type === 'error')).map(c => c.model.id),
        code: code.length};
"""
CELLS = """
const panel = window.jupyterapp.shell.currentWidget;
return panel.content.widgets.map(cell => ({id: cell.model.id, type: cell.model.type,
                                           source: cell.model.sharedModel.getSource()}));
"""
SET_SOURCE = """
const panel = window.jupyterapp.shell.currentWidget;
const cell = panel.content.widgets.find(c => c.model.id === arguments[0]);
cell.model.sharedModel.setSource(arguments[1]);
"""
SELECT = """
const panel = window.jupyterapp.shell.currentWidget;
panel.content.activeCellIndex = panel.content.widgets.findIndex(c => c.model.id === arguments[0]);
panel.content.mode = 'command';
panel.content.activeCell.node.scrollIntoView({block: 'start'});
"""
OUTPUT = """
const panel = window.jupyterapp.shell.currentWidget;
const cell = panel.content.widgets.find(c => c.model.id === arguments[0]);
const area = cell.node.querySelector('.jp-OutputArea');
return {text: area ? area.innerText : "", tables: area ? area.querySelectorAll('table').length : 0,
        marks: area ? [...area.querySelectorAll('td span')].map(s => s.textContent) : []};
"""


def wait_for(driver, what: str, done, seconds: float) -> dict:
    """Poll the notebook's state until `done(state)` holds twice in a row (a kernel is idle for an instant between
    two cells); fail saying where it stood."""
    deadline, held, state = time.monotonic() + seconds, 0, {}
    while time.monotonic() < deadline:
        state = driver.execute_script(NOTEBOOK_STATE)
        held = held + 1 if done(state) else 0
        if held >= 2:
            return state
        time.sleep(1.0)
    pytest.fail(f"{what}: not done after {seconds:.0f} s: {state}")


def idle(state: dict) -> bool:
    """The notebook is open, its kernel started, and nothing runs or waits to run."""
    return state.get("state") == "idle"


def ran_all(state: dict) -> bool:
    """Run All is over: idle, and it either reached the last code cell or stopped at a cell's error."""
    return idle(state) and (bool(state["failed"]) or len(state["run"]) == state["code"])


def menu(driver, title: str, command: str) -> None:
    """Click a menu of JupyterLab's menu bar, then its item running `command`, as a student would."""
    from selenium.webdriver.common.by import By

    bar = next(item for item in driver.find_elements(By.CSS_SELECTOR, ".lm-MenuBar-item")
               if item.text.strip() == title)
    bar.click()
    deadline = time.monotonic() + 10
    while not (items := driver.find_elements(By.CSS_SELECTOR, f'.lm-Menu-item[data-command="{command}"]')):
        if time.monotonic() > deadline:
            shown = [i.get_attribute("data-command") for i in driver.find_elements(By.CSS_SELECTOR, ".lm-Menu-item")]
            pytest.fail(f"the {title} menu has no item for {command}: {shown}")
        time.sleep(0.2)
    items[0].click()


def check_cells(cells: list[dict]) -> dict[str, str]:
    """The notebook's check cells: exercise id (or "all") -> cell id."""
    found = {}
    for cell in cells:
        source = cell["source"].strip()
        if cell["type"] == "code" and source.startswith("check(\""):
            found[source.split('"')[1]] = cell["id"]
        elif cell["type"] == "code" and source == "check_all()":
            found["all"] = cell["id"]
    return found


def graded_cell(cells: list[dict], exercise: str) -> str:
    """The id of the cell holding an exercise's graded code (first line `# [graded] <exercise> ...`)."""
    return next(c["id"] for c in cells if c["source"].startswith(f"# [graded] {exercise} "))


def reference_source(exercise: str) -> str:
    """The exercise's graded cell as the reference solution writes it."""
    cells = json.loads(reference_notebook(ROOT, LESSON))["cells"]
    return next("".join(c["source"]) for c in cells if "".join(c["source"]).startswith(f"# [graded] {exercise} "))


def offline_settings(data_root: Path) -> str:
    """Lines a student adds to the parameters cell to work offline from a local MNIST folder, quickly."""
    return (f"\nDATA_ROOT = {str(data_root)!r}  # my own copy of MNIST\nOFFLINE_SPLIT = True\nEPOCHS = 2\n"
            "BATCH_SIZE = 500\n")


def test_check_tables_render_in_jupyterlab_for_a_filled_exercise_and_the_stubs(
        browser, jupyterlab, unpacked_bundle, local_mnist, tmp_path):
    """Fill exercise 1 with the reference cell, Run All, run the check cells Run All did not reach (it stops at
    the first stub), and read each rendered check() table: exercise 1 ✓ with its points, the others not
    implemented yet."""
    manifest = json.loads((unpacked_bundle / "assignments" / LESSON / "manifest.json").read_text())
    browser.get(f"{jupyterlab}/lab/tree/assignments/{LESSON}/{manifest['notebook']}")
    wait_for(browser, "opening the notebook", idle, 180)
    cells = browser.execute_script(CELLS)
    parameters = next(c for c in cells if c["source"].startswith("# Settings"))
    browser.execute_script(SET_SOURCE, parameters["id"], parameters["source"] + offline_settings(local_mnist))
    browser.execute_script(SET_SOURCE, graded_cell(cells, FILLED), reference_source(FILLED))
    checks = check_cells(cells)
    assert set(checks) == {e["id"] for e in manifest["exercises"]} | {"all"}

    menu(browser, "Run", "runmenu:run-all")
    after = wait_for(browser, "Run All", ran_all, RUN_TIMEOUT)
    assert checks[FILLED] in after["run"] and after["failed"], f"Run All should reach {FILLED}'s check, then a stub"
    unreached = [cell for name, cell in checks.items() if not browser.execute_script(OUTPUT, cell)["text"]]
    for cell in unreached:  # Run All stopped at the first stub's NotImplementedError, as it should
        browser.execute_script(SELECT, cell)
        menu(browser, "Run", "notebook:run-cell")
    wait_for(browser, "the check cells", lambda state: idle(state) and set(unreached) <= set(state["run"]),
             RUN_TIMEOUT)

    shown = {name: browser.execute_script(OUTPUT, cell) for name, cell in checks.items()}
    browser.execute_script(SELECT, checks[FILLED])
    keep_screenshot(browser, tmp_path / "jupyterlab-check.png", SCREENSHOT_COPY)
    browser.execute_script(SELECT, checks["all"])
    keep_screenshot(browser, tmp_path / "jupyterlab-check-all.png")

    filled = shown[FILLED]
    headline = re.search(r"all (\d+) checks passed · (\d+)/(\d+) points", filled["text"])
    assert headline and headline[2] == headline[3] and int(headline[2]) > 0, filled["text"]
    assert filled["tables"] >= 1 and filled["marks"] and set(filled["marks"]) == {"✓"}, filled
    for exercise in [e["id"] for e in manifest["exercises"] if e["id"] != FILLED]:
        assert "not implemented yet" in shown[exercise]["text"] and "✗" in shown[exercise]["marks"], shown[exercise]
    assert "not implemented yet" in shown["all"]["text"] and FILLED in shown["all"]["text"], shown["all"]


# ---- the feedback page, opened from disk ---------------------------------------------------------------------

PAGE = """
const rows = [...document.querySelectorAll('table tr')].map(r => r.innerText);
const images = [...document.images].map(i => ({src: i.getAttribute('src'), complete: i.complete,
                                                width: i.naturalWidth, height: i.naturalHeight}));
return {title: document.title, header: (document.querySelector('p') || {}).innerText, rows: rows, images: images,
        text: document.body.innerText};
"""


def amnesia_module(folder: Path) -> Path:
    """The reference 2.3.1 module with the corpus mistake that resumes without the optimizer's state."""
    sys.path.insert(0, str(Path(__file__).parent))
    from test_corpus import submission_with

    folder.mkdir(parents=True, exist_ok=True)
    return submission_with(ROOT / "tests" / "corpus" / LESSON / "mistakes" / "resume_drops_optimizer_state.py",
                           folder)[0]


def graded_in_bundle(bundle: Path, *options: str) -> str:
    """`pytest graders/2_3_1 ...` run inside the bundle on its own package, as a student runs it; its output."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "GRADEKIT", "PYTHONPATH"))}
    env.update(PYTEST_DISABLE_PLUGIN_AUTOLOAD="1", PYTHONPATH=str(bundle / "tools"))
    done = subprocess.run([sys.executable, "-m", "pytest", f"graders/{LESSON}", *options], cwd=bundle, env=env,
                          capture_output=True, text=True, timeout=900)
    return done.stdout + done.stderr


def test_the_feedback_page_with_its_picture_renders_from_disk(browser, unpacked_bundle, tmp_path):
    """A student's lesson with the "pilot amnesia" mistake, graded in the bundle: feedback.html, opened from disk
    (file://), shows the score table and the resume picture, and names the file as the student knows it."""
    bundle = tmp_path / "bundle"
    shutil.copytree(unpacked_bundle, bundle)
    module = amnesia_module(tmp_path / "mistake")
    manifest = json.loads((bundle / "assignments" / LESSON / "manifest.json").read_text())
    shutil.copy(module, bundle / "assignments" / LESSON / manifest["module"])
    output = graded_in_bundle(bundle, "--exercise", "ex3")
    named = re.search(r"Feedback page \(2_3_1\): (\S+feedback\.html)", output)
    assert named, output[-3000:]
    page = (bundle / named[1]).resolve()
    assert page.is_file(), (page, output[-3000:])

    browser.get(page.as_uri())
    shown = browser.execute_script(PAGE)
    keep_screenshot(browser, tmp_path / "feedback-page.png", Path("/tmp/gradekit-browser-feedback.png"))
    assert shown["title"].startswith("Feedback · 2.3.1"), shown["title"]
    assert any(row.startswith("total") and "(" in row and "%" in row for row in shown["rows"]), shown["rows"]
    assert any(row.startswith("2_3_1.ex3") for row in shown["rows"]), shown["rows"]
    assert shown["images"] and all(image["complete"] and image["width"] > 0 for image in shown["images"]), shown
    assert "pilot amnesia" in shown["text"]
    assert shown["header"].startswith(f"Graded: assignments/{LESSON}/{manifest['module']} (module)"), shown["header"]
    assert str(tmp_path) not in shown["text"], "the page names the file as the student knows it"
    assert "After a crash and a resume, the loss curve continues as if nothing had happened." in shown["text"]
