"""The paper's figures as functions, and the small, seeded computations behind them.

Every function takes a generator (the contract of ``sgan/generator.py``: ``mapping``, ``broadcast``,
``synthesis`` with its ``make_noise``, ``num_layers``, ``layer_resolution``, ``w_avg``) and integer seeds, so a
figure is reproducible and a widget (``sgan/viz/widgets.py``) can show the same images interactively:

* style mixing (Figure 3): copy the styles of one scale from source B, the rest from source A;
* stochastic variation (Figure 4): one latent, many noise draws, and the per-pixel standard deviation;
* noise by scale (Figure 5): noise in all, no, only fine or only coarse layers;
* the truncation trick (Figure 8): ``w' = w̄ + ψ (w − w̄)`` on the first ``cutoff`` layers;
* interpolation strips in Z (slerp) and W (lerp), as the perceptual path length walks them;
* training curves from a run's ``log.jsonl``, learning curves (FID per tick) with a band over seeds, and the
  ablation results beside the paper's numbers.

Images are tensors in [-1, 1], ``[N, 3, H, W]``; figures are ``matplotlib.figure.Figure`` objects (closed in
pyplot, so a notebook displays each exactly once when a cell returns it).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import torch
from matplotlib.figure import Figure

from sgan.images import image_grid, to_png, to_uint8, upscale  # noqa: F401 (to_png, upscale: plots' API)
from sgan.metrics.ppl import slerp  # the PPL's, so the figures walk the path the metric measures
from sgan.mixing import SCALES, scale_resolutions, style_ranges  # noqa: F401 (plots' names for them)
from sgan.training.device import device_of
from sgan.training.rundir import RunDir


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


def _require_styles(G: torch.nn.Module, what: str) -> None:
    if not G.cfg.use_styles:
        raise ValueError(f"{what} needs per-layer styles, but config {G.cfg.name} is a traditional generator "
                         "(use_styles=False): use config C or later.")


# ---------------------------------------------------------------------------------------------------------
# Style mixing (Figure 3)
# ---------------------------------------------------------------------------------------------------------
def mix_ws(ws_a: torch.Tensor, ws_b: torch.Tensor, layers: Sequence[int]) -> torch.Tensor:
    """Per-layer latents of A with the styles of ``layers`` copied from B: ``[N, L, w_dim]``."""
    if ws_a.shape != ws_b.shape:
        raise ValueError(f"mix_ws: ws_a {tuple(ws_a.shape)} and ws_b {tuple(ws_b.shape)} differ in shape.")
    out = ws_a.clone()
    idx = list(layers)
    out[:, idx] = ws_b[:, idx]
    return out


def crossover_ws(ws_sources: torch.Tensor, sources: Sequence[int]) -> torch.Tensor:
    """``ws [N, L, D]`` whose layer i comes from source ``sources[i]`` of ``ws_sources [S, N, L, D]``."""
    if len(sources) != ws_sources.shape[2]:
        raise ValueError(f"crossover_ws: {len(sources)} layer sources for {ws_sources.shape[2]} layers.")
    layers = torch.arange(len(sources), device=ws_sources.device)
    return ws_sources[torch.as_tensor(list(sources), device=ws_sources.device), :, layers].permute(1, 0, 2)


def style_mixing_grid(G: torch.nn.Module, seeds_a: Sequence[int], seeds_b: Sequence[int], scale: str,
                      noise_seed: int = 0) -> torch.Tensor:
    """Images ``[len(seeds_b), len(seeds_a), 3, H, W]``: row i, column j has B_i's ``scale`` styles and
    A_j's other styles."""
    _require_styles(G, "Style mixing")
    layers = style_ranges(G)[scale]
    ws_a, ws_b = seed_ws(G, seeds_a), seed_ws(G, seeds_b)
    noise = seed_noise(G, noise_seed)
    rows = [synthesize(G, mix_ws(ws_a, ws_b[i:i + 1].expand_as(ws_a), layers), noise)
            for i in range(len(ws_b))]
    return torch.stack(rows)


