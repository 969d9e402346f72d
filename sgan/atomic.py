"""Atomic text files: write a temporary file beside the target, then ``os.replace`` it into place.

A reader (or a crash, a Ctrl-C, a SIGKILL) sees the old file or the new one, never half of it. Used for every
small text output of a run: results JSON, tables, HTML renderings, benchmark reports.
"""

from __future__ import annotations

import errno
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


DISK_FULL = (errno.ENOSPC, errno.EFBIG, errno.EDQUOT)  # no space, a file-size limit, a quota


def disk_full_error(exc: OSError, what: str, advice: str) -> OSError | None:
    """``OSError("<what>: <the system's reason>. <advice>")`` keeping ``exc.errno`` when ``exc`` says the disk
    (or a file-size limit or quota) is full; None for any other failure, which the caller re-raises."""
    if exc.errno not in DISK_FULL:
        return None
    full = OSError(f"{what} ({os.strerror(exc.errno)}). {advice}")
    full.errno = exc.errno
    return full
