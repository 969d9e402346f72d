"""Sampling a trained generator: images from seeds, and image grids saved as PNG.

A seed fixes everything about one image: its latent ``z ~ N(0, I)`` and its noise inputs are drawn from a
``torch.Generator`` seeded with it, so ``seed 7`` gives the same picture alone or in a batch. Truncation
(``psi < 1``, layers before ``cutoff``) pulls w towards the tracked w̄: ``w' = w̄ + ψ (w − w̄)``.
"""

from __future__ import annotations

import math
import os
import re
import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np
import torch
from PIL import Image

MAX_SEEDS = 4096  # one grid; a 64×64 grid of 1024² images is already 17 GB of uint8


def parse_seeds(text: str) -> list[int]:
    """``"0-3,7"`` -> ``[0, 1, 2, 3, 7]`` (inclusive ranges, comma-separated, seeds >= 0)."""
    seeds: list[int] = []
    for part in text.split(","):
        match = re.fullmatch(r"\s*(\d+)\s*(?:-\s*(\d+)\s*)?", part)
        if match is None or (match[2] is not None and int(match[2]) < int(match[1])):
            raise ValueError(f"Bad seeds {text!r}: use integers >= 0 and inclusive ranges, e.g. '0-15' or "
                             "'1,5,9-12'.")
        lo = int(match[1])
        hi = lo if match[2] is None else int(match[2])
        if len(seeds) + hi - lo + 1 > MAX_SEEDS:  # checked before the list is built
            raise ValueError(f"Seeds {text!r} ask for more than {MAX_SEEDS} images in one grid: ask for fewer "
                             "(e.g. '0-63'), or call sgan.sample.generate_images in batches.")
        seeds.extend(range(lo, hi + 1))
    return seeds


@torch.no_grad()
def generate_images(G, seeds: Iterable[int], psi: float = 1.0, cutoff: int | None = None,
                    noise: str = "random", resolution: int | None = None, alpha: float = 1.0,
                    device: str | torch.device | None = None) -> torch.Tensor:
    """One image per seed from generator ``G``: ``[len(seeds), 3, r, r]`` in [-1, 1] (clamped), on CPU. Drawn
    on ``device`` (default: G's own, ``sgan.device.device_of``)."""
    from sgan.device import device_of

    device = device_of(G) if device is None else device
    images = []
    for seed in seeds:
        gen = torch.Generator(device="cpu").manual_seed(int(seed))
        z = torch.randn(1, G.cfg.z_dim, generator=gen, device="cpu").to(device)
        noise_spec = G.synthesis.make_noise(1, gen, device) if noise == "random" else noise
        img = G(z, resolution=resolution, alpha=alpha, psi=psi, cutoff=cutoff, noise=noise_spec)
        images.append(img.float().clamp(-1, 1).cpu())
    if not images:
        raise ValueError("generate_images needs at least one seed.")
    return torch.cat(images)


def to_uint8(images: torch.Tensor) -> np.ndarray:
    """``[N, 3, H, W]`` in [-1, 1] -> ``uint8 [N, H, W, 3]`` (x·127.5 + 127.5, rounded)."""
    if images.ndim != 4 or images.shape[1] not in (1, 3):
        raise ValueError(f"Expected images [N, 3, H, W] (or 1 channel), got {tuple(images.shape)}.")
    x = (images.detach().float().cpu() * 127.5 + 127.5).round().clamp(0, 255).to(torch.uint8)
    return x.permute(0, 2, 3, 1).numpy()


def image_grid(images: torch.Tensor, columns: int | None = None, size: int | None = None) -> np.ndarray:
    """Tile ``[N, 3, H, W]`` images in [-1, 1] into one ``uint8 [rows·S, columns·S, 3]`` picture.

    ``columns`` defaults to ⌈√N⌉; ``size`` (S) upscales each image by pixel repetition (an integer factor).
    """
    if size is not None and size != images.shape[-1]:
        if size % images.shape[-1]:
            raise ValueError(f"size={size} must be a multiple of the image size {images.shape[-1]}.")
        images = torch.nn.functional.interpolate(images, size=(size, size), mode="nearest")
    tiles = to_uint8(images)  # [N, H, W, C]
    n, h, w, c = tiles.shape
    columns = columns or math.ceil(math.sqrt(n))
    rows = math.ceil(n / columns)
    grid = np.zeros((rows * h, columns * w, c), dtype=np.uint8)
    for i, tile in enumerate(tiles):
        r, k = divmod(i, columns)
        grid[r * h:(r + 1) * h, k * w:(k + 1) * w] = tile
    return grid[..., 0] if c == 1 else grid


def save_image(array: np.ndarray, path: str | Path) -> Path:
    """Write a ``uint8`` image array as PNG, atomically (temporary file, then ``os.replace``)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)  # swept if orphaned
    os.close(fd)
    try:
        Image.fromarray(array).save(tmp, format="PNG")
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def save_grid(images: torch.Tensor, path: str | Path, columns: int | None = None,
              size: int | None = None) -> Path:
    """``image_grid`` written to ``path`` as PNG."""
    return save_image(image_grid(images, columns, size), path)


def sample_grid(run: str | Path, seeds: Sequence[int], out: str | Path, psi: float = 1.0,
                cutoff: int | None = None, which: str = "ema", device: str | None = None,
                columns: int | None = None) -> Path:
    """Load a run's generator (on ``device``, default the run's: ``sgan.device.run_device()``), draw one image
    per seed and save the grid to ``out``."""
    from sgan.checkpoint import load_generator

    G = load_generator(run, which=which, device=device)
    return save_grid(generate_images(G, seeds, psi=psi, cutoff=cutoff), out, columns)
