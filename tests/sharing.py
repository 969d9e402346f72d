"""What the test session shares: an artefact built once for every xdist worker, a course notebook run in a
subprocess (papermill) at the smoke profile, and which notebooks the real browser runs (and whether it can)."""

import json
import os
import subprocess
import sys
import traceback
from collections.abc import Callable
from pathlib import Path

import pytest
from filelock import FileLock

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK_TIMEOUT_S = 900  # per notebook subprocess
# The notebooks whose widgets tests/test_browser.py works in JupyterLab, after running every cell of each there
BROWSER_NOTEBOOKS = ("05_config_e_noise.ipynb", "06_config_f_style_mixing.ipynb", "07_truncation.ipynb",
                     "14_projection_and_editing.ipynb")
CHROMIUM = Path("/usr/bin/chromium")  # Debian's chromium: the tests never download a browser


def browser_problems() -> list[str]:
    """Why the real-browser tests cannot run here (none: they can)."""
    problems = []
    if not CHROMIUM.is_file():
        problems.append(f"{CHROMIUM} is missing (install it with `apt-get install -y chromium`)")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        problems.append("the playwright package is missing (pip install -e '.[dev]')")
    return problems


def session_dir(tmp_path_factory) -> Path:
    """A folder every xdist worker of this session sees (each worker's own temporary folder lies inside it)."""
    base = tmp_path_factory.getbasetemp()
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


def build_once(tmp_path_factory, name: str, build: Callable[[Path], None]) -> Path:
    """``build(folder)`` once per test session, whatever the number of workers: the first one to ask builds
    ``<session>/<name>`` under a file lock, the others wait and get the built folder. A failed build is not
    retried: every test that needs it fails with the first failure's traceback."""
    root = session_dir(tmp_path_factory)
    folder, failed, built = root / name, root / f"{name}.failed", root / f"{name}.built"
    with FileLock(root / f"{name}.lock"):
        if failed.exists():
            pytest.fail(f"{name} could not be built (in another worker):\n{failed.read_text()}")
        if not built.exists():
            folder.mkdir()
            try:
                build(folder)
            except BaseException:
                failed.write_text(traceback.format_exc()[-6000:])
                raise
            built.touch()
    return folder


def papermill(name: str, output: Path, parameters: dict, env: dict) -> subprocess.CompletedProcess:
    """Run ``notebooks/<name>`` with papermill in a subprocess (in ``notebooks/``, as JupyterLab would)."""
    cmd = [sys.executable, "-m", "papermill", str(ROOT / "notebooks" / name), str(output),
           "-y", json.dumps(parameters), "-k", "python3", "--cwd", str(ROOT / "notebooks"),
           "--no-progress-bar", "--log-output"]
    return subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=NOTEBOOK_TIMEOUT_S)


def smoke_env(folder: Path) -> dict[str, str]:
    """The environment of a notebook run at the smoke profile, its runs and data under ``folder``."""
    env = {**os.environ, "SGAN_PROFILE": "smoke", "SGAN_RUNS": str(folder / "runs"),
           "SGAN_DATA": str(folder / "data"), "OMP_NUM_THREADS": "1", "PYTHONUNBUFFERED": "1"}
    env.pop("SGAN_REQUIRE_BROWSER", None)
    return env


def repo_files() -> set[str]:
    """Files under notebooks/ and data/ of the repository (where a notebook run from notebooks/ could leave
    caches): a notebook run must leave them as they were."""
    return {str(p.relative_to(ROOT)) for d in ("notebooks", "data") for p in (ROOT / d).rglob("*")
            if ".ipynb_checkpoints" not in p.parts}
