"""Run preparation: what ``train`` (``sgan.training.loop``) checks and sets up before its first step.

The device of this process (``training_device``); the data set, loaded and checked against the resolution
(``load_data``, ``check_data``); the minibatch sizes against the data-parallel ranks and the machine's memory
(``check_batches``, ``check_memory``); the run directory, fresh or resumed (``prepare_run_dir``): what a resumed
run may change (``RESUMABLE``, recorded in ``resume_changes.jsonl``), that it trains on the same data, and the
temporary files a killed run left behind (``sweep_temporaries``).
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

import torch
from tqdm.auto import tqdm

from sgan.atomic import write_text
from sgan.config import PROFILES, ConfigError, RunConfig
from sgan.data import load_dataset
from sgan.metrics.stats_cache import dataset_fingerprint
from sgan.training import device as device_lib
from sgan.training import distributed as dist
from sgan.training.checkpoint import has_checkpoint
from sgan.training.rundir import RunDir
from sgan.training.runlock import RunLock


def training_device(name: str, info: dist.DistInfo) -> torch.device:
    """``sgan.training.device.resolve_device`` (validated; "auto": cuda when available), one GPU per rank under
    torchrun."""
    try:
        device = device_lib.resolve_device(name)
    except device_lib.DeviceError as exc:
        raise ConfigError(str(exc)) from None
    if device.type == "cuda":
        if info.enabled:
            device = torch.device("cuda", info.local_rank)
        torch.cuda.set_device(device)
    return device


def load_data(data: Any, resolution: int, root: str | Path, n: int | None, seed: int, progress: bool):
    """``data`` if it is an ``ImageDataset``, else ``load_dataset(data)`` at ``resolution``."""
    if isinstance(data, str | Path):
        return load_dataset(str(data), resolution=resolution, n=n, seed=seed, root=root, progress=progress)
    return data


def check_data(data: Any, resolution: int) -> None:
    """The data must hold images at ``resolution`` or a power-of-two multiple of it (box-filtered down)."""
    res = getattr(data, "resolution", None)
    if res is None or not hasattr(data, "batch") or len(data) == 0:
        raise TypeError(f"data must be a non-empty ImageDataset (sgan.data.load_dataset), got {type(data)}.")
    if res < resolution or res % resolution or (res // resolution) & (res // resolution - 1):
        raise ConfigError(
            f"The data set's resolution {res} cannot feed a {resolution}² model: load the data at "
            f"{resolution} (or a power-of-two multiple), e.g. load_dataset(name, resolution={resolution})."
        )


def check_batches(config: RunConfig, info: dist.DistInfo) -> None:
    """Every minibatch of the schedule must split across ranks and into minibatch-stddev groups."""
    g = config.model.mbstd_group_size
    for res in config.model.resolutions:
        if res < config.train.start_resolution:
            continue
        batch = config.train.batch_at(res)
        local = batch // info.world_size
        if batch % info.world_size or local % min(g, local):
            raise ConfigError(
                f"Minibatch {batch} at {res}² must split evenly across {info.world_size} process(es) and "
                f"each share ({local}) into minibatch-stddev groups of {g}: change batch_sizes or "
                "mbstd_group_size."
            )


STEP_BYTES_PER_ACTIVATION = 4 * 24  # fp32; ~24 saved tensors per feature map through G, D and R1's double backward


def step_memory(config: RunConfig, resolution: int) -> int:
    """A generous estimate of one training step's memory at ``resolution`` (bytes): every feature map of G and
    D for the minibatch, times the tensors a step keeps of it. Only meant to refuse absurd minibatches."""
    maps = sum(config.model.channels_at(r) * r * r for r in config.model.resolutions if r <= resolution)
    return config.train.batch_at(resolution) * maps * STEP_BYTES_PER_ACTIVATION


def machine_memory(device: torch.device) -> int | None:
    """The device's total memory in bytes (a GPU's, or the machine's RAM), None when unknown."""
    if device.type == "cuda":
        return torch.cuda.get_device_properties(device).total_memory
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):  # not a POSIX system
        return None


def check_memory(config: RunConfig, device: torch.device, info: dist.DistInfo) -> None:
    """Refuse, before allocating anything, a schedule whose step cannot fit in the device's memory."""
    total = machine_memory(device)
    if total is None:
        return
    for res in config.model.resolutions:
        if res < config.train.start_resolution:
            continue
        need = step_memory(config, res) / info.world_size
        if need > total:
            raise ConfigError(
                f"Minibatch {config.train.batch_at(res)} at {res}² needs about {need / 2**30:.0f} GiB per step, "
                f"more than the {total / 2**30:.0f} GiB of {device.type}: lower batch_sizes (the profile's "
                f"are {_profile_batches(config)}).")


