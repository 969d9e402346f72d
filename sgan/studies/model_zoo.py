"""The model zoo: the EMA generators of the reference runs, shipped with sgan so nothing needs training first.

    G = sgan.zoo("F")                      # config F at the cpu profile, seed 0 (the reference run)
    sgan.zoo_provenance("F")["fid_best"]   # where it came from: config, commit, kimg, wall time, fid

Each entry is one file ``sgan/weights/zoo/<profile>/<config>.pt``, written like a checkpoint (``torch.save`` of
tensors and plain data with a SHA-256 checksum, read back with ``weights_only=True``) but holding only
``config`` (the run's ``RunConfig`` as JSON), ``G_ema`` and ``D`` (stored as float16 to keep each file small;
D for the figures that ask what D looks at), ``provenance``, the run's ``log`` rows, its ``metrics`` and its
last fixed-latent grid (``grid_png``, PNG bytes as a uint8 tensor). ``sgan.load_generator`` reads it like a
run; ``materialize`` unpacks it into a run-like folder (``runs/zoo/<profile>/<config>``) that the notebooks'
figures read when the learner has no run of their own (``sgan.studies.ablation.trained_run``).
The file also keeps ``images``, what its generator drew for ``IMAGE_SEEDS`` at export (8-bit ``[4, r, r, 3]``,
``sgan.sample.generate_images``), and ``provenance["image_sha256"]`` is their hash, so a test can check the file
still draws what it drew: ``redraw_difference`` compares a fresh drawing with them. (A hash of the fresh drawing
alone would be too strict: another kind of CPU rounds the last bits differently and can move a pixel that sits on
a rounding boundary by one level.) ``python -m sgan reference`` writes the zoo with ``export``.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import torch

from sgan.atomic import write_json, write_text
from sgan.images import to_uint8
from sgan.paths import runs_root
from sgan.sample import generate_images
from sgan.training.checkpoint import (
    generator_from_state,
    load_checkpoint,
    load_generator,
    read_checkpoint,
    save_checkpoint,
)
from sgan.training.rundir import RunDir

IMAGE_SEEDS = (0, 1, 2, 3)
MAX_BYTES = 2_000_000  # each file (the budget: ≤ 2 MB each, ≤ 25 MB in all)


def zoo_dir(profile: str = "cpu") -> Path:
    """The folder of a profile's zoo inside the package: ``sgan/weights/zoo/<profile>``."""
    return Path(__file__).resolve().parents[1] / "weights" / "zoo" / profile


def zoo_path(config: str = "F", profile: str = "cpu") -> Path:
    """``sgan/weights/zoo/<profile>/<config>.pt``, or a clear error listing what the zoo has."""
    path = zoo_dir(profile) / f"{config}.pt"
    if not path.is_file():
        have = ", ".join(zoo_entries(profile)) or "nothing"
        raise FileNotFoundError(f"The zoo has no config {config!r} at profile {profile!r} (it has: {have}). "
                                "Train it (sgan.studies.ablation.run_ablation) or rebuild the zoo with "
                                "`python -m sgan reference --profile cpu`.")
    return path


def zoo_entries(profile: str = "cpu") -> list[str]:
    """The configs the zoo holds at ``profile``, e.g. ``["A", "B", "C", "D", "E", "F"]``."""
    folder = zoo_dir(profile)
    return sorted(p.stem for p in folder.glob("*.pt")) if folder.is_dir() else []


def zoo(config: str = "F", profile: str = "cpu", device: str | torch.device | None = None):
    """The zoo's EMA generator of ``config`` at ``profile`` (float32, eval mode, gradients off), on ``device``
    (default: the run's device, ``sgan.training.device.run_device()``)."""
    return load_generator(zoo_path(config, profile), device=device)


ZOO_PREFIX = "zoo:"  # a --run naming a zoo entry: zoo:<config>, or zoo:<config>@<profile>


def load_run(run: str | Path, which: str = "ema", device: str | torch.device | None = None):
    """The generator a command's ``--run`` names: ``zoo:F`` (the zoo's F at the cpu profile) or
    ``zoo:F@cpu-long``, else a run directory or checkpoint file (``sgan.training.checkpoint.load_generator``)."""
    text = str(run)
    if not text.startswith(ZOO_PREFIX):
        return load_generator(run, which=which, device=device)
    config, _, profile = text[len(ZOO_PREFIX):].partition("@")
    if which != "ema":
        raise ValueError(f"--run {text}: the zoo holds only the EMA generator; drop --which {which}.")
    return zoo(config, profile or "cpu", device=device)


def zoo_provenance(config: str = "F", profile: str = "cpu") -> dict[str, Any]:
    """Where a zoo generator came from: config, profile, seed, commit, kimg, train_minutes, fid_best, ..."""
    return dict(read_checkpoint(zoo_path(config, profile))["provenance"])


def fixed_seed_images(G) -> torch.Tensor:
    """``G``'s 8-bit images for ``IMAGE_SEEDS`` (ψ = 1, the seeds' own noise), ``uint8 [4, r, r, 3]``."""
    return torch.from_numpy(to_uint8(generate_images(G, IMAGE_SEEDS)))


def image_hash(images: torch.Tensor) -> str:
    """SHA-256 of 8-bit images (``fixed_seed_images``)."""
    return hashlib.sha256(images.numpy().tobytes()).hexdigest()


