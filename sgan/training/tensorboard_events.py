"""A run's log as TensorBoard events: the same scalars as ``log.jsonl`` and the fixed-latent grid of every tick.

``log.jsonl`` stays the source of truth; the event files (``<run>/events.out.tfevents.*``) are a view of it for
TensorBoard. Training writes them as it goes (``EventLog.add`` at every tick) after rebuilding them from the log
when it starts, so a resumed run's events never hold the rows its log dropped; ``rebuild_events`` writes them
for a run that predates them, and ``python -m sgan tensorboard`` (``make tensorboard``) rebuilds every stale run
under a folder and serves it.

Each log row becomes one scalar per numeric field at step = images shown (``kimg`` × 1000), grouped
(``loss/D``, ``fid/fid2k``, ``schedule/alpha``, ``speed/images_per_s`` ...: ``tag_of``), and the tick's grid
(``grids/tick-XXXXXX.png``) the image ``grids/fixed_latents`` at the same step. The wall time of every event is
the row's training seconds (``time``; 0 for the grid before training), so TensorBoard's "relative" axis is
training time, and events rebuilt later equal those written live.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import numpy as np

from sgan.training.rundir import LOG, RunDir
from sgan.training.runlock import RunLock, RunLockedError

EVENTS_GLOB = "events.out.tfevents.*"
GRID_TAG = "grids/fixed_latents"
INSTALL_HINT = "pip install tensorboard (a dependency of sgan: `make setup` installs it)"
_GROUPS = {
    "loss_D": "loss/D", "loss_G": "loss/G", "penalty": "loss/penalty",
    "images_per_s": "speed/images_per_s", "sec_per_tick": "speed/sec_per_tick", "time": "speed/train_seconds",
    "fid_seconds": "speed/fid_seconds",
    "resolution": "schedule/resolution", "alpha": "schedule/alpha", "batch": "schedule/batch", "lr": "schedule/lr",
    "ema_lod": "schedule/ema_lod", "kimg": "progress/kimg", "tick": "progress/tick", "step": "progress/step",
}


def tag_of(key: str, row: dict[str, Any]) -> str:
    """The TensorBoard tag of a log field: ``fid`` under its metric's name (``fid/fid2k``), the known fields in
    their group (``loss/D``), any other under ``log/``."""
    if key == "fid":
        return f"fid/{row.get('fid_metric', 'fid')}"
    return _GROUPS.get(key, f"log/{key}")


def scalars_of(row: dict[str, Any]) -> dict[str, float]:
    """``{tag: value}`` for every numeric field of a log row (strings and nulls are not scalars)."""
    return {tag_of(k, row): float(v) for k, v in row.items()
            if isinstance(v, int | float) and not isinstance(v, bool)}


def step_of(row: dict[str, Any]) -> int:
    """A row's TensorBoard step: the images shown so far."""
    return round(float(row["kimg"]) * 1000)


def _summary_writer():
    try:
        from torch.utils.tensorboard import SummaryWriter
    except ImportError as exc:
        raise ImportError(f"TensorBoard events need the tensorboard package ({exc}): {INSTALL_HINT}.") from None
    return SummaryWriter


def _grid(run_dir: Path, tick: int) -> np.ndarray | None:
    from PIL import Image

    path = RunDir(run_dir).grid_path(tick)
    return np.asarray(Image.open(path).convert("RGB")) if path.is_file() else None