def style_mixing_figure(G: torch.nn.Module, seeds_a: Sequence[int] = (1, 2, 3, 4, 5),
                        seeds_b: Sequence[int] = (6, 7), noise_seed: int = 0) -> Figure:
    """The paper's Figure 3: sources A on top, sources B on the left, one block of rows per scale."""
    ranges = style_ranges(G)
    rows = [(f"{scale}\nfrom B", i, style_mixing_grid(G, seeds_a, seeds_b, scale, noise_seed))
            for scale in SCALES for i in range(len(seeds_b))]
    img_a = to_uint8(synthesize(G, seed_ws(G, seeds_a), seed_noise(G, noise_seed)))
    img_b = to_uint8(synthesize(G, seed_ws(G, seeds_b), seed_noise(G, noise_seed)))
    nrows, ncols = 1 + len(rows), 1 + len(seeds_a)
    fig, axes = plt.subplots(nrows, ncols, figsize=(1.6 * ncols, 1.6 * nrows), squeeze=False)
    plt.close(fig)
    for ax in axes.flat:
        ax.set_axis_off()
    for j, img in enumerate(img_a):
        axes[0, j + 1].imshow(img, interpolation="nearest")
        axes[0, j + 1].set_title(f"A: seed {seeds_a[j]}", fontsize=10)
    for r, (label, i, grid) in enumerate(rows, start=1):
        axes[r, 0].imshow(img_b[i], interpolation="nearest")
        scale = label.split("\n")[0]
        layers = ranges[scale]
        axes[r, 0].set_title(f"B{seeds_b[i]}: {scale}\nlayers {layers.start}-{layers.stop - 1}", fontsize=9)
        for j, img in enumerate(to_uint8(grid[i])):
            axes[r, j + 1].imshow(img, interpolation="nearest")
    fig.suptitle("Style mixing: the styles of one scale copied from B, the rest from A", fontsize=11)
    fig.tight_layout()
    return fig


@torch.no_grad()
def style_mixing_agreement(G: torch.nn.Module, net: torch.nn.Module, num_pairs: int = 64, seed: int = 0,
                           noise_seed: int = 0, min_gap: float = 0.1, per_factor: bool = False
                           ) -> dict[str, dict[str, float]]:
    """How much of source B's factors a style-mixed image inherits, by copied scale and factor scale.

    For pairs (A_i, B_i) of seeds ``seed + 2i``, ``seed + 2i + 1`` and each style scale s, the image ``m``
    with B's styles of scale s and A's others is compared with A and B through the factors that
    ``net.predict`` reads (the domain network of ``sgan.metrics``). Per factor, the share of B in m is

        t = (f(m) − f(A)) · (f(B) − f(A)) / (f(B) − f(A))²      (0: like A, 1: like B)

    over the pairs where A and B differ by at least ``min_gap`` of the factor's range (clipped to [-1, 2]).
    Returns ``{copied scale: {factor scale: mean t}}``, factor scales from ``sgan.data.synthetic_faces``
    (``per_factor``: ``{copied scale: {factor name: mean t}}``, e.g. to see which styles carry the glasses).
    """
    from sgan.data.synthetic_faces import FACTORS

    _require_styles(G, "Style mixing")
    seeds_a = [seed + 2 * i for i in range(num_pairs)]
    seeds_b = [seed + 2 * i + 1 for i in range(num_pairs)]
    ws_a, ws_b = seed_ws(G, seeds_a), seed_ws(G, seeds_b)
    noise = seed_noise(G, noise_seed)
    device = next(net.parameters()).device

    def factors_of(ws: torch.Tensor) -> dict[str, torch.Tensor]:
        return {k: v.cpu() for k, v in net.predict(synthesize(G, ws, noise).to(device)).items()}

    pred = factors_of(torch.cat([ws_a, ws_b]))
    out: dict[str, dict[str, float]] = {}
    for copied, layers in style_ranges(G).items():
        mixed = factors_of(mix_ws(ws_a, ws_b, layers))
        shares: dict[str, list[torch.Tensor]] = {scale: [] for scale in SCALES}
        factor_shares: dict[str, float] = {}
        for f in FACTORS:
            if f.name not in pred:
                continue
            a, b, m = pred[f.name][:num_pairs], pred[f.name][num_pairs:], mixed[f.name]
            gap = b - a
            keep = gap.abs() >= min_gap * (f.high - f.low)
            t = ((m - a) * gap / gap.square().clamp_min(1e-12)).clamp(-1, 2)
            shares[f.scale].append(t[keep])
            factor_shares[f.name] = float(t[keep].mean()) if keep.any() else float("nan")
        if per_factor:
            out[copied] = factor_shares
            continue
        out[copied] = {scale: float(torch.cat(v).mean()) if v and torch.cat(v).numel() else float("nan")
                       for scale, v in shares.items()}
    return out


