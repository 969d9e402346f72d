"""The widgets of notebooks 05, 06, 07 and 14 in a real browser: JupyterLab + Debian's chromium, via Playwright;
and the live view of a training run (``sgan.training.live``), watched and stopped from the browser.

Starts JupyterLab once on 127.0.0.1 (a free port, a token, no browser of its own, no news popup) in a
temporary folder holding copies of the four notebooks, opens each in chromium at a 1024-pixel-wide window,
runs every cell (the notebooks reuse the smoke course's runs of configs B, D, E, F: ``smoke_course``),
works a control and checks that the displayed image changed, and that the widget lies inside the window
(nothing clipped, no horizontal scrolling). Screenshots are kept in ``runs/test-artifacts/``. Running every cell
is nbval's check too (a failed cell fails the test at once, with its traceback), so nbval leaves these four
notebooks to this module where the browser can run (``runs_notebook``, tests/conftest.py).

Never downloads a browser: without ``/usr/bin/chromium`` (or the ``playwright`` package) the test is skipped,
unless ``SGAN_REQUIRE_BROWSER=1`` (CI installs chromium with apt), where that is a failure.
"""

import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from sharing import BROWSER_NOTEBOOKS, CHROMIUM, browser_problems, repo_files

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = BROWSER_NOTEBOOKS
WINDOW = {"width": 1024, "height": 900}  # the narrow window of the issue: widgets must fit, not clip
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
ARTIFACTS = ROOT / "runs" / "test-artifacts"
RUN_ALL_TIMEOUT_MS = 240_000


