"""The on-disk cache of a data set: a memory-mapped uint8 image array and a table, written atomically.

A cache entry is two files under the cache root, named by a stem that carries a hash of every parameter the
pixels depend on (for the synthetic faces that includes ``RENDERER_VERSION``), so changing a parameter
simply misses the cache and builds a new entry:

* ``<stem>.npy``: uint8 [N, 3, H, W], opened with ``np.load(mmap_mode="r")`` (memory-mapped: 70,000 images
  at 64² are 860 MB on disk and cost no RAM until read);
* ``<stem>.npz``: the table: per-image columns (factors, float32 [N] each) and metadata (keys starting with
  ``__``: file names, the parameters as JSON).

Atomicity: both are first written to hidden temporary files (named with the writing process's id), then
moved into place with ``os.replace``, the table first and the images last (the images are the commit mark).
A failure or Ctrl-C removes the temporary files; temporary files of processes that no longer exist (killed
hard), of any entry, are removed by the next build. A half-written entry is never read. The image file is
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


def _remove_orphans(root: Path) -> None:
    """Delete the temporary files of any entry left by processes that no longer run."""
    for tmp in root.glob(".*.*.tmp"):
        try:
            pid = int(tmp.name.split(".")[-3])
            os.kill(pid, 0)
        except ProcessLookupError:
            tmp.unlink(missing_ok=True)
        except (ValueError, IndexError, PermissionError, OSError):
            continue


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
    entry = load(root, stem, params)
    if entry is None:
        raise OSError(f"the cache entry {images_path} was written but cannot be read back; is {root} "
                      f"writable and not full?")
    return entry