def _profile_batches(config: RunConfig) -> str:
    return json.dumps(PROFILES.get(config.profile, {}).get("train", {}).get("batch_sizes", "the paper's"))


def prepare_run_dir(run_dir: Path, resume: bool | str, lock: RunLock | None = None) -> bool:
    """Create ``run_dir``, prove it writable and take its ``lock`` (before any training); returns whether to
    resume. Nothing is created when there is nothing to resume."""
    if resume not in (True, False, "auto"):
        raise ValueError(f"resume={resume!r}: use True, False or 'auto' (resume when a checkpoint exists).")
    if resume is True and not has_checkpoint(run_dir):
        raise FileNotFoundError(f"Nothing to resume: {RunDir(run_dir).latest_checkpoint} does not exist. "
                                "Start a new run (without --resume / resume=True).")
    try:
        RunDir(run_dir).checkpoints_dir.mkdir(parents=True, exist_ok=True)
        RunDir(run_dir).grids_dir.mkdir(exist_ok=True)
        probe = run_dir / ".write-test"
        probe.write_text("ok")
        probe.unlink()
    except OSError as exc:
        raise OSError(f"Cannot write the run directory {run_dir}: {exc}. Choose a writable run_dir.") from exc
    if lock is not None:
        lock.acquire()  # from here on no other process writes into run_dir
    if resume is False and has_checkpoint(run_dir):
        raise FileExistsError(f"{run_dir} already holds a run (checkpoints/latest.pt): pass --resume / "
                              "resume=True to continue it, or choose another run_dir.")
    sweep_temporaries(run_dir)
    return has_checkpoint(run_dir)


RESUMABLE = ("train.total_kimg", "train.learning_rates", "train.num_threads", "train.device",
             "train.checkpoint_ticks")  # what a resumed run may change: budget, step size, hardware, cadence


def resume_changes(run_dir: Path, config: RunConfig, saved: RunConfig) -> dict[str, tuple[Any, Any]]:
    """``{field: (old, new)}`` for the fields ``config`` changes on resume; a ``ConfigError`` when any of them
    is not in ``RESUMABLE`` (a different model or procedure is a new run, not a continuation)."""
    changes = config.changes_from(saved)
    refused = [k for k in changes if k not in RESUMABLE]
    if refused:
        raise ConfigError(f"Cannot resume {run_dir}: the config differs from the checkpoint's in {', '.join(refused)}; "
                          f"a resumed run may change only {', '.join(RESUMABLE)}. Resume with the run's own "
                          "config (--resume alone) or start a new run.")
    return changes


def record_changes(run_dir: Path, config: RunConfig, changes: dict[str, tuple[Any, Any]], step: int) -> None:
    """Log what a resumed run changed (``resume_changes.jsonl``, and a line on stderr) and save the new
    ``config.json``."""
    if not changes:
        return
    text = ", ".join(f"{k} {json.dumps(old)} -> {json.dumps(new)}" for k, (old, new) in changes.items())
    tqdm.write(f"Resuming {run_dir} at step {step} with {text}.", file=sys.stderr)
    with open(RunDir(run_dir).changes_path, "a") as f:
        f.write(json.dumps({"step": step, "changes": {k: list(v) for k, v in changes.items()}}) + "\n")
    write_text(RunDir(run_dir).config_path, config.to_json() + "\n")


def check_same_data(run_dir: Path, data: Any, resuming: bool) -> None:
    """A new run records its data set (``data.json``: name, size, resolution, fingerprint); a resumed one must
    train on the same data (runs from before this record are not checked)."""
    record = {"name": data.name, "n": len(data), "resolution": data.resolution,
              "fingerprint": dataset_fingerprint(data)}
    path = RunDir(run_dir).data_path
    if resuming and path.is_file():
        saved = json.loads(path.read_text())
        if saved != record:
            raise ValueError(f"Cannot resume {run_dir}: it trained on {saved['name']!r} ({saved['n']} images at "
                             f"{saved['resolution']}²), not on {record['name']!r} ({record['n']} images at "
                             f"{record['resolution']}²). Resume with the run's data (--data {saved['name']} "
                             f"--data-n {saved['n']}).")
        return
    write_text(path, json.dumps(record, indent=2) + "\n")


def sweep_temporaries(run_dir: Path) -> list[Path]:
    """Remove the temporary files a killed run left in ``run_dir`` (half-written checkpoints, grids, logs);
    only called under the run's lock, when no writer of this run is alive. Returns what was removed."""
    stray = [p for folder in (run_dir, RunDir(run_dir).checkpoints_dir, RunDir(run_dir).grids_dir) if folder.is_dir()
             for p in folder.glob(".*.tmp")]
    for path in stray:
        path.unlink(missing_ok=True)
    return stray