def _require_browser():
    problems = browser_problems()
    if problems:
        message = "; ".join(problems)
        if os.environ.get("SGAN_REQUIRE_BROWSER") == "1":
            pytest.fail(f"SGAN_REQUIRE_BROWSER=1 but {message}")
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    return sync_playwright


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_for_server(url: str, server: subprocess.Popen, timeout: float = 90.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"JupyterLab exited with code {server.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise TimeoutError(f"JupyterLab did not answer {url} within {timeout} s")


@pytest.fixture(scope="module")
def sync_playwright():
    return _require_browser()


@pytest.fixture(scope="module")
def repo_before() -> set[str]:
    """The repository's notebooks/ and data/ before JupyterLab starts (``test_..._wrote_nothing...``)."""
    return repo_files()


@pytest.fixture(scope="module")
def jupyterlab(sync_playwright, smoke_course, repo_before, tmp_path_factory):
    """A JupyterLab server on 127.0.0.1 serving copies of notebooks 05-07 and 14; yields (base url, token). Its
    kernels see the smoke course's runs and data (``smoke_course``), so the notebooks train nothing again."""
    tmp_path = tmp_path_factory.mktemp("browser")
    work = tmp_path / "lab"
    work.mkdir()
    for name in NOTEBOOKS:
        shutil.copy(ROOT / "notebooks" / name, work / name)
    _write_live_notebook(work / LIVE_NOTEBOOK)
    # no "Would you like to get notified about official Jupyter news?" toast over the widgets
    labconfig = tmp_path / "cfg" / "labconfig"
    labconfig.mkdir(parents=True)
    (labconfig / "page_config.json").write_text(json.dumps(
        {"disabledExtensions": {"@jupyterlab/apputils-extension:announcements": True}}))
    port, token = _free_port(), secrets.token_hex(16)
    env = {**smoke_course["env"],
           "JUPYTER_CONFIG_DIR": str(tmp_path / "cfg"), "JUPYTER_RUNTIME_DIR": str(tmp_path / "runtime")}
    cmd = [sys.executable, "-m", "jupyter", "lab", "--no-browser", "--ServerApp.ip=127.0.0.1",
           f"--ServerApp.port={port}", "--ServerApp.port_retries=0", f"--IdentityProvider.token={token}",
           f"--ServerApp.root_dir={work}", "--LabApp.news_url=None", "--LabApp.extension_manager=readonly",
           "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        cmd.append("--allow-root")  # CI containers run as root
    log = (tmp_path / "jupyterlab.log").open("w")
    server = subprocess.Popen(cmd, cwd=work, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        try:
            _wait_for_server(f"{base}/api/status?token={token}", server)
        except (RuntimeError, TimeoutError) as exc:
            log.flush()
            raise RuntimeError(f"{exc}:\n{(tmp_path / 'jupyterlab.log').read_text()[-3000:]}") from None
        yield base, token
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()


def _wait_for_idle_kernel(page, timeout: float = 90.0) -> None:
    """Accept the "Select Kernel" dialog if it shows, until the status bar says the kernel is idle."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        dialog = page.locator(".jp-Dialog")
        if dialog.count() and dialog.first.is_visible():
            dialog.first.locator("button.jp-mod-accept").click()
        elif page.locator(".jp-StatusBar-Widget", has_text="| Idle").count():
            return
        time.sleep(0.5)
    raise TimeoutError(f"the notebook's kernel was not idle within {timeout} s")


# Polled while the cells run: "ok" once the last cell's output ends with the line "ok" (its checks held), the
# error's text as soon as a cell shows one (Run All stops at a failed cell: its "ok" would never come). An error
# is shown as stderr text with a traceback, or, for a syntax error, a line that starts with the exception's name.
_RUN_ALL_STATE = """() => {
    const error = /Traceback \\(most recent call last\\)|^\\w*(Error|Exception)\\b/m;
    const stderr = '.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]';
    for (const out of document.querySelectorAll(stderr)) {
        if (error.test(out.innerText)) return 'error: ' + out.innerText.slice(-4000);
    }
    const cells = document.querySelectorAll('.jp-Cell');
    const last = cells[cells.length - 1].querySelector('.jp-OutputArea');
    return last !== null && /(^|\\n)ok$/.test(last.innerText.trim()) ? 'ok' : false; }"""


def _run_all(page, base: str, token: str, notebook: str) -> None:
    """Open ``notebook`` and run every cell; returns once its last cell printed "ok" (every cell ran and its
    checks held), and fails at once, with the traceback, when a cell fails."""
    # a workspace of its own, reset: JupyterLab would otherwise reopen the notebooks of the tests before
    page.goto(f"{base}/lab/workspaces/{Path(notebook).stem}/tree/{notebook}?token={token}&reset")
    page.locator(".jp-NotebookPanel").wait_for(timeout=60_000)
    _wait_for_idle_kernel(page)
    page.get_by_role("menuitem", name="Run", exact=True).click()
    page.get_by_role("menuitem", name="Run All Cells", exact=True).click()
    state = page.wait_for_function(_RUN_ALL_STATE, timeout=RUN_ALL_TIMEOUT_MS).json_value()
    if state != "ok":
        pytest.fail(f"{notebook}: a cell failed in JupyterLab:\n{state}")


def _widget_of(control):
    """The outermost widget box around ``control``: the whole demo as displayed."""
    return control.locator("xpath=ancestor::div[contains(@class, 'widget-vbox')][last()]")


def _assert_inside_window(page, widget, what: str) -> None:
    """Every part of ``widget`` lies inside the window's width, and it does not scroll sideways."""
    width = page.viewport_size["width"]
    widget.scroll_into_view_if_needed()
    for element in [widget, *widget.locator("img, .widget-slider, .widget-gridbox").all()]:
        box = element.bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width + 0.5, (
            f"{what}: a part of the widget is clipped at a {width}-pixel window: {box}")
    overflow = widget.evaluate("el => el.scrollWidth - el.clientWidth")
    assert overflow <= 1, f"{what}: the widget scrolls sideways by {overflow} px at a {width}-pixel window"


def _change_and_compare(page, image, act) -> None:
    """Do ``act`` and wait until ``image`` shows a different picture."""
    before_src, before_png = image.get_attribute("src"), image.screenshot()
    act()
    page.wait_for_function("([img, src]) => img.getAttribute('src') !== src",
                           arg=[image.element_handle(), before_src], timeout=30_000)
    assert image.screenshot() != before_png, "the control did not change the displayed image"


@pytest.fixture(scope="module")
def chromium(sync_playwright):
    """One headless chromium for the module's tests; each test opens its page in a context of its own."""
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


def _in_browser(chromium, name: str, body) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    context = chromium.new_context(viewport=WINDOW)
    page = context.new_page()
    try:
        body(page)
        page.screenshot(path=str(ARTIFACTS / f"browser-{name}-1024.png"), full_page=False)
    except BaseException:
        page.screenshot(path=str(ARTIFACTS / f"browser-{name}-failure.png"))
        raise
    finally:
        context.close()


@pytest.mark.runs_notebook(NOTEBOOKS[0])
def test_noise_widget_resamples_and_frames_its_difference(chromium, jupyterlab):
    def body(page):
        _run_all(page, *jupyterlab, NOTEBOOKS[0])
        button = page.get_by_role("button", name="resample noise").first
        widget = _widget_of(button)
        diff = widget.locator("img").last  # the image first, the framed difference last
        _change_and_compare(page, diff, button.click)
        assert diff.evaluate("el => getComputedStyle(el).borderTopWidth") == "1px"
        assert widget.get_by_text("|Δ| to the base noise's image", exact=False).count() == 1
        _assert_inside_window(page, widget, "05 noise")

    _in_browser(chromium, "noise", body)


def _press_slider(page, jupyterlab, notebook: str, label: str, key: str):
    """Run ``notebook``, press ``key`` on the slider labelled ``label`` and check that the demo's last image
    changed; returns the slider and its whole widget."""
    _run_all(page, *jupyterlab, notebook)
    slider = page.locator(".widget-slider", has_text=label).first
    slider.scroll_into_view_if_needed()
    widget = _widget_of(slider)
    image = widget.locator("img").last  # the demo's result comes last
    handle = slider.locator(".noUi-handle")
    handle.focus()
    _change_and_compare(page, image, lambda: handle.press(key))
    return slider, widget


@pytest.mark.runs_notebook(NOTEBOOKS[1])
def test_crossover_slider_changes_the_displayed_image(chromium, jupyterlab):
    def body(page):
        # crossover 0: every style from source 1
        slider, widget = _press_slider(page, jupyterlab, NOTEBOOKS[1], "crossover", "Home")
        assert slider.locator(".widget-readout").inner_text().strip() == "0"
        _assert_inside_window(page, widget, "06 style mixing (with its layer grid)")

    _in_browser(chromium, "style-mixing", body)


@pytest.mark.runs_notebook(NOTEBOOKS[2])
def test_truncation_slider_changes_the_strip_and_it_fits(chromium, jupyterlab):
    def body(page):
        slider, widget = _press_slider(page, jupyterlab, NOTEBOOKS[2], "ψ", "Home")  # ψ = −1: the "anti-faces"
        assert slider.locator(".widget-readout").inner_text().strip() in ("-1.00", "\u22121.00")  # a minus sign
        assert widget.get_by_text("seeds, left to right: 1, 2, 3, 4", exact=False).count() == 1
        _assert_inside_window(page, widget, "07 truncation strip")

    _in_browser(chromium, "truncation", body)


@pytest.mark.runs_notebook(NOTEBOOKS[3])
def test_edit_widget_slider_edits_the_face_and_it_fits(chromium, jupyterlab):
    def body(page):
        # +3 stds of yaw: the widget has a slider for each factor G varies, and the smoke F varies yaw (not smiling)
        slider, widget = _press_slider(page, jupyterlab, NOTEBOOKS[3], "yaw", "End")
        assert slider.locator(".widget-readout").inner_text().strip() == "3.00"
        assert widget.get_by_text("left: the face as given", exact=False).count() == 1
        _assert_inside_window(page, widget, "14 edit widget")

    _in_browser(chromium, "edit", body)


# ---------------------------------------------------------------------------------------------------------
# The live view of a training run
# ---------------------------------------------------------------------------------------------------------
LIVE_NOTEBOOK = "live_view.ipynb"
LIVE_CELLS = (
    "import os\n\nimport sgan\n\n"
    "cfg = sgan.make_config('F', 'smoke', total_kimg=40.0)  # minutes: the test stops it after a few ticks\n"
    "data = sgan.load_dataset('synthetic', resolution=16, n=512, root=os.environ['SGAN_DATA'], progress=False)",
    "run = sgan.train(cfg, data, 'runs/live', data_root=os.environ['SGAN_DATA'])",
    "assert run.interrupted and run.kimg < 40, run\n"
    "resumed = sgan.train(cfg, data, 'runs/live', resume=True, max_kimg=run.kimg + 0.128, "
    "data_root=os.environ['SGAN_DATA'])\n"
    "assert resumed.step > run.step and not resumed.interrupted\n"
    "print('ok')",
)


def _write_live_notebook(path: Path) -> None:
    """A notebook that calls ``sgan.train`` from a cell (the live view shows itself), then resumes the run."""
    import nbformat

    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in LIVE_CELLS])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}
    nbformat.write(nb, path)