def agreement_figure(agreement: dict[str, dict[str, float]]) -> Figure:
    """A heat map of ``style_mixing_agreement``: rows = styles copied from B, columns = factor scale."""
    grid = np.array([[agreement[c][f] for f in SCALES] for c in SCALES])
    fig, ax = plt.subplots(figsize=(3.8, 3.2))
    plt.close(fig)
    im = ax.imshow(grid, cmap="viridis", vmin=0, vmax=1)
    ax.set_xticks(range(3), [f"{s}\nfactors" for s in SCALES], fontsize=8)
    ax.set_yticks(range(3), [f"{s} styles\nfrom B" for s in SCALES], fontsize=8)
    for i in range(3):
        for j in range(3):
            ax.text(j, i, f"{grid[i, j]:.2f}", ha="center", va="center", color="w", fontsize=9)
    ax.set_title("share of B in the mixed image's factors", fontsize=9)
    fig.colorbar(im, ax=ax, fraction=0.046)
    fig.tight_layout()
    return fig


def disentanglement_figure(names: Sequence[str], M: np.ndarray, title: str = "") -> Figure:
    """A heat map of a disentanglement matrix (``sgan.editing``): rows = the factor edited, columns = the
    factor read; each entry the mean |change| of the reading per population std of edit, in units of the
    data's spread of that factor (a degenerate factor's row is zero: G cannot edit it)."""
    fig, ax = plt.subplots(figsize=(7.5, 6.5))
    plt.close(fig)
    im = ax.imshow(M, cmap="magma", vmin=0)
    ax.set_xticks(range(len(names)), names, rotation=90, fontsize=7)
    ax.set_yticks(range(len(names)), names, fontsize=7)
    ax.set(xlabel="factor read by the judge", ylabel="factor edited")
    ax.set_title(title or "|change| of each factor's reading (in the data's spread) per edit", fontsize=9)
    fig.colorbar(im, ax=ax, fraction=0.046, label="mean |Δ reading| / (α · the data's spread)")
    fig.tight_layout()
    return fig


# ---------------------------------------------------------------------------------------------------------
# Noise: stochastic variation (Figure 4) and noise by scale (Figure 5)
# ---------------------------------------------------------------------------------------------------------
def stochastic_variation(G: torch.nn.Module, seed: int, num_draws: int = 100, noise_seed: int = 0,
                         layers: Sequence[int] | None = None) -> tuple[torch.Tensor, np.ndarray]:
    """One latent, ``num_draws`` noise draws: images ``[num_draws, 3, H, W]``, per-pixel std ``[H, W]``.

    ``layers`` (default all) are the layers whose noise is redrawn; the others keep ``noise_seed``'s draw.
    The std is taken over the draws and averaged over the colour channels, in [-1, 1] image units.
    """
    ws = seed_ws(G, [seed])
    base = seed_noise(G, noise_seed)
    layers = range(G.num_layers) if layers is None else layers
    images = torch.cat([synthesize(G, ws, mix_noise(base, seed_noise(G, noise_seed + 1 + k), layers))
                        for k in range(num_draws)])
    std = images.float().clamp(-1, 1).std(dim=0).mean(dim=0)  # [H, W]
    return images, std.cpu().numpy()


