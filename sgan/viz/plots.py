"""The building blocks of the figures: image grids, and the seeded latents, noise and images they show.

Every function takes a generator (the contract of ``sgan/generator.py``: ``mapping``, ``broadcast``,
``synthesis`` with its ``make_noise``, ``num_layers``, ``layer_resolution``, ``w_avg``) and integer seeds, so a
figure is reproducible and a widget (``sgan/viz/widgets.py``) can show the same images interactively. The
paper's figures of the generator are in ``sgan.viz.figures``; the curves and tables of runs in
``sgan.viz.curves``.

Images are tensors in [-1, 1], ``[N, 3, H, W]``; figures are ``matplotlib.figure.Figure`` objects (closed in
pyplot, so a notebook displays each exactly once when a cell returns it).
"""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
import torch
from matplotlib.figure import Figure

from sgan.images import image_grid, to_png, to_uint8, upscale  # noqa: F401 (to_png, upscale: plots' API)
from sgan.mixing import SCALES, scale_resolutions, style_ranges  # noqa: F401 (plots' names for them)
from sgan.training.device import device_of


# ---------------------------------------------------------------------------------------------------------
# Images
# ---------------------------------------------------------------------------------------------------------
def grid_figure(images: np.ndarray | torch.Tensor, ncols: int | None = None, title: str | None = None,
                width: float = 8.0, labels: Sequence[str] | None = None) -> Figure:
    """A figure showing ``image_grid(images, ncols)`` (``width`` inches wide, pixels drawn as squares: nearest
    neighbour), axes off; ``labels`` (one per image, e.g. its seed) are written in each image's corner."""
    grid = image_grid(images, ncols)
    fig, ax = plt.subplots(figsize=(width, width * grid.shape[0] / grid.shape[1] + (0.3 if title else 0)))
    plt.close(fig)
    ax.imshow(grid, interpolation="nearest")
    ax.set_axis_off()
    if labels is not None:
        n, h = len(images), images.shape[2 if isinstance(images, torch.Tensor) else 1]
        if len(labels) != n:
            raise ValueError(f"grid_figure: {len(labels)} labels for {n} images.")
        cols = n if ncols is None else ncols
        for i, label in enumerate(labels):
            r, c = divmod(i, cols)
            ax.text(c * (h + 1) + 0.5, r * (h + 1) + 0.5, label, fontsize=7, color="white", va="top", ha="left",
                    bbox={"facecolor": "black", "alpha": 0.55, "pad": 1, "lw": 0})
    if title:
        ax.set_title(title, fontsize=9)
    fig.tight_layout()
    return fig


def labelled_rows_figure(rows: dict[str, np.ndarray], width: float = 8.0) -> Figure:
    """One row of images per entry of ``rows`` (``{label: uint8 [N, H, W, 3]}``), the label above it; pixels
    drawn as squares (nearest neighbour)."""
    if not rows:
        raise ValueError("labelled_rows_figure: no rows to draw.")
    grids = {label: image_grid(images) for label, images in rows.items()}
    height = sum(width * g.shape[0] / g.shape[1] + 0.3 for g in grids.values())
    fig, axes = plt.subplots(len(grids), 1, figsize=(width, height), squeeze=False)
    plt.close(fig)
    for ax, (label, grid) in zip(axes[:, 0], grids.items(), strict=True):
        ax.imshow(grid, interpolation="nearest")
        ax.set_axis_off()
        ax.set_title(label, fontsize=9, loc="left")
    fig.tight_layout()
    return fig


# ---------------------------------------------------------------------------------------------------------
# Seeded latents, noise and synthesis
# ---------------------------------------------------------------------------------------------------------
def seed_latents(G: torch.nn.Module, seeds: Sequence[int]) -> torch.Tensor:
    """One latent per seed, ``z [len(seeds), z_dim]`` ~ N(0, I); a seed gives the same z on every device."""
    zs = [torch.randn(1, G.cfg.z_dim, generator=torch.Generator().manual_seed(int(s)), device="cpu") for s in seeds]
    return torch.cat(zs).to(device_of(G))


def seed_noise(G: torch.nn.Module, seed: int, n: int = 1) -> list[torch.Tensor]:
    """Per-layer noise maps ``[n, 1, r, r]`` (r = ``G.layer_resolution(i)``) drawn from one seeded stream."""
    return G.synthesis.make_noise(n, torch.Generator().manual_seed(int(seed)), device_of(G))


def zero_noise(G: torch.nn.Module, n: int = 1) -> list[torch.Tensor]:
    """Per-layer noise maps of zeros: the image without stochastic detail."""
    resolutions = [G.layer_resolution(i) for i in range(G.num_layers)]
    return [torch.zeros(n, 1, r, r, device=device_of(G)) for r in resolutions]


def mix_noise(base: list[torch.Tensor], other: list[torch.Tensor],
              layers: Sequence[int]) -> list[torch.Tensor]:
    """``base`` with the maps of ``layers`` taken from ``other``."""
    chosen = set(layers)
    return [o if i in chosen else b for i, (b, o) in enumerate(zip(base, other, strict=True))]


@torch.no_grad()
def seed_ws(G: torch.nn.Module, seeds: Sequence[int]) -> torch.Tensor:
    """Per-layer latents ``ws [len(seeds), num_layers, w_dim]`` of the seeds' z (mapped, broadcast).

    Each seed is mapped alone, so its w is bit-identical whatever the other seeds (a batched matmul may differ
    in the last bits).
    """
    return torch.cat([G.broadcast(G.mapping(z[None])) for z in seed_latents(G, seeds)])


@torch.no_grad()
def synthesize(G: torch.nn.Module, ws: torch.Tensor, noise: list[torch.Tensor]) -> torch.Tensor:
    """Images ``[N, 3, H, W]`` from ``ws [N, L, w_dim]`` with the given per-layer noise ``[1 or N, 1, r, r]``.

    One image at a time (in eval mode), so an image depends only on its own ws and noise, bit for bit.
    """
    was_training = G.training
    G.eval()
    try:
        return torch.cat([G.synthesis(ws[i:i + 1], noise=[m[i:i + 1] if m.shape[0] > 1 else m for m in noise])
                          for i in range(ws.shape[0])])
    finally:
        G.train(was_training)


def require_styles(G: torch.nn.Module, what: str) -> None:
    if not G.cfg.use_styles:
        raise ValueError(f"{what} needs per-layer styles, but config {G.cfg.name} is a traditional generator "
                         "(use_styles=False): use config C or later.")


def samples(G: torch.nn.Module, seeds: Sequence[int], noise_seed: int = 0) -> torch.Tensor:
    """One image per seed ``[len(seeds), 3, H, W]`` (no truncation, the same seeded noise for all), drawn on G's
    device and returned on the CPU (for figures and numpy)."""
    return synthesize(G, seed_ws(G, seeds), seed_noise(G, noise_seed)).cpu()


def samples_figure(G: torch.nn.Module, seeds: Sequence[int] = tuple(range(16)), ncols: int = 8,
                   title: str | None = None, noise_seed: int = 0) -> Figure:
    """A grid of ``samples(G, seeds)``, each captioned with its seed, titled with the generator's config."""
    seeds = list(seeds)
    title = title or f"config {G.cfg.name}: seeds {seeds[0]}-{seeds[-1]} (each image's seed in its corner)"
    return grid_figure(samples(G, seeds, noise_seed), ncols, title, labels=[str(s) for s in seeds])


