"""One writer per run directory: a lock held for the whole of a training run.

Two trainings into one folder would interleave their log rows, grids and checkpoints and silently lose one of
the runs. ``RunLock(run_dir)`` takes an exclusive ``flock`` on ``<run_dir>/.lock`` (non-blocking) and writes the
holder's pid, host and start time into it. A second writer gets ``RunLockedError`` naming that holder. The
kernel releases a ``flock`` when its process dies, however it dies, so the lock file a killed run leaves behind
is stale by construction: the next run takes it over (and says so).

On systems without ``fcntl`` (Windows) the lock file is created exclusively and holds the pid; a lock whose pid
no longer runs is taken over.
"""

from __future__ import annotations

import json
import os
import socket
import time
import warnings
from pathlib import Path
from typing import Any

try:
    import fcntl
except ImportError:  # Windows
    fcntl = None

LOCK_NAME = ".lock"


class RunLockedError(RuntimeError):
    """Another process is training into the same run directory."""


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # it exists, owned by someone else
        return True
    return True


def _read_holder(path: Path) -> dict[str, Any]:
    try:
        holder = json.loads(path.read_text())
    except (OSError, ValueError):
        return {}
    return holder if isinstance(holder, dict) else {}


def _describe(holder: dict[str, Any]) -> str:
    if not holder:
        return "a process that has not written its pid yet"
    since = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(holder.get("since", 0)))
    return f"pid {holder.get('pid')} on {holder.get('host')}, since {since}"


class RunLock:
    """``with RunLock(run_dir):`` holds the run directory for this process (the folder must exist)."""

    def __init__(self, run_dir: str | Path) -> None:
        self.path = Path(run_dir) / LOCK_NAME
        self._fd: int | None = None

    def acquire(self) -> RunLock:
        if fcntl:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(fd)
                raise RunLockedError(self._busy_message(_read_holder(self.path))) from None
            previous = _read_holder(self.path)  # what the last holder left, now that no one else can write it
        else:
            previous = _read_holder(self.path)
            fd = self._create_exclusive(previous)
        self._fd = fd
        if previous.get("pid") not in (None, os.getpid()):
            warnings.warn(f"{self.path.parent}: took over the stale lock of a run that ended without releasing "
                          f"it ({_describe(previous)}).", stacklevel=3)
        holder = {"pid": os.getpid(), "host": socket.gethostname(), "since": time.time()}
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps(holder).encode(), 0)
        return self

    def _create_exclusive(self, previous: dict[str, Any]) -> int:
        if self.path.exists():
            pid = previous.get("pid")
            if isinstance(pid, int) and _pid_alive(pid):
                raise RunLockedError(self._busy_message(previous))
            self.path.unlink(missing_ok=True)
        try:
            return os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o644)
        except FileExistsError:
            raise RunLockedError(self._busy_message(_read_holder(self.path))) from None

    def _busy_message(self, holder: dict[str, Any]) -> str:
        return (f"{self.path.parent} is in use by another training ({_describe(holder)}). Wait for it to "
                "finish or stop it, or train into another directory.")

    def release(self) -> None:
        if self._fd is None:
            return
        os.ftruncate(self._fd, 0)  # an empty lock file: released cleanly, not stale
        if fcntl:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
        os.close(self._fd)
        self._fd = None
        if not fcntl:
            self.path.unlink(missing_ok=True)

    def __enter__(self) -> RunLock:
        return self.acquire()

    def __exit__(self, *exc: object) -> None:
        self.release()