def stochastic_variation_figure(G: torch.nn.Module, seed: int = 0, num_draws: int = 100,
                                noise_seed: int = 0) -> Figure:
    """The paper's Figure 4: four noise draws of one latent and the std of each pixel over the draws."""
    images, std = stochastic_variation(G, seed, num_draws, noise_seed)
    shown = to_uint8(images[:4])
    fig, axes = plt.subplots(1, len(shown) + 1, figsize=(1.8 * (len(shown) + 1), 2.2))
    plt.close(fig)
    for k, ax in enumerate(axes[:-1]):
        ax.imshow(shown[k], interpolation="nearest")
        ax.set_title(f"noise draw {k}", fontsize=8)
    im = axes[-1].imshow(std, cmap="magma")
    axes[-1].set_title(f"per-pixel std ({num_draws} draws)", fontsize=8)
    fig.colorbar(im, ax=axes[-1], fraction=0.046)
    for ax in axes:
        ax.set_axis_off()
    fig.suptitle(f"Stochastic variation: seed {seed}, same w, different noise", fontsize=9)
    fig.tight_layout()
    return fig


def noise_by_scale(G: torch.nn.Module, seed: int, noise_seed: int = 0) -> dict[str, torch.Tensor]:
    """Figure 5's four images of one latent: noise in all layers, none, only the fine or only the coarse ones.

    "fine" are the layers of the fine styles, "coarse" those of the coarse and middle styles (the paper's
    4²–32²); the other layers get zero noise. Returns images ``[1, 3, H, W]`` by name.
    """
    ranges = style_ranges(G)
    ws = seed_ws(G, [seed])
    noise, zeros = seed_noise(G, noise_seed), zero_noise(G)
    coarse = [*ranges["coarse"], *ranges["middle"]]
    return {
        "all": synthesize(G, ws, noise),
        "none": synthesize(G, ws, zeros),
        "fine": synthesize(G, ws, mix_noise(zeros, noise, ranges["fine"])),
        "coarse": synthesize(G, ws, mix_noise(zeros, noise, coarse)),
    }


def noise_by_scale_figure(G: torch.nn.Module, seed: int = 0, noise_seed: int = 0) -> Figure:
    images = noise_by_scale(G, seed, noise_seed)
    titles = {"all": "(a) noise in all layers", "none": "(b) no noise",
              "fine": "(c) noise in fine layers only", "coarse": "(d) noise in coarse layers only"}
    fig, axes = plt.subplots(1, 4, figsize=(8, 2.3))
    plt.close(fig)
    for ax, (name, img) in zip(axes, images.items(), strict=True):
        ax.imshow(to_uint8(img)[0], interpolation="nearest")
        ax.set_title(titles[name], fontsize=8)
        ax.set_axis_off()
    fig.tight_layout()
    return fig


# ---------------------------------------------------------------------------------------------------------
# Truncation (Figure 8) and interpolation
# ---------------------------------------------------------------------------------------------------------
@torch.no_grad()
def truncation_sweep(G: torch.nn.Module, seeds: Sequence[int], psis: Sequence[float],
                     cutoff: int | None = None, noise_seed: int = 0) -> torch.Tensor:
    """Images ``[len(psis), len(seeds), 3, H, W]`` with ``w' = w̄ + ψ (w − w̄)`` on layers ``[0, cutoff)``.

    ``cutoff=None`` truncates every layer (the paper's Figure 8). The same noise is used for every image.
    """
    from sgan.truncation import truncate

    ws = seed_ws(G, seeds)
    noise = seed_noise(G, noise_seed)
    cutoff = G.num_layers if cutoff is None else cutoff
    return torch.stack([synthesize(G, truncate(ws, G.w_avg, psi, cutoff), noise) for psi in psis])


def truncation_figure(G: torch.nn.Module, seeds: Sequence[int] = (1, 2, 3, 4),
                      psis: Sequence[float] = (1.0, 0.7, 0.5, 0.0, -0.5, -1.0), cutoff: int | None = None,
                      noise_seed: int = 0) -> Figure:
    """The paper's Figure 8: one row per seed, one column per ψ; ψ = 0 is the "average face" w̄."""
    images = truncation_sweep(G, seeds, psis, cutoff, noise_seed)  # [P, S, 3, H, W]
    fig, axes = plt.subplots(len(seeds), len(psis), figsize=(1.4 * len(psis), 1.4 * len(seeds)),
                             squeeze=False)
    plt.close(fig)
    for p, psi in enumerate(psis):
        for s in range(len(seeds)):
            axes[s, p].imshow(to_uint8(images[p, s:s + 1])[0], interpolation="nearest")
            axes[s, p].set_axis_off()
        axes[0, p].set_title(f"ψ = {psi:g}", fontsize=8)
    fig.suptitle("Truncation in W: w' = w̄ + ψ (w − w̄)", fontsize=9)
    fig.tight_layout()
    return fig


