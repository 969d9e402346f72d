"""The paper's figures of the generator, and the small, seeded computations behind them.

* style mixing (Figure 3): copy the styles of one scale from source B, the rest from source A; how often a
  judge sees the mixed image's factors come from the source the scale predicts; the disentanglement matrix;
* stochastic variation (Figure 4): one latent, many noise draws, and the per-pixel standard deviation;
* noise by scale (Figure 5): noise in all, no, only fine or only coarse layers;
* the truncation trick (Figure 8): ``w' = w̄ + ψ (w − w̄)`` on the first ``cutoff`` layers;
* interpolation strips in Z (slerp) and W (lerp), as the perceptual path length walks them.

Images and latents come from ``sgan.viz.plots`` (seeded), so a widget shows the same images.
"""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
import torch
from matplotlib.figure import Figure

from sgan.data.synthetic_faces import FACTORS
from sgan.images import image_grid, to_uint8
from sgan.metrics.ppl import slerp  # the PPL's, so the figures walk the path the metric measures
from sgan.mixing import SCALES, style_ranges
from sgan.training.device import device_of
from sgan.truncation import truncate
from sgan.viz.plots import mix_noise, require_styles, seed_latents, seed_noise, seed_ws, synthesize, zero_noise


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
    require_styles(G, "Style mixing")
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
    require_styles(G, "Style mixing")
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
