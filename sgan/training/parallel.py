"""Trainings in parallel processes that stop together (``python -m sgan reference`` and ``python -m sgan sweep``).

``run_jobs(fn, jobs, workers)`` runs ``fn(job)`` for every job, ``workers`` at a time, each in a fresh process
(spawned, one torch thread each), and yields the results in order. Ctrl-C or SIGTERM (to the command, or to its
whole process group) stops it cleanly: every running training stops after its current minibatch and writes a
checkpoint (``sgan.train``), no queued job starts, and the command ends with ``JobsStopped``; running it again
resumes where each run stopped. Without this, a worker whose training was stopped would pick up the next job,
and workers whose parent had died would wait on its queue for ever.
"""

from __future__ import annotations

import signal
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from typing import Any

_STOPPING = False  # in a worker: a stop was asked for, so no further job starts


class JobsStopped(RuntimeError):
    """Ctrl-C or SIGTERM stopped the jobs; the runs keep their checkpoints and resume when run again."""


def _request_stop(signum, frame) -> None:
    global _STOPPING
    _STOPPING = True


def _init_worker() -> None:
    # between trainings a signal only marks the stop (sgan.train handles the signals while it trains)
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, _request_stop)


class TrainingStopped(RuntimeError):
    """A training ended before its ``total_kimg`` (Ctrl-C or SIGTERM): its checkpoint resumes it (raised by
    ``sgan.studies.ablation.ensure_trained``; a job that raises it stops the others)."""


def _call(fn: Callable[[Any], Any], job: Any) -> Any:
    """In a worker: ``fn(job)``, unless a stop was asked for; a training stopped by a signal marks the stop."""
    global _STOPPING
    if _STOPPING:
        raise JobsStopped("not started: the command was stopped")
    try:
        return fn(job)
    except TrainingStopped:
        _STOPPING = True
        raise


class _Terminated(KeyboardInterrupt):
    """SIGTERM reached the command: it may have reached the command alone (``kill PID``), so it is forwarded."""


def _raise_terminated(signum, frame) -> None:
    raise _Terminated


def run_jobs(fn: Callable[[Any], Any], jobs: Sequence[Any], workers: int) -> Iterator[Any]:
    """``fn(job)`` for each job, ``workers`` processes at a time; yields the results in the order of ``jobs``.
    ``fn`` must be a module-level function (it is pickled). Raises ``JobsStopped`` after Ctrl-C or SIGTERM, once
    every running job has stopped with its checkpoint."""
    previous = signal.signal(signal.SIGTERM, _raise_terminated)
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=get_context("spawn"), initializer=_init_worker)
    futures = [pool.submit(_call, fn, job) for job in jobs]
    try:
        for future in futures:
            yield future.result()
    except (KeyboardInterrupt, TrainingStopped, JobsStopped) as exc:
        for f in futures:
            f.cancel()
        if isinstance(exc, _Terminated):
            # Ctrl-C reaches the whole process group by itself; a SIGTERM may have reached this process alone.
            # (Sent to the whole group, the workers get it twice: a second signal stops sgan.train at once,
            # and the run resumes from its last tick's checkpoint.)
            for process in list(getattr(pool, "_processes", {}).values()):  # the executor's live workers
                process.terminate()
        pool.shutdown(wait=True, cancel_futures=True)  # running trainings write their checkpoints first
        raise JobsStopped("stopped by Ctrl-C or SIGTERM: every run keeps its last checkpoint; run the same "
                          "command again to resume") from None
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
        signal.signal(signal.SIGTERM, previous)