@torch.no_grad()
def interpolate(G: torch.nn.Module, seed_a: int, seed_b: int, ts: Sequence[float], space: str = "w",
                noise_seed: int = 0) -> torch.Tensor:
    """Images ``[len(ts), 3, H, W]`` (on the CPU) along the path from seed A to seed B, slerp in Z or lerp in W.

    The same noise for every image, so only the latent moves.
    """
    if space not in ("z", "w"):
        raise ValueError(f"space={space!r}: choose 'z' (slerp of normalised z) or 'w' (lerp of w).")
    t = torch.as_tensor(list(ts), dtype=torch.float32, device="cpu").reshape(-1, 1)
    if space == "z":
        z = seed_latents(G, [seed_a, seed_b]).cpu()
        path = slerp(z[:1].expand(len(t), -1), z[1:].expand(len(t), -1), t).to(device_of(G))
        w = torch.cat([G.mapping(zt[None]) for zt in path])  # one at a time: bit-stable per t
    else:
        w0, w1 = seed_ws(G, [seed_a, seed_b])[:, 0].cpu().chunk(2)
        w = torch.lerp(w0.expand(len(t), -1), w1.expand(len(t), -1), t).to(device_of(G))
    return synthesize(G, G.broadcast(w), seed_noise(G, noise_seed)).cpu()


def interpolation_figure(G: torch.nn.Module, seed_a: int = 1, seed_b: int = 2, steps: int = 9,
                         noise_seed: int = 0) -> Figure:
    """Two strips between the same endpoints: slerp in Z (top) and lerp in W (bottom)."""
    ts = np.linspace(0, 1, steps).tolist()
    fig, axes = plt.subplots(2, 1, figsize=(1.1 * steps, 2.8))
    plt.close(fig)
    for ax, space in zip(axes, ("z", "w"), strict=True):
        ax.imshow(image_grid(interpolate(G, seed_a, seed_b, ts, space, noise_seed)), interpolation="nearest")
        ax.set_title(f"interpolation in {space.upper()} ({'slerp' if space == 'z' else 'lerp'})", fontsize=8)
        ax.set_axis_off()
    fig.tight_layout()
    return fig


# ---------------------------------------------------------------------------------------------------------
# Runs and results
# ---------------------------------------------------------------------------------------------------------
def read_log(run_dir: str | Path) -> list[dict]:
    """The records of a run's ``log.jsonl`` (one JSON object per line; ``sgan.training.rundir.RunDir.log``)."""
    return RunDir(run_dir).log()


def training_curves(run_dir: str | Path, keys: Sequence[str] | None = None, x: str = "kimg") -> Figure:
    """Plot the numeric fields of a run's log against ``x`` (default: every field but x, one panel each)."""
    records = [r for r in read_log(run_dir) if x in r]
    if not records:
        raise ValueError(f"{run_dir}/log.jsonl has no records with {x!r}.")
    numeric = [k for k, v in records[-1].items()
               if k != x and isinstance(v, int | float) and not isinstance(v, bool)]
    keys = list(keys) if keys is not None else numeric
    fig, axes = plt.subplots(1, len(keys), figsize=(3 * len(keys), 2.5), squeeze=False)
    plt.close(fig)
    for ax, key in zip(axes[0], keys, strict=True):
        pts = [(r[x], r[key]) for r in records if isinstance(r.get(key), int | float)]
        ax.plot([p[0] for p in pts], [p[1] for p in pts], marker=".")
        ax.set_xlabel(x)
        ax.set_title(key, fontsize=9)
    fig.tight_layout()
    return fig


def fid_curve(run_dir: str | Path) -> dict[str, np.ndarray]:
    """A run's learning curve from its log: ``{"kimg", "minutes", "fid"}`` arrays, one entry per tick that
    measured FID (``TrainConfig.tick_fid_samples`` > 0); ``minutes`` is training time without the FIDs."""
    rows = [r for r in read_log(run_dir) if "fid" in r]
    if not rows:
        raise ValueError(f"{run_dir}/log.jsonl has no FID: train with tick_fid_samples > 0 for a learning curve.")
    return {"kimg": np.array([r["kimg"] for r in rows], dtype=float),
            "minutes": np.array([r["time"] / 60 for r in rows], dtype=float),
            "fid": np.array([r["fid"] for r in rows], dtype=float)}


