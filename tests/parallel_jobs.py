"""Jobs for tests/test_parallel.py, importable by spawned workers (``PYTHONPATH=tests``): each behaves like a
training under ``sgan.training.parallel`` (stops at SIGTERM with ``TrainingStopped``) and leaves a marker file."""

import os
import signal
import sys
import time
from pathlib import Path

from sgan.studies.ablation import TrainingStopped


def slow_job(job):
    folder, index = job
    stop = []
    previous = signal.signal(signal.SIGTERM, lambda *a: stop.append(1))
    (Path(folder) / f"started-{index}-{os.getpid()}").touch()
    try:
        for _ in range(600):  # up to a minute, like a training that checks for a stop after each minibatch
            if stop:
                raise TrainingStopped(f"job {index} stopped")
            time.sleep(0.1)
    finally:
        signal.signal(signal.SIGTERM, previous)
    return index


def quick_job(job):
    return job * job


if __name__ == "__main__":  # the parent: run four slow jobs two at a time
    from sgan.training.parallel import JobsStopped, run_jobs

    try:
        print(list(run_jobs(slow_job, [(sys.argv[1], i) for i in range(4)], 2)), flush=True)
    except JobsStopped as exc:
        print(f"stopped: {exc}", flush=True)
        sys.exit(130)
