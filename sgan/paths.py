"""Where things live: the repository, the runs, the data caches and the committed results.

Two environment variables move the working folders (``SGAN_RUNS``, ``SGAN_DATA``); the committed results are
always ``<repository>/results/<profile>``. A leaf module (the standard library only), so that every layer,
training and display included, can ask without importing the experiments.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from sgan.env import DATA_ENV, RUNS_ENV


def repo_root(start: str | Path | None = None) -> Path | None:
    """The sgan repository that holds ``start`` (default: the working directory), or None."""
    here = Path(start or os.getcwd()).resolve()
    for d in (here, *here.parents):
        if (d / "pyproject.toml").is_file() and (d / "sgan" / "__init__.py").is_file():
            return d
    return None


def runs_root() -> Path:
    """Where runs go: ``$SGAN_RUNS``, else ``<repository>/runs``, else ``./runs``."""
    if os.environ.get(RUNS_ENV):
        return Path(os.environ[RUNS_ENV]).resolve()
    return (repo_root() or Path.cwd()) / "runs"


def data_root() -> Path:
    """Where data sets are cached: ``$SGAN_DATA``, else ``<repository>/data``, else ``./data``."""
    if os.environ.get(DATA_ENV):
        return Path(os.environ[DATA_ENV]).resolve()
    return (repo_root() or Path.cwd()) / "data"


def report_dir(profile: str) -> Path:
    """Where the committed tables and figures of ``profile`` are: ``<repository>/results/<profile>``."""
    return (repo_root() or Path.cwd()) / "results" / profile


def load_reference(report: str | Path) -> dict[str, Any] | None:
    """The reference tables written by ``python -m sgan reference`` (``<report>/tables.json``), or None."""
    path = Path(report) / "tables.json"
    return json.loads(path.read_text()) if path.is_file() else None