def curve_band(run_dirs: Sequence[str | Path]) -> dict[str, np.ndarray]:
    """Several runs of one recipe (seeds) as one curve: per tick the mean FID and its sample standard
    deviation (0 for a single run), and the mean kimg and minutes; runs are cut to the shortest."""
    curves = [fid_curve(d) for d in run_dirs]
    if not curves:
        raise ValueError("curve_band needs at least one run directory.")
    n = min(len(c["fid"]) for c in curves)
    stack = {k: np.stack([c[k][:n] for c in curves]) for k in ("kimg", "minutes", "fid")}
    std = stack["fid"].std(axis=0, ddof=1) if len(curves) > 1 else np.zeros(n)
    return {"kimg": stack["kimg"].mean(0), "minutes": stack["minutes"].mean(0), "fid": stack["fid"].mean(0),
            "std": std, "runs": stack["fid"], "runs_kimg": stack["kimg"], "runs_minutes": stack["minutes"]}


def learning_curves_figure(groups: dict[str, Sequence[str | Path]], title: str | None = None,
                           log_y: bool = True, target: float | None = None) -> Figure:
    """FID against thousands of images (left) and against training minutes (right), one colour per group.

    ``groups`` maps a label to the run directories of its seeds: the thick line is their mean, the band ± one
    standard deviation over seeds, the thin lines the single runs. The paper reports the lowest point of each
    curve (the best FID seen during training). ``target``: a FID to reach, drawn as a dashed black line."""
    if not groups:
        raise ValueError("learning_curves_figure needs at least one group of runs.")
    # many groups or long labels: the legend goes under the plots, not over the curves
    below = len(groups) > 6 or max(len(label) for label in groups) > 40
    legend_in = (math.ceil((len(groups) + (target is not None)) / 2) * 0.19 + 0.15) if below else 0.0  # inches
    fig, axes = plt.subplots(1, 2, figsize=(11, 3.8 + legend_in), sharey=True)
    plt.close(fig)
    metric = None
    for i, (label, dirs) in enumerate(groups.items()):
        band = curve_band(dirs)
        metric = metric or read_log(dirs[0])[-1].get("fid_metric", "FID")
        color, style = f"C{i % 10}", ("-", "--", ":")[(i // 10) % 3]
        for ax, x, runs_x in ((axes[0], band["kimg"], band["runs_kimg"]),
                              (axes[1], band["minutes"], band["runs_minutes"])):
            if len(band["runs"]) > 1:
                for rx, ry in zip(runs_x, band["runs"], strict=True):
                    ax.plot(rx, ry, color=color, lw=0.6, alpha=0.35)
                ax.fill_between(x, band["fid"] - band["std"], band["fid"] + band["std"], color=color, alpha=0.15,
                                lw=0)
            ax.plot(x, band["fid"], color=color, ls=style, lw=1.8, marker=".", ms=3,
                    label=f"{label} (n={len(band['runs'])})")
    if target is not None:
        for ax in axes:
            ax.axhline(target, color="black", ls="--", lw=1, label=f"target: {metric} {target:g}")
    axes[0].set_xlabel("thousands of real images shown (kimg)")
    axes[1].set_xlabel("training minutes (one core; FID measurements excluded)")
    axes[0].set_ylabel(f"{metric} (lower is better)")
    for ax in axes:
        if log_y:
            ax.set_yscale("log")
        ax.grid(True, which="both", alpha=0.3)
    if title:
        fig.suptitle(title, fontsize=10)
    if below:
        handles, labels = axes[1].get_legend_handles_labels()
        fig.tight_layout(rect=(0, legend_in / (3.8 + legend_in), 1, 1))
        fig.legend(handles, labels, fontsize=8, loc="lower center", ncol=2, frameon=False)
    else:
        axes[1].legend(fontsize=8, loc="upper right")
        fig.tight_layout()
    return fig


def spectra_figure(spectra: dict[str, dict[str, Sequence[float]]]) -> Figure:
    """Left: the radially averaged power spectrum of each group's generated images (``"fake"``) beside the
    data's (``"real"``, black); right: the spectrum of each group's D input gradient (``"grad"``), normalised
    to sum 1, i.e. which frequencies D's score reacts to. The shaded band is the upper octave f ≥ H/4."""
    if not spectra:
        raise ValueError("spectra_figure needs at least one group's spectra (sgan.studies.spectrum.run_spectra).")
    fig, axes = plt.subplots(1, 2, figsize=(11, 3.6))
    plt.close(fig)
    first = next(iter(spectra.values()))
    f = np.arange(len(first["real"]))
    for ax in axes:
        ax.axvspan((len(f) - 1) / 2, len(f) - 1, color="0.9", lw=0)
        ax.set_yscale("log")
        ax.set_xlabel("frequency (cycles per image)")
        ax.grid(True, which="both", alpha=0.3)
    axes[0].plot(f[1:], np.asarray(first["real"])[1:], color="black", lw=2, label="data")
    for i, (label, s) in enumerate(spectra.items()):
        axes[0].plot(f[1:], np.asarray(s["fake"])[1:], color=f"C{i % 10}", label=label)
        grad = np.asarray(s["grad"])
        axes[1].plot(f[1:], grad[1:] / grad[1:].sum(), color=f"C{i % 10}", label=label)
    axes[0].set(title="power of the images: G (colours) and the data (black)", ylabel="power")
    axes[1].set(title="what D reacts to: power of ∇ₓD(x) at real images", ylabel="share of power")
    axes[0].legend(fontsize=7)
    fig.tight_layout()
    return fig


def mixing_table_figure(rows: Sequence[dict], metric: str = "FID") -> Figure:
    """Table 2 as lines: FID against the number of latents mixed at test time, one line per share of training
    images mixed (``sgan.studies.reference_tables.table2`` rows), error bars ± one std over seeds; right, the
    paper's."""
    if not rows:
        raise ValueError("mixing_table_figure needs Table 2's rows (sgan.studies.reference_tables.table2).")
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.6))
    plt.close(fig)
    ks = [1, 2, 3, 4]
    for i, row in enumerate(rows):
        mean = [row[f"fid_mix{k}"]["mean"] for k in ks]
        std = [0.0 if math.isnan(row[f"fid_mix{k}"]["std"]) else row[f"fid_mix{k}"]["std"] for k in ks]
        axes[0].errorbar(ks, mean, yerr=std, color=f"C{i}", marker="o", capsize=3, label=row["mixing"])
        axes[1].plot(ks, [row["paper"][k] for k in ks], color=f"C{i}", marker="o", label=row["mixing"])
    axes[0].set(title=f"here: {metric}, mean ± std over seeds", ylabel=metric)
    axes[1].set(title="the paper (FFHQ, FID 50k)", ylabel="FID")
    for ax in axes:
        ax.set(xlabel="latents mixed at test time", xticks=ks)
        ax.grid(True, alpha=0.3)
        ax.legend(title="mixed in training", fontsize=8)
    fig.tight_layout()
    return fig


