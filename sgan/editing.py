"""Editing along the data's factors, and how disentangled the edits are (beyond the paper; the directions of
InterFaceGAN, Shen et al. 2020, measured with the synthetic faces' known factors).

A **judge** (the domain network, which reads every factor of a face) labels ``n`` generated images. For each
factor k, a least-squares linear read-out from the latent (w, or z for contrast) to the judge's standardised
reading gives a direction

    d_k = β_k / ‖β_k‖,   β_k = argmin_β ‖(L − L̄) β − (y_k − ȳ_k) / s_k‖²

(InterFaceGAN fits a linear SVM to binary labels; a read-out of the soft reading works for every factor). A
factor the judge reads the same in every generated image is *degenerate* (listed, and given no direction).
**Conditional** editing removes from d_k its components along chosen other directions (Gram-Schmidt), so the
edit leaves those factors' read-outs unchanged to first order. An **edit** moves the latent by α·σ_k·d_k, where
σ_k is the latents' spread along d_k, so α counts standard deviations of the population.

**The disentanglement matrix**: edit images along factor k by α = ± ``strength`` and read every factor j before
and after; M[k, j] = mean |Δ reading_j| / s_j (s_j the spread of factor j's reading over the images), so the
diagonal is how far the edit moves its own factor, the off-diagonal how far it drags the others. The score
(lower is more disentangled) is the mean off-diagonal entry over the mean diagonal entry.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

SPACES = ("w", "z")


def judge_readings(net: torch.nn.Module, images: torch.Tensor, batch: int = 256) -> dict[str, torch.Tensor]:
    """The judge's reading of every factor, ``{factor: [N]}`` (``DomainNet.predict``, in batches)."""
    parts = [net.predict(images[i:i + batch]) for i in range(0, len(images), batch)]
    return {k: torch.cat([p[k] for p in parts]) for k in parts[0]}


def _render(G, latents: torch.Tensor, space: str, noise_seed: int) -> torch.Tensor:
    """Images of latents in ``space`` ("w": ``[N, w_dim]`` or ``[N, L, w_dim]``; "z": ``[N, z_dim]``), every image
    with the noise of ``noise_seed`` (so an edit changes the latent only)."""
    gen = torch.Generator().manual_seed(noise_seed)
    n = latents.shape[0]
    noise = [m.expand(n, -1, -1, -1) for m in G.synthesis.make_noise(1, gen, G.w_avg.device)]
    with torch.no_grad():
        ws = G.broadcast(G.mapping(latents)) if space == "z" else (
            latents if latents.ndim == 3 else G.broadcast(latents))
        return G.synthesis(ws, noise=noise).clamp(-1, 1)


def sample_latents(G, n: int, space: str, seed: int = 0) -> torch.Tensor:
    """``n`` latents z ~ N(0, I) of ``seed``, as z or as w = f(z)."""
    if space not in SPACES:
        raise ValueError(f"space={space!r}: choose 'w' or 'z'.")
    z = torch.randn(n, G.cfg.z_dim, generator=torch.Generator().manual_seed(seed), device="cpu").to(G.w_avg.device)
    if space == "z":
        return z
    with torch.no_grad():
        return G.mapping(z)


@dataclass
class FactorDirections:
    """Per factor: a unit ``direction`` in the space, the latents' spread ``sigma`` along it, the read-out's
    R² on the images it was fitted to, and the readings' spread ``reading_std`` (to standardise changes)."""

    space: str
    directions: dict[str, torch.Tensor]
    sigma: dict[str, float]
    r2: dict[str, float]
    reading_std: dict[str, float]
    degenerate: tuple[str, ...] = ()  # factors the judge reads the same in every image: no direction

    def conditional(self, factor: str, remove: tuple[str, ...]) -> torch.Tensor:
        """``factor``'s direction with its components along the ``remove`` factors' directions taken out."""
        basis = []
        for other in remove:
            v = self.directions[other].clone()
            for b in basis:
                v -= (v @ b) * b
            if v.norm() > 1e-8:
                basis.append(v / v.norm())
        d = self.directions[factor].clone()
        for b in basis:
            d -= (d @ b) * b
        if d.norm() < 1e-8:
            raise ValueError(f"{factor!r} lies in the span of {remove}: nothing is left to edit.")
        return d / d.norm()