class EventLog:
    """The event file of one run, open for appending ticks (training keeps one open for its whole run)."""

    def __init__(self, run_dir: str | Path) -> None:
        self.run_dir = Path(run_dir)
        self.writer = _summary_writer()(log_dir=str(self.run_dir), flush_secs=3600)

    def add(self, row: dict[str, Any], flush: bool = True) -> None:
        """One tick: its scalars and its grid (when the grid file exists)."""
        step, wall = step_of(row), float(row.get("time", 0.0))
        for tag, value in scalars_of(row).items():
            self.writer.add_scalar(tag, value, step, walltime=wall)
        grid = _grid(self.run_dir, int(row["tick"]))
        if grid is not None:
            self.writer.add_image(GRID_TAG, grid, step, walltime=wall, dataformats="HWC")
        if flush:
            self.writer.flush()

    def add_initial_grid(self) -> None:
        """The grid before training (tick 0), at step 0."""
        grid = _grid(self.run_dir, 0)
        if grid is not None:
            self.writer.add_image(GRID_TAG, grid, 0, walltime=0.0, dataformats="HWC")

    def close(self) -> None:
        self.writer.close()


def rebuild_events(run_dir: str | Path, keep_open: bool = False) -> EventLog | Path:
    """Rewrite a run's event file from its ``log.jsonl`` and grids (old event files removed). Returns the run
    directory, or with ``keep_open`` the open ``EventLog`` to append further ticks to."""
    run_dir = Path(run_dir)
    rows = RunDir(run_dir).log()  # a FileNotFoundError saying what a run directory is, when it is not one
    for old in run_dir.glob(EVENTS_GLOB):
        old.unlink()
    events = EventLog(run_dir)
    events.add_initial_grid()
    for row in rows:
        events.add(row, flush=False)
    events.writer.flush()
    if keep_open:
        return events
    events.close()
    return run_dir


def events_stale(run_dir: str | Path) -> bool:
    """Whether a run's events are missing or older than its log."""
    run_dir = Path(run_dir)
    files = list(run_dir.glob(EVENTS_GLOB))
    log = RunDir(run_dir).log_path
    return not files or (log.is_file() and log.stat().st_mtime > max(f.stat().st_mtime for f in files))


def training_events(run_dir: Path) -> EventLog | None:
    """For ``sgan.train``: the run's events rebuilt from its log, open for the ticks to come; None (and a
    line on stderr) when tensorboard is not installed, since the log alone is the record."""
    try:
        return rebuild_events(run_dir, keep_open=True)
    except ImportError as exc:
        print(f"warning: no TensorBoard events for {run_dir}: {exc}", file=sys.stderr)
        return None


def read_events(run_dir: str | Path) -> dict[str, Any]:
    """A run's events read back with TensorBoard's own reader: ``{"scalars": {tag: [(step, wall, value)]},
    "images": {tag: [(step, wall, png bytes)]}}``."""
    try:
        from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
    except ImportError as exc:
        raise ImportError(f"Reading TensorBoard events needs the tensorboard package ({exc}): {INSTALL_HINT}.") \
            from None
    acc = EventAccumulator(str(run_dir), size_guidance={"scalars": 0, "images": 0})
    acc.Reload()
    tags = acc.Tags()
    return {"scalars": {t: [(e.step, e.wall_time, e.value) for e in acc.Scalars(t)] for t in tags["scalars"]},
            "images": {t: [(e.step, e.wall_time, e.encoded_image_string) for e in acc.Images(t)]
                       for t in tags["images"]}}


def run_dirs(root: str | Path) -> list[Path]:
    """The run directories under ``root`` (folders holding a ``log.jsonl``), sorted."""
    root = Path(root)
    return sorted(p.parent for p in root.rglob(LOG) if ".stale-" not in str(p.parent))


def refresh_events(root: str | Path) -> dict[str, list[Path]]:
    """Rebuild the stale events of every run under ``root``; a run another process is training (its lock is
    held) is left to that process. Returns ``{"rebuilt", "current", "busy"}`` run directories."""
    out: dict[str, list[Path]] = {"rebuilt": [], "current": [], "busy": []}
    for run in run_dirs(root):
        if not events_stale(run):
            out["current"].append(run)
            continue
        lock = RunLock(run)
        try:
            lock.acquire()
        except RunLockedError:
            out["busy"].append(run)
            continue
        try:
            rebuild_events(run)
            out["rebuilt"].append(run)
        finally:
            lock.release()
    return out