def reference_bands_figure(rows: Sequence[dict], metric: str = "FID") -> Figure:
    """The learner's run (dots) inside the reference runs' bands (mean ± 1 and ± 2 std over seeds) per config,
    from ``sgan.studies.reference_tables.compare_to_reference`` rows."""
    if not rows:
        raise ValueError("reference_bands_figure needs rows of sgan.studies.reference_tables.compare_to_reference.")
    fig, ax = plt.subplots(figsize=(1.1 * len(rows) + 2.5, 3.4))
    plt.close(fig)
    x = np.arange(len(rows))
    mean = np.array([r["reference_mean"] for r in rows])
    std = np.nan_to_num(np.array([r["reference_std"] for r in rows]))
    ax.bar(x, 4 * std, bottom=mean - 2 * std, width=0.5, color="tab:blue", alpha=0.15, label="reference ± 2 std")
    ax.bar(x, 2 * std, bottom=mean - std, width=0.5, color="tab:blue", alpha=0.3, label="reference ± 1 std")
    ax.hlines(mean, x - 0.25, x + 0.25, color="tab:blue", lw=2, label="reference mean")
    ax.plot(x, [r["yours"] for r in rows], "o", color="tab:red", ms=8, label="your run")
    ax.set_xticks(x, [r["config"] for r in rows])
    ax.set(ylabel=metric, title=f"your run against the reference runs ({rows[0]['reference_seeds']} seeds)")
    ax.grid(True, axis="y", alpha=0.3)
    ax.legend(fontsize=8, loc="center left", bbox_to_anchor=(1.0, 0.5))
    fig.tight_layout()
    return fig


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


