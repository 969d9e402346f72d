"""Test-wide settings, and what the whole session shares.

``make test`` runs the suite on every core (pytest-xdist: ``-n auto --maxprocesses 4``). Three rules keep it fast:

- one torch thread per test process and per process it starts (tiny tensors on shared cores run 3-10x
  faster that way);
- an artefact several test files need (the smoke course: notebook 11 over A-F) is built once per session by
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
from sharing import build_once, papermill, smoke_env

from sgan.config import PRESETS

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


def pytest_collection_modifyitems(config, items):
    # the modules with slow tests first (xdist hands out work in this order, so no worker ends the session alone
    # with a long test), each module's tests kept together (a module fixture is built once per worker only while
    # its tests run one after another), otherwise in collection order
    slow_modules = {item.path for item in items if item.get_closest_marker("slow")}
    items.sort(key=lambda item: item.path not in slow_modules)


@pytest.fixture(scope="session")
def smoke_course(tmp_path_factory) -> dict:
    """The course's ablation runs at the smoke profile: notebook 11 over A-F through papermill, two at a time,
    once per session. Notebooks 01-07 and 12 (under nbval, papermill or in the browser) find them complete.

    ``env``: the environment that points a notebook at them; ``runs``: the runs' folder
    (``<SGAN_RUNS>/course/smoke``); ``executed``: the executed notebooks 11."""

    def build(folder: Path) -> None:
        env, executed = smoke_env(folder), folder / "executed"
        executed.mkdir()

        def run(config: str):
            params = {"config": config, "profile": "smoke", "out_dir": str(folder / "runs" / "course" / "smoke"),
                      "progress": False}
            return config, papermill("11_ablation.ipynb", executed / f"11_ablation_{config}.ipynb", params, env)

        with ThreadPoolExecutor(max_workers=2) as pool:
            for config, proc in pool.map(run, PRESETS):
                assert proc.returncode == 0, f"11, {config}:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"

    folder = build_once(tmp_path_factory, "smoke-course", build)
    return {"env": smoke_env(folder), "folder": folder, "runs": folder / "runs" / "course" / "smoke",
            "executed": folder / "executed"}
