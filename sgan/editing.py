"""Editing along the data's factors, and how disentangled the edits are (beyond the paper; the directions of
InterFaceGAN, Shen et al. 2020, measured with the synthetic faces' known factors).

A **judge** (the domain network, which reads every factor of a face) labels ``n`` generated images. For each
factor k, a least-squares linear read-out from the latent (w, or z for contrast) to the judge's standardised
reading, fitted on the first 75 % of the images, gives a direction

    d_k = β_k / ‖β_k‖,   β_k = argmin_β ‖(L − L̄) β − (y_k − ȳ_k) / s_k‖²

and its R² is measured on the other 25 %, which the fit never saw (as InterFaceGAN validates on a held-out
split). Departure: InterFaceGAN fits a linear SVM to binary labels; a read-out of the soft reading works for
every factor, continuous ones too.

**Degenerate**: one rule, here and in notebook 10 (``degenerate_factors``), relative to the data: a factor is
degenerate for a generator when the judge's readings of its images spread less than ``DEGENERATE_BELOW`` (a
quarter) of their spread over real faces (``data_reading_spread``). For a binary factor drawn half of the time
in the data (spread 0.5), that is a generator drawing it in under about 1.6 % or over 98.4 % of its images.
A degenerate factor gets no direction.

**Conditional** editing removes from d_k its components along chosen other directions (Gram-Schmidt), so the
edit leaves those factors' read-outs unchanged to first order. An **edit** moves the latent by α·σ·d, where σ
is the latents' spread along d itself (``FactorDirections.sigma_along``; for a conditional direction too), so
α counts standard deviations of the population.

**The disentanglement matrix**, over every factor the judge reads (the same set for every generator): edit
images along factor k by α = ± ``strength`` and read every factor j before and after;

    M[k, j] = mean |Δ reading_j| / (strength · s_j^data)

with s_j^data the spread of factor j's reading over real faces: how far one population std of edit k moves
factor j, in the data's units, the same units for every generator. A degenerate factor's row is zero (no
direction: G cannot edit it). The **score** (lower is more disentangled, in [0, 1]) is the mean over edits k
of how the edit moves a typical other factor against its own,

    leak_k = m̄_k / (M[k, k] + m̄_k),   m̄_k = mean_{j ≠ k} M[k, j],

0 for a clean edit, ½ when the average other factor moves as much as the edited one; an edit that moves
nothing (a degenerate factor's) scores 1, so a factor that a generator fails to vary counts against it. (The
mean over other factors, not their sum, keeps the score's scale from growing with the number of factors.)
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import torch

from sgan.data.synthetic_faces import FACTORS, render, sample_factors
from sgan.mixing import style_ranges

SPACES = ("w", "z")
DEGENERATE_BELOW = 0.25  # a factor is degenerate when G's readings spread < this fraction of the data's
HOLDOUT = 0.25  # the share of the generated images that the directions' R² is measured on
DATA_START_INDEX = 20_000_000  # real faces for the data's spreads: far past any training set's indices


def judge_readings(net: torch.nn.Module, images: torch.Tensor, batch: int = 256) -> dict[str, torch.Tensor]:
    """The judge's reading of every factor, ``{factor: [N]}`` (``DomainNet.predict``, in batches)."""
    parts = [net.predict(images[i:i + batch]) for i in range(0, len(images), batch)]
    return {k: torch.cat([p[k] for p in parts]) for k in parts[0]}


def data_reading_spread(net: torch.nn.Module, resolution: int, n: int = 1000, seed: int = 0) -> dict[str, float]:
    """``{factor: s^data}``: the standard deviation of the judge's reading of each factor over ``n`` real
    synthetic faces at ``resolution`` (drawn with the data set's recipe at indices past any training set)."""
    if n < 2:
        raise ValueError(f"data_reading_spread needs at least 2 faces, got n={n}.")
    faces = render(sample_factors(n, seed=seed, start_index=DATA_START_INDEX), resolution, seed=seed,
                   start_index=DATA_START_INDEX)
    device = next(net.parameters()).device
    readings = judge_readings(net, torch.from_numpy(faces).to(device).float() / 127.5 - 1)
    return {k: float(v.double().std()) for k, v in readings.items()}


