"""The style-mixing widget in a real browser: JupyterLab + Debian's chromium, driven by Playwright.

Starts JupyterLab on 127.0.0.1 (a free port, a token, no browser of its own) in a temporary copy of notebook
06, opens it in chromium, runs every cell (the notebook trains config F at the smoke profile into the same
temporary folder), moves the crossover slider and checks that the displayed image changed. A screenshot is
kept in ``runs/test-artifacts/``.

Never downloads a browser: without ``/usr/bin/chromium`` (or the ``playwright`` package) the test is skipped,
unless ``SGAN_REQUIRE_BROWSER=1`` (CI installs chromium with apt), where that is a failure.
"""

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

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = "06_config_f_style_mixing.ipynb"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
ARTIFACTS = ROOT / "runs" / "test-artifacts"
RUN_ALL_TIMEOUT_MS = 240_000


def _require_browser():
    required = os.environ.get("SGAN_REQUIRE_BROWSER") == "1"
    problems = []
    if not CHROMIUM.is_file():
        problems.append(f"{CHROMIUM} is missing (install it with `apt-get install -y chromium`)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        problems.append("the playwright package is missing (pip install -e '.[dev]')")
        sync_playwright = None
    if problems:
        message = "; ".join(problems)
        if required:
            pytest.fail(f"SGAN_REQUIRE_BROWSER=1 but {message}")
        pytest.skip(message)
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


@pytest.fixture
def sync_playwright():
    return _require_browser()


@pytest.fixture
def jupyterlab(sync_playwright, tmp_path):
    """A JupyterLab server on 127.0.0.1 serving a copy of notebook 06; yields (base url, token)."""
    work = tmp_path / "lab"
    work.mkdir()
    shutil.copy(ROOT / "notebooks" / NOTEBOOK, work / NOTEBOOK)
    port, token = _free_port(), secrets.token_hex(16)
    env = {**os.environ, "SGAN_PROFILE": "smoke", "SGAN_RUNS": str(tmp_path / "runs"),
           "SGAN_DATA": str(tmp_path / "data"), "OMP_NUM_THREADS": "1",
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


def test_crossover_slider_changes_the_displayed_image(sync_playwright, jupyterlab):
    base, token = jupyterlab
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        try:
            page.goto(f"{base}/lab/tree/{NOTEBOOK}?token={token}")
            page.locator(".jp-NotebookPanel").wait_for(timeout=60_000)
            _wait_for_idle_kernel(page)
            page.get_by_role("menuitem", name="Run", exact=True).click()
            page.get_by_role("menuitem", name="Run All Cells", exact=True).click()
            # the last cell prints "ok" once every assertion of the notebook held
            last_output = page.locator(".jp-Cell").last.locator(".jp-OutputArea-output")
            last_output.get_by_text("ok", exact=True).wait_for(timeout=RUN_ALL_TIMEOUT_MS)

            slider = page.locator(".widget-slider", has_text="crossover").first
            slider.scroll_into_view_if_needed()
            box = slider.locator("xpath=ancestor::div[contains(@class, 'widget-vbox')][1]")
            mixed = box.locator("img").last  # the sources strip first, the mixed image last
            before_src, before_png = mixed.get_attribute("src"), mixed.screenshot()
            handle = slider.locator(".noUi-handle")
            handle.focus()
            handle.press("Home")  # crossover 0: every layer from source 1
            page.wait_for_function("([img, src]) => img.getAttribute('src') !== src",
                                   arg=[mixed.element_handle(), before_src], timeout=30_000)
            after_png = mixed.screenshot()
            slider.scroll_into_view_if_needed()
            page.screenshot(path=str(ARTIFACTS / "browser-style-mixing.png"), full_page=False)
            assert slider.locator(".widget-readout").inner_text().strip() == "0"
            assert after_png != before_png, "moving the crossover slider did not change the displayed image"
        except Exception:
            page.screenshot(path=str(ARTIFACTS / "browser-style-mixing-failure.png"))
            raise
        finally:
            browser.close()
