"""Checkpoints: everything needed to resume a run exactly, as tensors and plain data only.

A checkpoint is one ``torch.save`` file holding

* ``config``: the run's ``RunConfig`` as JSON text (``RunConfig.to_json()``),
* ``G``, ``D``, ``G_ema``: state dicts (w̄ is G's ``w_avg`` buffer; it is also stored alone as ``w_avg``),
* ``opt_G``, ``opt_D``: the Adam state dicts,
* ``progress``: images shown, step, tick and the schedule stage (for the Adam reset),
* ``rng``: every random state: python, numpy, torch (CPU and CUDA) and the loop's ``torch.Generator`` s.

It is written atomically (a temporary file in the same folder, then ``os.replace``), so a crash or a SIGKILL
leaves either the previous checkpoint or the new one, and read back with ``torch.load(weights_only=True)``:
no code is ever unpickled.
"""

from __future__ import annotations

import os
import random
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import torch

FORMAT = "sgan-checkpoint-1"
LATEST = "latest.pt"


def checkpoint_path(run_dir_or_ckpt: str | Path) -> Path:
    """The checkpoint file for a run directory (``checkpoints/latest.pt``) or a checkpoint path itself."""
    path = Path(run_dir_or_ckpt)
    if path.is_dir():
        path = path / "checkpoints" / LATEST
    if not path.is_file():
        raise FileNotFoundError(
            f"No checkpoint at {path}: give a run directory holding checkpoints/{LATEST} or a .pt file "
            "(a run writes one every tick; train it first, or check the path)."
        )
    return path


def save_checkpoint(path: str | Path, state: dict[str, Any]) -> Path:
    """Write ``state`` (tensors and plain data) to ``path`` atomically; returns the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            torch.save({"format": FORMAT, **state}, f)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def load_checkpoint(run_dir_or_ckpt: str | Path, map_location: str | torch.device = "cpu") -> dict[str, Any]:
    """Read a checkpoint (a run directory or a file) with ``weights_only=True``."""
    path = checkpoint_path(run_dir_or_ckpt)
    state = torch.load(path, map_location=map_location, weights_only=True)
    if not isinstance(state, dict) or state.get("format") != FORMAT:
        raise ValueError(f"{path} is not an sgan checkpoint (expected format {FORMAT!r}).")
    return state


def capture_rng(generators: dict[str, torch.Generator]) -> dict[str, Any]:
    """Every random state of the process plus the named generators, as tensors and plain data."""
    np_state = np.random.get_state()
    return {
        "python": random.getstate(),
        "numpy": (np_state[0], torch.from_numpy(np_state[1].astype(np.int64)), *np_state[2:]),
        "torch": torch.get_rng_state(),
        "cuda": torch.cuda.get_rng_state_all() if torch.cuda.is_available() else [],
        "generators": {name: gen.get_state() for name, gen in generators.items()},
    }


def restore_rng(state: dict[str, Any], generators: dict[str, torch.Generator]) -> None:
    """Put back what ``capture_rng`` saved (the generators by name; each must be in ``state``)."""
    version, internal, gauss_next = state["python"]
    random.setstate((version, tuple(internal), gauss_next))
    name, key, *rest = state["numpy"]
    np.random.set_state((name, key.numpy().astype(np.uint32), *rest))
    torch.set_rng_state(state["torch"])
    if state["cuda"] and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])
    missing = sorted(set(generators) - set(state["generators"]))
    if missing:
        raise ValueError(f"The checkpoint holds no state for generator(s) {missing}.")
    for name, gen in generators.items():
        gen.set_state(state["generators"][name].cpu())


def load_generator(run_dir_or_ckpt: str | Path, which: str = "ema", device: str | torch.device = "cpu"):
    """Rebuild a run's Generator from its checkpoint: ``which="ema"`` (for samples and metrics) or "G".

    Returns the network in eval mode with gradients off and its w̄ (``w_avg``) loaded, on ``device``.
    """
    from sgan.config import RunConfig
    from sgan.generator import Generator

    keys = {"ema": "G_ema", "G": "G"}
    if which not in keys:
        raise ValueError(f"which={which!r}: choose 'ema' (the averaged generator) or 'G' (the trained one).")
    state = load_checkpoint(run_dir_or_ckpt)
    config = RunConfig.from_json(state["config"])
    with torch.random.fork_rng(devices=[]):  # the random init is overwritten: leave the global RNG untouched
        G = Generator(config.model)
    G.load_state_dict(state[keys[which]])
    G.requires_grad_(False)
    return G.eval().to(device)