def factor_directions(G, net: torch.nn.Module, space: str = "w", n: int = 2000, seed: int = 0,
                      noise_seed: int = 0) -> FactorDirections:
    """Fit one direction per factor from ``n`` generated images (see the module docstring)."""
    latents = sample_latents(G, n, space, seed)  # [n, d]
    readings = judge_readings(net, _render(G, latents, space, noise_seed))
    X = (latents - latents.mean(dim=0)).double()  # [n, d]
    out, sigma, r2, spread, degenerate = {}, {}, {}, {}, []
    for name, y in readings.items():
        y = y.double()
        s = float(y.std())
        if s < 1e-4:  # e.g. glasses that no generated face shows: nothing to fit
            degenerate.append(name)
            continue
        target = (y - y.mean()) / s
        beta = torch.linalg.lstsq(X, target.unsqueeze(1)).solution[:, 0]  # [d]
        residual = target - X @ beta
        r2[name] = float(1 - residual.square().mean() / target.square().mean())
        d = (beta / beta.norm()).float()
        out[name] = d
        sigma[name] = float((latents @ d).std())
        spread[name] = s
    return FactorDirections(space, out, sigma, r2, spread, tuple(degenerate))


def edit(latents: torch.Tensor, direction: torch.Tensor, alpha: float, sigma: float,
         layers: range | None = None) -> torch.Tensor:
    """``latents + α σ d``: ``[N, d]``, or ``[N, L, w_dim]`` (W+) where only ``layers`` (default all) move."""
    step = alpha * sigma * direction
    if latents.ndim == 2:
        return latents + step
    out = latents.clone()
    chosen = range(latents.shape[1]) if layers is None else layers
    out[:, list(chosen)] += step
    return out


def scale_layers(G) -> dict[str, range]:
    """Each factor's layers in W+: the styles of its scale (coarse, middle or fine, as the data defines it)."""
    from sgan.data.synthetic_faces import FACTORS
    from sgan.plots import style_ranges

    ranges = style_ranges(G)
    return {f.name: ranges[f.scale] for f in FACTORS}


def disentanglement_matrix(G, net: torch.nn.Module, dirs: FactorDirections, n: int = 256, strength: float = 2.0,
                           seed: int = 1, noise_seed: int = 0, factors: tuple[str, ...] | None = None,
                           w_plus: bool = False) -> tuple[list[str], np.ndarray]:
    """``(factors, M)`` with ``M[k, j]`` the mean |change| of factor j's reading, in units of its spread, when
    ``n`` fresh latents are edited along factor k by α = −strength and +strength (each against the latent).

    ``w_plus`` (W directions only): edit in W+, moving only the styles of factor k's own scale (``scale_layers``:
    pose on the coarse layers, colours on the fine ones), which the per-layer latents of W+ allow."""
    if w_plus and dirs.space != "w":
        raise ValueError("w_plus edits W directions on chosen layers: fit the directions in 'w'.")
    names = list(factors or dirs.directions)
    latents = sample_latents(G, n, dirs.space, seed)
    if w_plus:
        latents = G.broadcast(latents)  # [n, L, w_dim]
    layers = scale_layers(G) if w_plus else {}
    base = judge_readings(net, _render(G, latents, dirs.space, noise_seed))
    M = np.zeros((len(names), len(names)))
    for k, name in enumerate(names):
        for alpha in (-strength, strength):
            moved = edit(latents, dirs.directions[name], alpha, dirs.sigma[name], layers.get(name))
            after = judge_readings(net, _render(G, moved, dirs.space, noise_seed))
            for j, other in enumerate(names):
                M[k, j] += float((after[other] - base[other]).abs().mean()) / max(dirs.reading_std[other], 1e-12) / 2
    return names, M


def disentanglement_score(M: np.ndarray) -> float:
    """Mean off-diagonal entry over mean diagonal entry of a disentanglement matrix (lower: cleaner edits)."""
    k = M.shape[0]
    off = (M.sum() - np.trace(M)) / (k * k - k)
    return float(off / np.diag(M).mean())
