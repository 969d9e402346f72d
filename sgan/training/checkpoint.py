"""Checkpoints: everything needed to resume a run exactly, as tensors and plain data only.

A checkpoint is one ``torch.save`` file holding

* ``config``: the run's ``RunConfig`` as JSON text (``RunConfig.to_json()``),
* ``G``, ``D``, ``G_ema``: state dicts (w̄ is G's ``w_avg`` buffer; it is also stored alone as ``w_avg``),
* ``opt_G``, ``opt_D``: the Adam state dicts,
* ``progress``: images shown, step, tick and the schedule stage (for the Adam reset),
* ``rng``: every random state: python, numpy, torch (CPU and CUDA) and the loop's ``torch.Generator`` s.

It is written atomically (a temporary file in the same folder, then ``os.replace``), so a crash or a SIGKILL
leaves either the previous checkpoint or the new one, and read back with ``torch.load(weights_only=True)``:
no code is ever unpickled. It carries a SHA-256 ``checksum`` of its contents (every tensor's bytes, dtype and
shape and every plain value, in order), verified on load: a flipped bit is an error, not a silently different
model. The checkpoint it replaces is kept as ``previous.pt``; when ``latest.pt`` of a run directory is missing,
truncated or corrupt, ``load_checkpoint`` falls back to it with a warning. Every failure to read is one
``CheckpointError`` that says what is wrong with which file.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import random
import tempfile
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import torch

from sgan.atomic import disk_full_error
from sgan.config import RunConfig
from sgan.generator import Generator
from sgan.training.device import resolve_device, run_device
from sgan.training.rundir import LATEST, PREVIOUS, RunDir

FORMAT = "sgan-checkpoint-2"  # with a checksum
UNCHECKED_FORMATS = ("sgan-checkpoint-1",)  # written before checksums: read without verification
ZIP_MAGIC = b"PK\x03\x04"  # torch.save writes a zip archive


class CheckpointError(ValueError):
    """A checkpoint file that cannot be used: truncated, corrupt, or not an sgan checkpoint."""


def checkpoint_path(run_dir_or_ckpt: str | Path) -> Path:
    """The checkpoint file for a run directory (``checkpoints/latest.pt``, else ``previous.pt`` when only that
    one is there) or a checkpoint path itself."""
    path = Path(run_dir_or_ckpt)
    if path.is_dir():
        run = RunDir(path)
        only_previous = not run.latest_checkpoint.is_file() and run.previous_checkpoint.is_file()
        path = run.previous_checkpoint if only_previous else run.latest_checkpoint
    if not path.is_file():
        raise FileNotFoundError(
            f"No checkpoint at {path}: give a run directory holding checkpoints/{LATEST} or a .pt file "
            "(a run writes one every tick; train it first, or check the path)."
        )
    return path


def has_checkpoint(run_dir: str | Path) -> bool:
    """Whether the run directory holds a checkpoint to resume from (``latest.pt`` or ``previous.pt``)."""
    return RunDir(run_dir).has_checkpoint()


def checksum(state: Any) -> str:
    """SHA-256 of a checkpoint's contents: each tensor's dtype, shape and bytes, each plain value's repr, in
    order (dicts keep their insertion order through ``torch.save`` / ``torch.load``)."""
    digest = hashlib.sha256()

    def visit(value: Any) -> None:
        if isinstance(value, torch.Tensor):
            t = value.detach().cpu().contiguous()
            digest.update(f"T{t.dtype}{tuple(t.shape)}".encode())
            digest.update(t.reshape(-1).view(torch.uint8).numpy().tobytes())
        elif isinstance(value, dict):
            digest.update(f"D{len(value)}".encode())
            for key, item in value.items():
                visit(key)
                visit(item)
        elif isinstance(value, (list, tuple)):
            digest.update(f"L{len(value)}".encode())
            for item in value:
                visit(item)
        else:
            digest.update(f"V{type(value).__name__}:{value!r};".encode())

    visit(state)
    return digest.hexdigest()


def save_checkpoint(path: str | Path, state: dict[str, Any]) -> Path:
    """Write ``state`` (tensors and plain data) with its checksum to ``path`` atomically, keeping the file it
    replaces as ``previous.pt`` beside it; returns the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            torch.save({"format": FORMAT, "checksum": checksum(state), **state}, f)
            f.flush()
            os.fsync(f.fileno())
        if path.is_file():
            os.replace(path, path.with_name(PREVIOUS))
        os.replace(tmp, path)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        kept = f"the last checkpoint, {path}, is intact" if path.is_file() else "no earlier checkpoint was kept"
        full = disk_full_error(exc, f"Cannot write the checkpoint {path}",
                               f"Free some space, then continue with --resume ({kept}).")
        if full is None:
            raise
        raise full from None
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def read_checkpoint(path: str | Path, map_location: str | torch.device = "cpu") -> dict[str, Any]:
    """Read and verify one checkpoint file (``weights_only=True``); ``CheckpointError`` says what is wrong."""
    path = Path(path)
    if path.stat().st_size == 0:
        raise CheckpointError(f"Checkpoint {path} is empty (0 bytes): the write that made it never finished.")
    with open(path, "rb") as f:
        if f.read(4) != ZIP_MAGIC:
            raise CheckpointError(f"{path} is not an sgan checkpoint: it is not a file written by torch.save.")
    try:
        state = torch.load(path, map_location=map_location, weights_only=True)
    except pickle.UnpicklingError:  # torch's message would advise weights_only=False: never
        raise CheckpointError(f"{path} is not an sgan checkpoint: it holds something other than tensors and "
                              "plain data, which sgan never loads.") from None
    except Exception as exc:  # noqa: BLE001 - whatever a damaged archive makes torch.load raise
        raise CheckpointError(f"Checkpoint {path} is truncated or corrupt: it cannot be read "
                              f"({type(exc).__name__}).") from None
    if not isinstance(state, dict) or state.get("format") not in (FORMAT, *UNCHECKED_FORMATS):
        raise CheckpointError(f"{path} is not an sgan checkpoint (expected format {FORMAT!r}).")
    if state["format"] == FORMAT:
        stored = state.pop("checksum", None)
        body = {k: v for k, v in state.items() if k != "format"}
        if stored != checksum(body):
            raise CheckpointError(f"Checkpoint {path} is corrupt: its contents do not match the checksum "
                                  "written with it (a damaged file or disk).")
    return state


