"""Sampling a trained generator: images from seeds, and image grids saved as PNG.

A seed fixes everything about one image: its latent ``z ~ N(0, I)`` and its noise inputs are drawn from a
``torch.Generator`` seeded with it, so ``seed 7`` gives the same picture alone or in a batch. Truncation
(``psi < 1``, layers before ``cutoff``) pulls w towards the tracked w̄: ``w' = w̄ + ψ (w − w̄)``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from pathlib import Path

import torch

from sgan.images import image_grid, save_image
from sgan.training.device import device_of

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
    on ``device`` (default: G's own, ``sgan.training.device.device_of``)."""
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


def save_grid(images: torch.Tensor, path: str | Path, columns: int | None = None,
              size: int | None = None) -> Path:
    """Tile ``[N, 3, H, W]`` images in [-1, 1] edge to edge, ``columns`` wide (default ⌈√N⌉), each enlarged to
    ``size`` pixels by repetition (an integer factor), and write the grid to ``path`` as PNG."""
    if size is not None and size != images.shape[-1]:
        if size % images.shape[-1]:
            raise ValueError(f"size={size} must be a multiple of the image size {images.shape[-1]}.")
        images = torch.nn.functional.interpolate(images, size=(size, size), mode="nearest")
    columns = columns or math.ceil(math.sqrt(len(images)))
    return save_image(image_grid(images, columns, pad=0), path)
