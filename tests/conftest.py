"""Test-wide settings, and what the whole session shares.

``make test`` runs the suite on every core (pytest-xdist: ``-n auto --maxprocesses 4``). Three rules keep it fast:

- one torch thread per test process and per process it starts (tiny tensors on shared cores run 3-10x
  faster that way);
- an artefact several test files need (the smoke course: the ablation runs A-F) is built once per session by
  the first worker that asks for it, under a file lock, in a folder every worker sees (``build_once``); the
  others wait for it and reuse it;
- the tests of a module with a costly module fixture run in one worker (``WHOLE_MODULES``: each worker would
  otherwise build its own), and the slow tests are handed out first, so that no worker ends the session alone
  with a long one.

Without xdist (``pytest tests/test_x.py``) the same fixtures work, in one process.
"""

import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import torch
from sharing import browser_problems, build_once, papermill, smoke_env

from sgan.config import PRESETS
from sgan.studies.ablation import run_ablation
from sgan.studies.course import prepare_data

torch.set_num_threads(1)
# and one per process the tests start (notebook kernels, training jobs): with every core running a worker, a
# second OpenMP thread only spins, which cost the gpu dry run's notebooks 5x their CPU time
os.environ.setdefault("OMP_NUM_THREADS", "1")

# The modules whose module-scoped fixtures train or start a server: each one's tests run in one worker (each
# worker would otherwise build its own). Every other test is handed out on its own.
WHOLE_MODULES = ("test_reference.py", "test_bench.py", "test_watch.py", "test_browser.py")


@pytest.hookimpl(optionalhook=True)  # a hook of pytest-xdist: without it, the suite runs in one process
def pytest_xdist_make_scheduler(config, log):
    """xdist's scheduling by scope, the scope being the module for ``WHOLE_MODULES`` and the test otherwise
    (``--dist loadgroup`` would do it with markers, but it cannot rename tests under pytest 9.2)."""
    from xdist.scheduler import LoadScopeScheduling

    class ModuleOrTest(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            module = nodeid.split("::", 1)[0]
            return module if Path(module).name in WHOLE_MODULES else nodeid

    return ModuleOrTest(config, log)


@pytest.hookimpl(trylast=True)  # after -k and -m have deselected what they deselect
def pytest_collection_modifyitems(config, items):
    # the modules with slow tests first (xdist hands out work in this order, so no worker ends the session alone
    # with a long test), each module's tests kept together (a module fixture is built once per worker only while
    # its tests run one after another), otherwise in collection order
    slow_modules = {item.path for item in items if item.get_closest_marker("slow")}
    items.sort(key=lambda item: item.path not in slow_modules)
    _leave_to_the_browser(items)


def _leave_to_the_browser(items) -> None:
    """A notebook that a selected browser test runs in full (``runs_notebook``: every cell, failing on a cell's
    error, as nbval would) is not run under nbval again, where the browser can run here."""
    in_browser = {mark.args[0] for item in items for mark in item.iter_markers("runs_notebook")}
    if not in_browser or browser_problems():
        return
    skip = pytest.mark.skip(reason="every cell runs in JupyterLab in tests/test_browser.py (runs_notebook)")
    for item in items:
        nbval = item.originalname == "test_the_notebook_runs_under_nbval"
        if nbval and item.callspec.params["path"].name in in_browser:
            item.add_marker(skip)


# The configs whose smoke runs notebook 11 itself trains through papermill: the traditional generator and the
# style-based one with every switch on. The other four are trained by the function 11 calls (run_ablation) in
# the worker's own process: the same runs, without a kernel each.
SMOKE_NOTEBOOK_CONFIGS = ("A", "F")


@pytest.fixture(scope="session")
def smoke_course(tmp_path_factory) -> dict:
    """The course's ablation runs at the smoke profile, A-F, once per session: notebook 11 through papermill for
    ``SMOKE_NOTEBOOK_CONFIGS``, ``run_ablation`` (what notebook 11 calls) for the others, side by side.
    Notebooks 01-07 and 12 (under nbval, papermill or in the browser) find them complete.

    ``env``: the environment that points a notebook at them; ``runs``: the runs' folder
    (``<SGAN_RUNS>/course/smoke``); ``executed``: the executed notebooks 11."""

    def build(folder: Path) -> None:
        env, executed, out = smoke_env(folder), folder / "executed", folder / "runs" / "course" / "smoke"
        executed.mkdir()

        def notebook(config: str):
            params = {"config": config, "profile": "smoke", "out_dir": str(out), "progress": False}
            return papermill("11_ablation.ipynb", executed / f"11_ablation_{config}.ipynb", params, env)

        with pytest.MonkeyPatch.context() as mp:
            mp.setenv("SGAN_DATA", env["SGAN_DATA"])
            prepare_data("smoke", PRESETS)  # the data cache, once, before the notebooks and runs read it
            with ThreadPoolExecutor(max_workers=len(SMOKE_NOTEBOOK_CONFIGS)) as pool:
                procs = {c: pool.submit(notebook, c) for c in SMOKE_NOTEBOOK_CONFIGS}
                for config in PRESETS:
                    if config not in procs:
                        run_ablation(config, "smoke", out_dir=out, progress=False)
                for config, future in procs.items():
                    run = future.result()
                    assert run.error is None, f"11, {config}:\n{run.error[-6000:]}"

    folder = build_once(tmp_path_factory, "smoke-course", build)
    return {"env": smoke_env(folder), "folder": folder, "runs": folder / "runs" / "course" / "smoke",
            "executed": folder / "executed"}