def load_checkpoint(run_dir_or_ckpt: str | Path, map_location: str | torch.device = "cpu") -> dict[str, Any]:
    """Read a checkpoint (a run directory or a file), verified. For a run directory whose ``latest.pt`` is
    missing, truncated or corrupt, the ``previous.pt`` kept beside it is read instead, with a warning."""
    path = checkpoint_path(run_dir_or_ckpt)
    fallback = path.with_name(PREVIOUS)
    in_run_dir = Path(run_dir_or_ckpt).is_dir()
    if in_run_dir and path.name == PREVIOUS:
        warnings.warn(f"{path.with_name(LATEST)} is missing (a run killed while replacing it); using {path}.",
                      stacklevel=2)
    if not in_run_dir or path.name != LATEST or not fallback.is_file():
        return read_checkpoint(path, map_location)
    try:
        return read_checkpoint(path, map_location)
    except CheckpointError as exc:
        state = read_checkpoint(fallback, map_location)
        warnings.warn(f"{exc} Using the checkpoint before it, {fallback} (step "
                      f"{state.get('progress', {}).get('step', '?')}).", stacklevel=2)
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


def load_generator(run_dir_or_ckpt: str | Path, which: str = "ema", device: str | torch.device | None = None):
    """Rebuild a run's Generator from its checkpoint: ``which="ema"`` (for samples and metrics) or "G".

    Returns the network in eval mode with gradients off and its w̄ (``w_avg``) loaded, on ``device`` (default:
    the run's device, ``sgan.training.device.run_device()``: the GPU when there is one). A zoo file
    (``sgan.studies.model_zoo``) loads the same way.
    """
    device = run_device() if device is None else resolve_device(device)
    keys = {"ema": "G_ema", "G": "G"}
    if which not in keys:
        raise ValueError(f"which={which!r}: choose 'ema' (the averaged generator) or 'G' (the trained one).")
    state = load_checkpoint(run_dir_or_ckpt)
    if keys[which] not in state:
        raise ValueError(f"{run_dir_or_ckpt} holds no {keys[which]} (a zoo file keeps only the EMA generator): "
                         "load it with which='ema'.")
    return generator_from_state(state["config"], state[keys[which]]).to(device)


def generator_from_state(config_json: str, weights: dict[str, torch.Tensor]):
    """A ``Generator`` built from a ``RunConfig``'s JSON and a state dict (any float dtype: copied into float32
    weights), in eval mode with gradients off, on the CPU."""
    config = RunConfig.from_json(config_json)
    # the random init is overwritten: leave the global RNG untouched, and build on the CPU where the weights are
    with torch.random.fork_rng(devices=[]), torch.device("cpu"):
        G = Generator(config.model)
    G.load_state_dict(weights)
    G.requires_grad_(False)
    return G.eval()