def latest_grid(run_dir: str | Path) -> np.ndarray:
    """The last fixed-latent grid a run wrote (``grids/tick-*.png``) as uint8 ``[H, W, 3]``."""
    from PIL import Image

    grids = RunDir(run_dir).tick_grids()
    if not grids:
        raise FileNotFoundError(f"{RunDir(run_dir).grids_dir} holds no tick-*.png: has this run trained a tick "
                                "yet?")
    return np.asarray(Image.open(grids[-1]).convert("RGB"))


def run_figure(run_dir: str | Path, keys: Sequence[str] = ("loss_D", "loss_G", "resolution")) -> Figure:
    """A run at a glance: its last grid of fixed latents and its training curves."""
    records = read_log(run_dir)
    fig, axes = plt.subplots(1, 1 + len(keys), figsize=(3.2 * (1 + len(keys)), 3.0), squeeze=False)
    plt.close(fig)
    axes[0, 0].imshow(latest_grid(run_dir), interpolation="nearest")
    axes[0, 0].set_title(f"{Path(run_dir).name}: grid at {records[-1].get('kimg', 0):g} kimg", fontsize=9)
    axes[0, 0].set_axis_off()
    for ax, key in zip(axes[0, 1:], keys, strict=True):
        pts = [(r["kimg"], r[key]) for r in records if isinstance(r.get(key), int | float)]
        ax.plot([p[0] for p in pts], [p[1] for p in pts], marker=".")
        ax.set_xlabel("kimg")
        ax.set_title(key, fontsize=9)
    fig.tight_layout()
    return fig


def results_figure(rows: Sequence[dict], metric: str, paper: dict[str, float] | None = None,
                   label: str = "ours") -> Figure:
    """Bars of ``metric`` per config (``rows`` of ``sgan.studies.ablation`` results), the paper's numbers beside them.

    The two sets are on separate axes: our small models are not on the paper's scale, only the order compares.
    """
    configs = [r["config"] for r in rows]
    ours = [r["metrics"].get(metric, float("nan")) for r in rows]
    ncols = 2 if paper else 1
    fig, axes = plt.subplots(1, ncols, figsize=(3.5 * ncols, 2.6), squeeze=False)
    plt.close(fig)
    axes[0, 0].bar(configs, ours, color="tab:blue")
    axes[0, 0].set_title(f"{metric} ({label})", fontsize=9)
    if paper:
        keys = [c for c in configs if c in paper]
        axes[0, 1].bar(keys, [paper[c] for c in keys], color="tab:gray")
        axes[0, 1].set_title("the paper (FFHQ)", fontsize=9)
    fig.tight_layout()
    return fig


def z_vs_w_figure(values_z: dict[str, float], values_w: dict[str, float], ylabel: str,
                  labels: tuple[str, str] = ("Z", "W")) -> Figure:
    """Paired bars per name: a quantity measured from Z (left bar) and from W (right bar), e.g. the per-attribute
    conditional entropies of separability or the held-out R² of the linear probes. Names are those of
    ``values_w`` (in order) that have a value in both."""
    names = [k for k in values_w if values_z.get(k) is not None and values_w[k] is not None]
    x = np.arange(len(names))
    fig, ax = plt.subplots(figsize=(8, 2.5))
    plt.close(fig)
    for offset, values, label in ((-0.2, values_z, labels[0]), (0.2, values_w, labels[1])):
        ax.bar(x + offset, [values[k] for k in names], 0.4, label=label)
    ax.set_xticks(x, names, rotation=30, fontsize=8)
    ax.set_ylabel(ylabel)
    ax.legend()
    fig.tight_layout()
    return fig
