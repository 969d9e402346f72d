"""Atomic text files: write a temporary file beside the target, then ``os.replace`` it into place.

A reader (or a crash, a Ctrl-C, a SIGKILL) sees the old file or the new one, never half of it. Used for every
small text output of a run: results JSON, tables, HTML renderings, benchmark reports.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any


def write_text(path: str | Path, text: str) -> Path:
    """Write ``text`` (UTF-8) to ``path`` atomically, creating its folder; returns the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)  # only left when the write or the rename failed
    return path


def write_json(path: str | Path, data: Any) -> Path:
    """``data`` as indented, key-sorted JSON, written atomically; returns the path."""
    return write_text(path, json.dumps(data, indent=2, sort_keys=True) + "\n")