def spread_ratios(readings: dict[str, torch.Tensor], data_std: dict[str, float]) -> dict[str, float]:
    """``{factor: s^G / s^data}``: how much a generator varies each factor (the spread of the judge's
    ``readings`` of its images) relative to the data (``data_std``, from ``data_reading_spread``)."""
    missing = [k for k in readings if k not in data_std]
    if missing:
        raise ValueError(f"no data spread for {missing}: pass data_std with every factor the judge reads "
                         "(sgan.editing.data_reading_spread).")
    flat = [k for k in readings if not data_std[k] > 0]
    if flat:
        raise ValueError(f"the data's readings of {flat} do not vary (spread {[data_std[k] for k in flat]}): "
                         "measure the data's spread on more faces, or leave those factors out.")
    return {k: float(v.double().std()) / data_std[k] for k, v in readings.items()}


def degenerate_factors(readings: dict[str, torch.Tensor], data_std: dict[str, float],
                       below: float = DEGENERATE_BELOW) -> tuple[str, ...]:
    """The factors a generator (almost) does not vary: ``s^G / s^data < below`` (see ``spread_ratios``). The one
    rule of ``factor_directions``, the disentanglement matrix and notebook 10."""
    return tuple(k for k, ratio in spread_ratios(readings, data_std).items() if ratio < below)


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


def generated_readings(G, net: torch.nn.Module, n: int = 1000, seed: int = 0, noise_seed: int = 0,
                       space: str = "z") -> dict[str, torch.Tensor]:
    """The judge's reading of every factor over ``n`` images of ``G`` (z ~ N(0, I) of ``seed``, the noise of
    ``noise_seed``): what ``degenerate_factors`` compares with the data."""
    return judge_readings(net, _render(G, sample_latents(G, n, space, seed), space, noise_seed))


@dataclass
class FactorDirections:
    """Per factor: a unit ``direction`` in the space, the latents' spread ``sigma`` along it, the read-out's
    held-out ``r2``, the generator's reading spread ``reading_std`` and the data's ``data_std``. ``factors``:
    every factor the judge reads (``degenerate`` ones have no direction); ``latent_cov``: the latents'
    covariance, for the spread along any direction (``sigma_along``)."""

    space: str
    directions: dict[str, torch.Tensor]
    sigma: dict[str, float]
    r2: dict[str, float]
    reading_std: dict[str, float]
    degenerate: tuple[str, ...] = ()  # factors G varies less than DEGENERATE_BELOW of the data: no direction
    data_std: dict[str, float] = field(default_factory=dict)
    factors: tuple[str, ...] = ()
    latent_cov: torch.Tensor | None = None  # [d, d], float64

    def __post_init__(self) -> None:
        if not self.factors:
            self.factors = tuple(self.directions) + tuple(f for f in self.degenerate if f not in self.directions)

    def direction(self, factor: str) -> torch.Tensor:
        """``factor``'s unit direction; a clear error for a degenerate or unknown factor."""
        if factor in self.directions:
            return self.directions[factor]
        if factor in self.degenerate:
            raise ValueError(f"{factor!r} is degenerate for this generator (its images vary it less than "
                             f"{DEGENERATE_BELOW:g} of the data's spread): it has no direction to edit or hold.")
        raise ValueError(f"no factor {factor!r}: choose from {', '.join(self.directions)}.")

    def sigma_along(self, direction: torch.Tensor) -> float:
        """σ along a unit ``direction``: sqrt(dᵀ C d), C the fitted latents' covariance (for a conditional
        direction, so that α still counts population standard deviations)."""
        if self.latent_cov is None:
            raise ValueError("these directions carry no latent covariance: fit them with factor_directions.")
        d = direction.detach().to(self.latent_cov)
        return float((d @ self.latent_cov @ d).clamp_min(0).sqrt())

    def conditional(self, factor: str, remove: tuple[str, ...]) -> torch.Tensor:
        """``factor``'s direction with its components along the ``remove`` factors' directions taken out
        (step along it by ``sigma_along`` of the result, not by ``sigma[factor]``)."""
        basis = []
        for other in remove:
            v = self.direction(other).clone()
            for b in basis:
                v -= (v @ b) * b
            if v.norm() > 1e-8:
                basis.append(v / v.norm())
        d = self.direction(factor).clone()
        for b in basis:
            d -= (d @ b) * b
        if d.norm() < 1e-8:
            raise ValueError(f"{factor!r} lies in the span of {remove}: nothing is left to edit.")
        return d / d.norm()


