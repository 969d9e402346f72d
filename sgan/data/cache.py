"""The on-disk cache of a data set: a memory-mapped uint8 image array and a table, written atomically.

A cache entry is two files under the cache root, named by a stem that carries a hash of every parameter the
pixels depend on (for the synthetic faces that includes ``RENDERER_VERSION``), so changing a parameter
simply misses the cache and builds a new entry:

* ``<stem>.npy``: uint8 [N, 3, H, W], opened with ``np.load(mmap_mode="r")`` (memory-mapped: 70,000 images
  at 64² are 860 MB on disk and cost no RAM until read);
* ``<stem>.npz``: the table: per-image columns (factors, float32 [N] each) and metadata (keys starting with
  ``__``: file names, the parameters as JSON).

Atomicity: both are first written to hidden temporary files (named with the writing process's id and a
random tag), then moved into place with ``os.replace``, the table first and the images last (the images are
the commit mark). A failure or Ctrl-C removes the temporary files. A writer killed hard leaves them; the next
build of any entry in the root removes them, because their writer no longer holds its build lock (a lock
file ``flock``-ed for the whole build, which the kernel releases when the process dies, so a process id
reused by a fresh machine does not keep them alive). A half-written entry is never read. The image file is
preallocated before it is filled, so a full disk is a clear error at once rather than a SIGBUS in the middle
of the memory-mapped writes.
"""

from __future__ import annotations

import hashlib
import json
import os
import uuid
from collections.abc import Callable
from pathlib import Path

import numpy as np

from sgan.atomic import disk_full_error

try:
    import fcntl
except ImportError:  # Windows
    fcntl = None

LOCK_KIND = "build"  # the lock file of a build in progress: .<stem>.build.<pid>.<random>.tmp

CACHE_FORMAT = 1
PARAMS_KEY = "__params__"
FILES_KEY = "__files__"  # table keys starting with "__" are not per-image columns (no length check)


