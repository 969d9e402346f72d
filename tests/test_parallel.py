"""sgan.training.parallel: jobs in parallel processes, results in order, and a stop that stops everything."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from sgan.training.parallel import run_jobs

TESTS = Path(__file__).resolve().parent


def test_results_come_back_in_the_order_of_the_jobs(monkeypatch):
    monkeypatch.syspath_prepend(str(TESTS))
    monkeypatch.setenv("PYTHONPATH", str(TESTS) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    from parallel_jobs import quick_job

    assert list(run_jobs(quick_job, [3, 1, 2, 5], 2)) == [9, 1, 4, 25]


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


@pytest.mark.parametrize("to_group", [False, True], ids=["kill PID", "kill the process group"])
def test_a_sigterm_stops_the_running_jobs_starts_no_other_and_leaves_no_process(tmp_path, to_group):
    env = {**os.environ, "PYTHONPATH": str(TESTS) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    parent = subprocess.Popen([sys.executable, str(TESTS / "parallel_jobs.py"), str(tmp_path)], env=env,
                              stdout=subprocess.PIPE, text=True, start_new_session=True)
    deadline = time.monotonic() + 120
    while len(list(tmp_path.glob("started-*"))) < 2 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert len(list(tmp_path.glob("started-*"))) == 2, "the two first jobs never started"
    if to_group:
        os.killpg(parent.pid, signal.SIGTERM)
    else:
        parent.send_signal(signal.SIGTERM)
    out, _ = parent.communicate(timeout=60)
    assert parent.returncode == 130 and "stopped: stopped by Ctrl-C or SIGTERM" in out, out
    started = sorted(p.name for p in tmp_path.glob("started-*"))
    assert [name.split("-")[1] for name in started] == ["0", "1"]  # jobs 2 and 3 never started
    workers = {int(name.split("-")[2]) for name in started}
    time.sleep(0.5)
    assert not any(_alive(pid) for pid in workers), "a worker outlived the command"