def factor_directions(G, net: torch.nn.Module, space: str = "w", n: int = 2000, seed: int = 0,
                      noise_seed: int = 0, data_std: dict[str, float] | None = None,
                      holdout: float = HOLDOUT) -> FactorDirections:
    """Fit one direction per factor from ``n`` generated images (see the module docstring): fitted on the first
    1 − ``holdout`` of them, R² on the rest. ``data_std``: the data's reading spreads (default:
    ``data_reading_spread`` at G's resolution)."""
    if not 0 < holdout < 1:
        raise ValueError(f"holdout={holdout}: give the share of images held out for R², between 0 and 1.")
    n_val = round(holdout * n)
    if n_val < 2 or n - n_val < 2:
        raise ValueError(f"n={n} images leave {n - n_val} to fit and {n_val} to validate: give n ≥ "
                         f"{int(np.ceil(2 / min(holdout, 1 - holdout)))} (both need at least 2).")
    latents = sample_latents(G, n, space, seed)  # [n, d]
    readings = judge_readings(net, _render(G, latents, space, noise_seed))
    if data_std is None:
        data_std = data_reading_spread(net, G.cfg.resolution)
    degenerate = degenerate_factors(readings, data_std)
    L = latents.double()
    fit, val = L[:n - n_val], L[n - n_val:]
    center = fit.mean(dim=0)
    X, X_val = fit - center, val - center  # [n_fit, d], [n_val, d]
    out, sigma, r2, spread = {}, {}, {}, {}
    for name, y in readings.items():
        y = y.double()
        spread[name] = float(y.std())
        if name in degenerate:
            continue
        y_fit, y_val = y[:n - n_val], y[n - n_val:]
        mean, s = y_fit.mean(), y_fit.std()
        if not s > 0:
            raise ValueError(f"{name!r}: the judge reads it the same in all {n - n_val} fitting images although "
                             "it varies overall: fit on more images (n).")
        target = (y_fit - mean) / s
        beta = torch.linalg.lstsq(X, target.unsqueeze(1)).solution[:, 0]  # [d]
        # held-out R² = 1 − Σ (t_val − X_val β)² / Σ t_val², t_val standardised by the fit's mean and spread:
        # against predicting the fit's mean (out-of-sample R²; defined even where the held-out readings happen
        # to be constant, as a barely trained G's clamped readings can be)
        t_val = (y_val - mean) / s
        total = t_val.square().sum()
        if not total > 0:
            raise ValueError(f"{name!r}: every held-out reading equals the fitting images' mean, so R² is "
                             "undefined: fit on more images (n).")
        r2[name] = float(1 - (t_val - X_val @ beta).square().sum() / total)
        d = (beta / beta.norm()).to(latents.dtype)
        out[name] = d
        sigma[name] = float((latents @ d).std())
    cov = torch.cov(L.T).reshape(L.shape[1], L.shape[1])  # [d, d]
    return FactorDirections(space, out, sigma, r2, spread, degenerate, dict(data_std), tuple(readings), cov)


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
    ranges = style_ranges(G)
    return {f.name: ranges[f.scale] for f in FACTORS}


