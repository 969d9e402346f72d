"""What the test session shares: an artefact built once for every xdist worker, a course notebook run with its
parameters (papermill's way) at the smoke profile, and which notebooks the real browser runs (and whether it can)."""

import os
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import nbformat
import pytest
from filelock import FileLock
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError
from papermill.iorw import load_notebook_node
from papermill.parameterize import parameterize_notebook

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK_TIMEOUT_S = 900  # per notebook (nbval's subprocess) or per cell (papermill)
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


@dataclass
class NotebookRun:
    """A notebook run: ``error`` (None, or the failed cell's traceback) and ``text`` (every cell's printed
    output and error, in order)."""

    error: str | None
    text: str


def papermill(name: str, output: Path, parameters: dict, env: dict) -> NotebookRun:
    """Run ``notebooks/<name>`` as ``papermill -p ...`` would, in a kernel started with ``env`` in
    ``notebooks/`` (as JupyterLab would), and write the executed notebook to ``output``. Papermill's own
    parameter injection and nbclient's execution (papermill's engine), driven from this process: a papermill
    process per notebook would cost its imports (~3 CPU-s) each time."""
    nb = parameterize_notebook(load_notebook_node(str(ROOT / "notebooks" / name)), parameters)
    client = NotebookClient(nb, timeout=NOTEBOOK_TIMEOUT_S, kernel_name="python3",
                            resources={"metadata": {"path": str(ROOT / "notebooks")}})
    error = None
    try:
        client.execute(env=env)
    except CellExecutionError as exc:
        error = str(exc)
    finally:
        nbformat.write(nb, output)
    return NotebookRun(error, "".join(_output_text(out) for cell in nb.cells for out in cell.get("outputs", [])))


def _output_text(output) -> str:
    if output.output_type == "stream":
        return output.text
    if output.output_type == "error":
        return "\n".join(output.traceback) + "\n"
    return ""


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