def _live_tick(page) -> int:
    text = page.locator(".sgan-live-status").first.inner_text().strip()
    return int(text.split()[1]) if text.startswith("tick ") else -1


def _wait_for_tick(page, tick: int, timeout_ms: int = 120_000) -> None:
    page.wait_for_function(
        """(tick) => { const s = document.querySelector('.sgan-live-status');
                       const m = s && /^tick (\\d+) /.exec(s.innerText.trim());
                       return m !== null && Number(m[1]) >= tick; }""", arg=tick, timeout=timeout_ms)


def test_live_view_updates_every_tick_and_its_stop_button_ends_the_run(chromium, jupyterlab):
    def body(page):
        base, token = jupyterlab
        page.goto(f"{base}/lab/workspaces/live/tree/{LIVE_NOTEBOOK}?token={token}&reset")
        page.locator(".jp-NotebookPanel").wait_for(timeout=60_000)
        _wait_for_idle_kernel(page)
        page.get_by_role("menuitem", name="Run", exact=True).click()
        page.get_by_role("menuitem", name="Run All Cells", exact=True).click()
        _wait_for_tick(page, 1)
        view = page.locator(".sgan-live").first
        images = view.locator("img")
        assert images.count() == 3  # the loss chart, the FID chart, the grid
        before = [images.nth(i).get_attribute("src") for i in range(3)]
        first_tick = _live_tick(page)
        _wait_for_tick(page, first_tick + 2)  # two more ticks arrived while the cell still runs
        after = [images.nth(i).get_attribute("src") for i in range(3)]
        assert all(a != b for a, b in zip(after, before, strict=True)), "a part of the live view did not update"
        status = page.locator(".sgan-live-status").first.inner_text()
        assert " kimg" in status and "img/s" in status and "ETA" in status and "fid256" in status
        _assert_inside_window(page, view, "the live view")
        page.screenshot(path=str(ARTIFACTS / "browser-live-view-training-1024.png"), full_page=False)
        stopped_at = _live_tick(page)
        view.locator("button.sgan-live-stop").click()
        end = view.locator(".sgan-live-end", has_text="stopped at step")
        end.wait_for(timeout=120_000)
        assert _live_tick(page) <= stopped_at + 2, "the run went on after the stop button"
        state = page.wait_for_function(_RUN_ALL_STATE, timeout=RUN_ALL_TIMEOUT_MS).json_value()
        assert state == "ok", state  # the run resumed from the stop's checkpoint
        views = page.locator(".sgan-live")
        assert views.count() == 2 and views.nth(1).locator(".sgan-live-end", has_text="finished").count() == 1
        end.scroll_into_view_if_needed()

    _in_browser(chromium, "live-view", body)


def test_the_notebooks_wrote_nothing_into_the_repository(jupyterlab, repo_before):
    """As under nbval (tests/test_notebooks.py, which leaves these notebooks to the browser): every notebook run
    above left the repository's notebooks/ and data/ as they were."""
    assert repo_files() == repo_before, "a notebook run in JupyterLab wrote into the repository"
