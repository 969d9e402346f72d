"""A run directory: the one place its layout is spelled, and the questions asked of it.

``sgan.train`` writes, into ``out_dir``:

* ``config.json``: the resolved ``RunConfig`` (saved beside every run, rewritten when a resume changes it);
* ``data.json``: the data set it trains on (name, size, resolution, fingerprint);
* ``log.jsonl``: one JSON row per tick (kimg, losses, tick FID, ``time``: training seconds over every session);
* ``checkpoints/latest.pt`` (and ``previous.pt``): what resumes it;
* ``grids/``: ``reals.png`` and one ``tick-NNNNNN.png`` per tick;
* ``resume_changes.jsonl``: what each resume changed;

and ``sgan.studies.ablation`` adds ``results.json`` (its metrics) once it is measured. Everything that reads or writes
one of these goes through ``RunDir``; ``is_complete`` is the one answer to "did it train to the end".
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sgan.config import RunConfig

CHECKPOINTS, GRIDS, LOG = "checkpoints", "grids", "log.jsonl"
LATEST, PREVIOUS = "latest.pt", "previous.pt"


@dataclass(frozen=True)
class RunDir:
    """The folder of one run (``RunDir("runs/F")``); nothing is read until asked."""

    path: Path

    def __init__(self, path: str | Path) -> None:
        object.__setattr__(self, "path", Path(path))

    # ----- where things are
    @property
    def config_path(self) -> Path:
        return self.path / "config.json"

    @property
    def data_path(self) -> Path:
        return self.path / "data.json"

    @property
    def log_path(self) -> Path:
        return self.path / LOG

    @property
    def results_path(self) -> Path:
        return self.path / "results.json"

    @property
    def changes_path(self) -> Path:
        return self.path / "resume_changes.jsonl"

    @property
    def checkpoints_dir(self) -> Path:
        return self.path / CHECKPOINTS

    @property
    def latest_checkpoint(self) -> Path:
        return self.checkpoints_dir / LATEST

    @property
    def previous_checkpoint(self) -> Path:
        return self.checkpoints_dir / PREVIOUS

    @property
    def grids_dir(self) -> Path:
        return self.path / GRIDS

    def grid_path(self, tick: int | str) -> Path:
        """``grids/tick-NNNNNN.png`` of tick ``tick`` (or ``grids/<tick>.png`` for a name, e.g. "reals")."""
        return self.grids_dir / (f"tick-{tick:06d}.png" if isinstance(tick, int) else f"{tick}.png")

    def tick_grids(self) -> list[Path]:
        """The tick grids written so far, in tick order."""
        return sorted(self.grids_dir.glob("tick-*.png"))

    # ----- what it holds
    def has_log(self) -> bool:
        return self.log_path.is_file()

    def has_checkpoint(self) -> bool:
        """Whether there is a checkpoint to resume from (``latest.pt`` or ``previous.pt``)."""
        return self.latest_checkpoint.is_file() or self.previous_checkpoint.is_file()

    def log(self) -> list[dict[str, Any]]:
        """The rows of ``log.jsonl`` (a ``FileNotFoundError`` that says what a run directory is when absent)."""
        if not self.has_log():
            raise FileNotFoundError(f"{self.log_path} not found: is {self.path} a run directory written by "
                                    "sgan.train()?")
        return [json.loads(line) for line in self.log_path.read_text().splitlines() if line.strip()]

    def last_row(self) -> dict[str, Any] | None:
        """The log's last row, None when there is no log or it is empty."""
        rows = self.log() if self.has_log() else []
        return rows[-1] if rows else None

    def config(self) -> RunConfig | None:
        """The saved ``RunConfig``, None when there is none."""
        return RunConfig.from_json(self.config_path.read_text()) if self.config_path.is_file() else None

    def results(self) -> dict[str, Any] | None:
        """``results.json``, None until the run is measured."""
        return json.loads(self.results_path.read_text()) if self.results_path.is_file() else None

    def matches(self, cfg: RunConfig) -> bool:
        """Whether this is a run of exactly ``cfg`` (its saved config has no differing field)."""
        saved = self.config()
        return saved is not None and not saved.differences(cfg)

    def is_complete(self, cfg: RunConfig) -> bool:
        """The run of ``cfg`` reached ``total_kimg`` and saved its checkpoint."""
        if not self.matches(cfg) or not self.has_checkpoint():
            return False
        last = self.last_row()
        return last is not None and last.get("kimg", 0.0) * 1000 >= round(cfg.train.total_kimg * 1000)

    def train_seconds(self, default: float) -> float:
        """The training time of the log's last row (``time``: every session of a resumed run, the tick FIDs
        excluded), or ``default`` when the run has no log."""
        last = self.last_row()
        return float(last["time"]) if last and "time" in last else default