def disentanglement_matrix(G, net: torch.nn.Module, dirs: FactorDirections, n: int = 256, strength: float = 2.0,
                           seed: int = 1, noise_seed: int = 0, factors: tuple[str, ...] | None = None,
                           w_plus: bool = False) -> tuple[list[str], np.ndarray]:
    """``(factors, M)`` with ``M[k, j]`` the mean |change| of factor j's reading, per population std of edit
    and in units of the data's spread of factor j, when ``n`` fresh latents are edited along factor k by
    α = −strength and +strength (each against the latent). Rows and columns: ``factors`` (default: every
    factor the judge reads, degenerate ones included, whose rows are zero).

    ``w_plus`` (W directions only): edit in W+, moving only the styles of factor k's own scale (``scale_layers``:
    pose on the coarse layers, colours on the fine ones), which the per-layer latents of W+ allow."""
    if w_plus and dirs.space != "w":
        raise ValueError("w_plus edits W directions on chosen layers: fit the directions in 'w'.")
    if not strength > 0:
        raise ValueError(f"strength={strength}: edit by a positive number of population stds.")
    if n < 1:
        raise ValueError(f"n={n}: edit at least one latent.")
    names = list(factors or dirs.factors)
    unknown = [f for f in names if f not in dirs.factors]
    if unknown:
        raise ValueError(f"no factor {unknown}: choose from {', '.join(dirs.factors)}.")
    bad = [f for f in names if not dirs.data_std.get(f, 0) > 0]
    if bad:
        raise ValueError(f"no positive data spread for {bad}: fit the directions with factor_directions, which "
                         "measures the data's spread of every factor.")
    latents = sample_latents(G, n, dirs.space, seed)
    if w_plus:
        latents = G.broadcast(latents)  # [n, L, w_dim]
    layers = scale_layers(G) if w_plus else {}
    base = judge_readings(net, _render(G, latents, dirs.space, noise_seed))
    M = np.zeros((len(names), len(names)))
    for k, name in enumerate(names):
        if name not in dirs.directions:  # degenerate: G cannot edit it, its row stays zero
            continue
        for alpha in (-strength, strength):
            moved = edit(latents, dirs.directions[name], alpha, dirs.sigma[name], layers.get(name))
            after = judge_readings(net, _render(G, moved, dirs.space, noise_seed))
            for j, other in enumerate(names):
                # M[k, j] = mean |Δ reading_j| / (strength · s_j^data), averaged over α = ±strength
                M[k, j] += float((after[other] - base[other]).double().abs().mean()) / (
                    strength * dirs.data_std[other]) / 2
    return names, M


def disentanglement_score(M: np.ndarray) -> float:
    """Mean over edits (rows) of m̄_k / (M[k, k] + m̄_k), m̄_k the row's mean off-diagonal entry: in [0, 1], lower
    is cleaner; a row that moves nothing (a degenerate factor's) counts 1 (see the module docstring)."""
    M = np.asarray(M, dtype=float)
    if M.ndim != 2 or M.shape[0] != M.shape[1]:
        raise ValueError(f"a disentanglement matrix is square (edits × the same factors), got shape {M.shape}.")
    k = M.shape[0]
    if k < 2:
        raise ValueError(f"{k} factor(s): entanglement needs at least two factors to leak between.")
    if not np.isfinite(M).all() or (M < 0).any():
        raise ValueError("the matrix has negative or non-finite entries: it should hold mean |changes| (is a "
                         "data spread zero?).")
    own = np.diag(M)
    off = (M.sum(axis=1) - own) / (k - 1)  # m̄_k = mean_{j≠k} M[k, j]
    moved = own + off > 0
    # leak_k = m̄_k / (M[k, k] + m̄_k); an edit that moves nothing leaks everything (1)
    leak = np.ones(k)
    leak[moved] = off[moved] / (own[moved] + off[moved])
    return float(leak.mean())


COMPARED = (("F", "w"), ("F", "w+"), ("F", "z"), ("B", "z"))  # (generator, space): the paper's claim, W vs Z


@dataclass
class SpaceComparison:
    """Issue 28's comparison of latent spaces: per (generator, space) of ``COMPARED``, the fitted directions
    (W+ reuses W's), the disentanglement matrix ``(factors, M)`` and its score (lower is cleaner)."""

    directions: dict[tuple[str, str], FactorDirections]
    matrices: dict[tuple[str, str], tuple[list[str], np.ndarray]]
    scores: dict[tuple[str, str], float]


def compare_spaces(G_f, G_b, net: torch.nn.Module, data_std: dict[str, float], fit_images: int = 2000,
                   edit_images: int = 256, seed: int = 0) -> SpaceComparison:
    """The style-based ``G_f`` in W, in W+ (each edit on its factor's own styles) and in Z, against the
    traditional ``G_b`` in Z: directions fitted on ``fit_images`` faces of latent seed ``seed``, matrices
    over ``edit_images`` fresh latents (seed ``seed + 1``), every factor in ``data_std``'s units."""
    generators = {"F": G_f, "B": G_b}
    directions = {(g, s): factor_directions(generators[g], net, s, n=fit_images, seed=seed, data_std=data_std)
                  for g, s in COMPARED if s != "w+"}
    matrices = {(g, s): disentanglement_matrix(generators[g], net, directions[(g, s.rstrip("+"))], n=edit_images,
                                               seed=seed + 1, w_plus=s == "w+")
                for g, s in COMPARED}
    return SpaceComparison(directions, matrices, {key: disentanglement_score(M) for key, (_, M) in matrices.items()})