def cache_key(params: dict) -> str:
    """A short stable hash of the parameters (JSON with sorted keys)."""
    text = json.dumps({"cache_format": CACHE_FORMAT, **params}, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def entry_paths(root: str | os.PathLike, stem: str) -> tuple[Path, Path]:
    root = Path(root)
    return root / f"{stem}.npy", root / f"{stem}.npz"


def _params_json(params: dict) -> str:
    return json.dumps({"cache_format": CACHE_FORMAT, **params}, sort_keys=True, default=str)


def load(root: str | os.PathLike, stem: str, params: dict) -> tuple[np.ndarray, dict[str, np.ndarray]] | None:
    """(memory-mapped images, table) of a complete entry made with these parameters, else None."""
    images_path, table_path = entry_paths(root, stem)
    if not (images_path.is_file() and table_path.is_file()):
        return None
    try:
        with np.load(table_path, allow_pickle=False) as npz:
            table = {k: npz[k] for k in npz.files}
        images = np.load(images_path, mmap_mode="r", allow_pickle=False)
    except (OSError, ValueError, EOFError):
        return None  # unreadable: rebuild it
    if str(table.pop(PARAMS_KEY, "")) != _params_json(params) or images.dtype != np.uint8 or images.ndim != 4:
        return None
    if any(len(v) != len(images) for k, v in table.items() if not k.startswith("__")):
        return None
    return images, table


def _tag(tmp: Path) -> str:
    """The writer's tag of a temporary file ``.<stem>.<kind>.<pid>.<random>.tmp``: ``"<pid>.<random>"``."""
    parts = tmp.name.split(".")
    return ".".join(parts[-3:-1]) if len(parts) >= 5 else ""


def _hold_build_lock(root: Path, stem: str, tag: str) -> tuple[Path, int] | None:
    """Create and lock (``flock``, exclusive) the build's lock file, held until ``_release``: while the writer
    lives its temporary files are never swept; once it dies, however it died, the kernel drops the lock."""
    if fcntl is None:  # Windows: the sweep falls back to the process id
        return None
    path = root / f".{stem}.{LOCK_KIND}.{tag}.tmp"
    fd = os.open(path, os.O_CREAT | os.O_RDWR, 0o644)
    fcntl.flock(fd, fcntl.LOCK_EX)
    return path, fd


def _release(lock: tuple[Path, int] | None) -> None:
    if lock is not None:
        lock[0].unlink(missing_ok=True)
        os.close(lock[1])


def _writer_alive(tag: str, lock: Path | None) -> bool:
    """Whether the writer of ``tag`` still runs: its lock file is locked; without a lock file (a writer
    without ``flock``, or an older sgan), its process id exists. The lock answers right even when a fresh
    machine or container has given the dead writer's process id to another process."""
    if lock is not None and fcntl is not None:
        try:
            fd = os.open(lock, os.O_RDWR)
        except FileNotFoundError:
            return False
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return False  # nobody holds it: the writer is gone
        except BlockingIOError:
            return True
        finally:
            os.close(fd)
    try:
        os.kill(int(tag.split(".")[0]), 0)
    except ProcessLookupError:
        return False
    except (ValueError, PermissionError, OSError):
        return True  # not ours to judge: keep it
    return True


def _remove_orphans(root: Path) -> None:
    """Delete the temporary files (lock files included) of any entry whose writer no longer runs."""
    by_tag: dict[str, list[Path]] = {}
    for tmp in root.glob(".*.*.tmp"):
        if tag := _tag(tmp):
            by_tag.setdefault(tag, []).append(tmp)
    for tag, files in by_tag.items():
        lock = next((f for f in files if f.name.split(".")[-4] == LOCK_KIND), None)
        if not _writer_alive(tag, lock):
            for f in sorted(files, key=lambda f: f == lock):  # the lock last
                f.unlink(missing_ok=True)


def _open_images(path: Path, shape: tuple[int, ...], root: Path) -> np.ndarray:
    """The memory-mapped image file, its disk blocks reserved now (``posix_fallocate``) so that a full disk
    is this clear error, not a SIGBUS in the middle of the writes."""
    size = int(np.prod(shape))
    try:
        images = np.lib.format.open_memmap(path, mode="w+", dtype=np.uint8, shape=shape)
        if hasattr(os, "posix_fallocate"):  # not on macOS or Windows
            with open(path, "r+b") as fh:
                os.posix_fallocate(fh.fileno(), 0, path.stat().st_size)
    except OSError as exc:
        full = disk_full_error(exc, f"No room for the data cache in {root}: it needs {size / 2**20:.0f} MiB",
                               "Free some space, or cache the data elsewhere (--data-root / SGAN_DATA).")
        if full is None:
            raise
        raise full from None
    return images


def build(root: str | os.PathLike, stem: str, params: dict, shape: tuple[int, ...],
          fill: Callable[[np.ndarray], tuple[int, dict[str, np.ndarray]]]) -> tuple[np.ndarray, dict]:
    """Create an entry: fill(images uint8 memmap [shape]) writes the images and returns (count, table).

    count < shape[0] keeps only the first count images (e.g. corrupt files were skipped). Returns what
    ``load`` returns. Nothing is left behind if fill raises (or the user presses Ctrl-C).
    """
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    _remove_orphans(root)
    images_path, table_path = entry_paths(root, stem)
    tag = f"{os.getpid()}.{uuid.uuid4().hex[:8]}"
    lock = _hold_build_lock(root, stem, tag)
    tmp_images = root / f".{stem}.images.{tag}.tmp"
    tmp_short = root / f".{stem}.short.{tag}.tmp"
    tmp_table = root / f".{stem}.table.{tag}.tmp"
    try:
        images = _open_images(tmp_images, shape, root)
        count, table = fill(images)
        images.flush()
        if count < shape[0]:
            short = np.lib.format.open_memmap(tmp_short, mode="w+", dtype=np.uint8, shape=(count, *shape[1:]))
            for i in range(0, count, 4096):
                j = min(count, i + 4096)
                short[i:j] = images[i:j]
            short.flush()
            del short
            os.replace(tmp_short, tmp_images)
        del images
        arrays = {k: np.asarray(v) for k, v in table.items()}
        arrays[PARAMS_KEY] = np.array(_params_json(params))
        with open(tmp_table, "wb") as fh:
            np.savez(fh, **arrays)
        os.replace(tmp_table, table_path)
        os.replace(tmp_images, images_path)
    except BaseException:
        for tmp in (tmp_images, tmp_short, tmp_table):
            tmp.unlink(missing_ok=True)
        raise
    finally:
        _release(lock)
    entry = load(root, stem, params)
    if entry is None:
        raise OSError(f"the cache entry {images_path} was written but cannot be read back; is {root} "
                      f"writable and not full?")
    return entry
