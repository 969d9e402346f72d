"""An on-disk cache of real-data feature statistics (μ, Σ), so FID pays for the real images once.

Key: the data set's name, size and a fingerprint of its pixels (a few images hashed), the resolution the
statistics were computed at, the feature network's name (which carries its weights' hash), the image count
and how the images were drawn (seed, mirroring).
Files are ``<root>/fid_stats/<readable key>-<hash>.npz``, written to a temporary file first and then renamed,
so a crash never leaves a half-written cache entry.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np


def dataset_fingerprint(dataset: Any) -> str:
    """A short hash of a data set: name, size, shape and the bytes of its first, middle and last image."""
    images = dataset.images
    n = len(images)
    digest = hashlib.sha256(f"{getattr(dataset, 'name', '?')}|{n}|{tuple(images.shape)}".encode())
    for i in sorted({0, n // 2, n - 1}):
        digest.update(np.ascontiguousarray(images[i]).tobytes())
    return digest.hexdigest()[:12]


def cache_path(root: str | os.PathLike, dataset: Any, resolution: int, network: str, count: int,
               draw: str = "first") -> Path:
    """Where the statistics of ``count`` images of ``dataset`` at ``resolution`` under ``network`` live;
    ``draw`` names how the images were chosen (e.g. ``random0-mirror``)."""
    label = f"{getattr(dataset, 'name', 'data')}-{resolution}px-{network}-{count}-{draw}"
    label = re.sub(r"[^A-Za-z0-9_.-]+", "_", label)[:120]
    key = hashlib.sha256(f"{label}|{dataset_fingerprint(dataset)}".encode()).hexdigest()[:10]
    return Path(root) / "fid_stats" / f"{label}-{key}.npz"


def load_or_compute(path: Path, compute: Callable[[], tuple[np.ndarray, np.ndarray]]
                    ) -> tuple[np.ndarray, np.ndarray, bool]:
    """``(mu, sigma, was_cached)``: read ``path`` if present, else ``compute()`` and store it atomically."""
    if path.is_file():
        with np.load(path) as f:
            return f["mu"], f["sigma"], True
    mu, sigma = compute()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + f".{os.getpid()}.tmp")
    with open(tmp, "wb") as f:
        np.savez(f, mu=mu, sigma=sigma)
    os.replace(tmp, path)
    return mu, sigma, False