def redraw_difference(G, state: dict[str, Any]) -> tuple[int, float]:
    """``G``'s fixed-seed images drawn now against those a zoo file stored at export: the largest difference in
    8-bit levels and the fraction of values that differ. The same weights give (0, 0) on the same kind of CPU
    and at most a level on a few values elsewhere; a changed weight moves many values by many levels."""
    stored = state["images"]
    if image_hash(stored) != state["provenance"]["image_sha256"]:
        raise ValueError("the zoo file's stored images do not match their hash: the file is damaged.")
    diff = (fixed_seed_images(G).int() - stored.int()).abs()
    return int(diff.max()), float((diff > 0).float().mean())


def git_commit(where: str | Path) -> str:
    """The commit checked out at ``where`` (with ``+dirty`` when files differ), or "unknown"."""
    try:
        head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=where, capture_output=True, text=True,
                              check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=where,
                               capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return head + ("+dirty" if dirty else "")


def _same_entry(old: dict[str, Any], new: dict[str, Any]) -> bool:
    """Two provenances of one run with the same weights: equal in everything but the exporting commit."""
    return {k: v for k, v in old.items() if k != "commit"} == {k: v for k, v in new.items() if k != "commit"}


def export(run_dir: str | Path, results: dict[str, Any], profile: str = "cpu", commit: str = "unknown",
           out_dir: str | Path | None = None) -> Path:
    """Write the EMA generator of ``run_dir`` (with its ``results.json`` dict) as a zoo entry; returns it."""
    state = load_checkpoint(run_dir)
    half = {k: v.half() if v.is_floating_point() else v for k, v in state["G_ema"].items()}
    half_D = {k: v.half() if v.is_floating_point() else v for k, v in state["D"].items()}
    curve = results.get("learning_curve") or {}
    images = fixed_seed_images(generator_from_state(state["config"], half))  # the float16 weights, as loaded back
    provenance = {
        "config": results["config"], "profile": profile, "seed": results["seed"],
        "overrides": results.get("overrides", {}), "commit": commit,
        "kimg": results["kimg"], "train_minutes": round(results["train_seconds"] / 60, 2),
        "fid_metric": next((n for n in results["metrics"] if n.startswith("fid") and "_mix" not in n), None),
        "fid_best": curve.get("best"), "fid_best_kimg": curve.get("best_kimg"), "fid_final": curve.get("final"),
        "stored_as": "float16", "image_seeds": list(IMAGE_SEEDS),
        "image_sha256": image_hash(images),
    }
    out = Path(out_dir or zoo_dir(profile)) / f"{results['config']}.pt"
    if out.is_file() and _same_entry(read_checkpoint(out)["provenance"], provenance):
        return out  # the same run and weights: rewriting it would only change the commit (and churn git)
    grid = RunDir(run_dir).tick_grids()[-1]
    save_checkpoint(out, {"config": state["config"], "G_ema": half, "D": half_D, "provenance": provenance,
                          "log": RunDir(run_dir).log(), "metrics": dict(results["metrics"]), "images": images,
                          "grid_png": torch.frombuffer(bytearray(grid.read_bytes()), dtype=torch.uint8)})
    out.with_name("previous.pt").unlink(missing_ok=True)  # a zoo keeps no history (git does)
    if (size := out.stat().st_size) > MAX_BYTES:
        out.unlink()  # an over-budget entry is not left in the zoo
        raise ValueError(f"{out} would be {size / 1e6:.1f} MB, over the zoo's {MAX_BYTES / 1e6:g} MB "
                         "per file: shrink the profile's network or leave this run out of the zoo.")
    return out


def materialize(config: str = "F", profile: str = "cpu", dest: str | Path | None = None) -> Path:
    """Unpack a zoo entry into a run-like folder (default ``runs/zoo/<profile>/<config>``): the zoo file as
    ``checkpoints/latest.pt`` (``load_generator`` reads it), ``config.json``, ``log.jsonl``, the last grid
    under ``grids/`` and ``zoo.json`` (its provenance and the run's final metrics). Returns the folder. The
    folder is rewritten whenever the zoo file is newer, so it never drifts from the zoo."""
    source = zoo_path(config, profile)
    folder = Path(dest or runs_root() / "zoo" / profile / config)
    marker = folder / "zoo.json"
    if marker.is_file() and marker.stat().st_mtime >= source.stat().st_mtime:
        return folder
    state = read_checkpoint(source)
    run = RunDir(folder)
    run.checkpoints_dir.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, run.latest_checkpoint)
    write_text(run.config_path, state["config"])
    write_text(run.log_path, "".join(json.dumps(row) + "\n" for row in state["log"]))
    run.grids_dir.mkdir(exist_ok=True)
    run.grid_path("tick-final").write_bytes(state["grid_png"].numpy().tobytes())
    write_json(marker, {**state["provenance"], "metrics": state["metrics"]})
    return folder


def write_index(profile: str = "cpu", out_dir: str | Path | None = None) -> Path:
    """``index.json`` beside the zoo files: each entry's provenance and size in bytes (for people to read)."""
    folder = Path(out_dir or zoo_dir(profile))
    index = {p.stem: {**read_checkpoint(p)["provenance"], "bytes": p.stat().st_size}
             for p in sorted(folder.glob("*.pt"))}
    return write_json(folder / "index.json", index)
