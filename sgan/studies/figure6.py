"""The paper's Figure 6 (Karras et al. 2019, Sec. 4, "Disentanglement studies"), built and measured on the
synthetic faces.

The paper's argument: (a) a training set in which a combination of two factors is missing (their example:
long-haired men); (b) the generator must map a *fixed* distribution Z (a Gaussian, which has no hole) onto it,
so the mapping from Z to the factors has to curve around the forbidden region; (c) the mapping network learns
W freely, so it can absorb the warping and leave the factors more linear in W.

Here the two factors are ``sgan.data.synthetic_faces.REGION_PAIR`` (skin tone and background hue), and the
training set is ``entangle="missing_region"``: the pair uniform on the unit square less its upper-right quarter.
A generator is trained on it with the library's training (``sgan.studies.ablation.ensure_trained``), then the judge
(``sgan.metrics.domain_net``) reads both factors off its images:

* **linearity**: the held-out R² of a linear read-out (ridge, ``sgan.metrics.probes.probe_continuous``) of each
  factor from z and from w = f(z) (1.0: the factor is an exact linear function of the latent);
* **bend**: along straight paths in the latent (slerp in Z, lerp in W, as the paper's path length, Sec. 4.2),
  how far the factors' readings leave the straight chord between the path's ends, in units of each factor's
  standard deviation over G's samples (0: every straight path in the latent is straight in factor space);
* **plane**: the readings over a grid on a plane through a typical latent spanned by the two directions that
  best predict the factors (least squares from the latent), and the R² of a linear fit over that plane: the
  figure's panels (b) and (c) draw the two factors' iso-lines there (straight, parallel lines: linear);
* **hole**: the fraction of G's samples that the judge places in the missing region (the data: 0; the pair
  independent: 0.25).

    python scripts/figure6_study.py --configs F --seeds 0,1 --out results/cpu/figure6

trains the runs (under ``runs/figure6/``, reused when complete) and writes ``figure6.json`` (every number and
the figure's grids), ``table.md`` and ``figure6.png``. ``figure(results)`` draws the figure from the JSON alone.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import torch

from sgan.data import load_dataset, synthetic_faces
from sgan.metrics import ppl, sampling
from sgan.metrics.probes import probe_continuous
from sgan.profiles import DATA_SIZES
from sgan.studies.ablation import data_root, ensure_trained, resolve_config
from sgan.studies.sweep import results_dir

PAIR = synthetic_faces.REGION_PAIR
ENTANGLE = "missing_region"
SPACES = ("z", "w")
INDEPENDENT_HOLE = 0.25  # the missing region's share of the unit square: the faces in it when the pair is independent


# ---------------------------------------------------------------------------------------------------------
# The training set and the runs
# ---------------------------------------------------------------------------------------------------------
def training_data(profile: str = "cpu", progress: bool = True):
    """The Figure 6 training set at ``profile``'s resolution and size: the synthetic faces with
    ``entangle="missing_region"`` (cached under ``sgan.studies.ablation.data_root()``)."""
    cfg = resolve_config("F", profile)
    return load_dataset("synthetic", resolution=cfg.model.resolution, n=DATA_SIZES[profile], seed=0,
                        root=data_root(), entangle=ENTANGLE, progress=progress)


def train_run(config: str, seed: int, out_dir: str | Path, profile: str = "cpu", progress: bool = True,
              dataset=None) -> Path:
    """``config`` trained with ``seed`` on the Figure 6 data (``sgan.studies.ablation.ensure_trained``: reused when
    complete, resumed when interrupted); returns the run directory ``<out_dir>/seed<seed>/<config>``."""
    dataset = dataset if dataset is not None else training_data(profile, progress)
    return ensure_trained(config, profile, seed, out_dir=Path(out_dir) / f"seed{seed}", progress=progress,
                          dataset=dataset)


# ---------------------------------------------------------------------------------------------------------
# The measures, on plain arrays (tests/test_figure6.py checks them on closed-form maps)
# ---------------------------------------------------------------------------------------------------------
def linear_r2(latents: np.ndarray, y: np.ndarray, test_fraction: float = 0.25) -> float:
    """Held-out R² of a ridge read-out of ``y [N]`` from ``latents [N, D]`` (fit on the first 1 − test_fraction
    of the rows, scored on the rest; ``sgan.metrics.probes.probe_continuous``)."""
    n = len(y)
    split = n - int(round(n * test_fraction))
    if not 1 < split < n:
        raise ValueError(f"test_fraction={test_fraction} leaves no train or test rows out of {n}.")
    r2 = probe_continuous(latents[:split], y[:split], latents[split:], y[split:])
    return math.nan if r2 is None else r2


def chord_deviation(paths: np.ndarray, scale: np.ndarray) -> float:
    """How far readings along straight latent paths leave the chord between their ends.

    paths: [P, T, K], the K factors read at T evenly spaced points t = 0..1 of P paths; scale [K]: each factor's
    unit (e.g. its standard deviation). Returns the mean over paths, inner points and factors of
    |y(t) − ((1 − t) y(0) + t y(1))| / scale: 0 when every path maps to a straight, evenly travelled segment.
    """
    paths = np.asarray(paths, dtype=np.float64)
    if paths.ndim != 3 or paths.shape[1] < 3:
        raise ValueError(f"paths must be [P, T >= 3, K]; got {paths.shape}.")
    t = np.linspace(0.0, 1.0, paths.shape[1])[None, :, None]
    chord = (1 - t) * paths[:, :1] + t * paths[:, -1:]
    dev = np.abs(paths - chord)[:, 1:-1] / np.asarray(scale, dtype=np.float64)
    return float(dev.mean())


def plane_r2(values: np.ndarray, s1: np.ndarray, s2: np.ndarray) -> float:
    """R² of the least-squares plane a + b·s1 + c·s2 through ``values [G1, G2]`` read on the grid s1 × s2
    (``values[i, j]`` at (s1[i], s2[j])): 1.0 when the factor is linear over the plane."""
    values = np.asarray(values, dtype=np.float64)
    a, b = np.meshgrid(np.asarray(s1, float), np.asarray(s2, float), indexing="ij")
    X = np.stack([np.ones(a.size), a.ravel(), b.ravel()], 1)
    y = values.ravel()
    resid = y - X @ np.linalg.lstsq(X, y, rcond=None)[0]
    total = ((y - y.mean()) ** 2).sum()
    return math.nan if total == 0 else float(1 - (resid ** 2).sum() / total)


def slerp(a: torch.Tensor, b: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
    """Spherical interpolation of ``a, b [P, D]`` at ``t [T]``: ``[P, T, D]`` (the paper's path in Z): PPL's
    slerp on the unit sphere (``sgan.metrics.ppl.slerp``), its radius interpolated linearly between the norms."""
    shape = (a.shape[0], t.shape[0], a.shape[1])
    t = t[None, :, None]  # [1, T, 1]
    radius = (1 - t) * a.norm(dim=-1)[:, None, None] + t * b.norm(dim=-1)[:, None, None]  # [P, T, 1]
    return ppl.slerp(a[:, None].expand(shape), b[:, None].expand(shape), t) * radius


def lerp(a: torch.Tensor, b: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
    """Linear interpolation of ``a, b [P, D]`` at ``t [T]``: ``[P, T, D]`` (the paper's path in W)."""
    t = t[None, :, None]
    return (1 - t) * a[:, None] + t * b[:, None]


def plane_basis(latents: np.ndarray, ys: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The plane of the two factors in a latent space: (mean [D], orthonormal directions [2, D], scales [2]).

    The first direction is the least-squares direction of the first factor, the second that of the second
    factor made orthogonal to it; each scale is the latent's standard deviation along its direction.
    """
    x = np.asarray(latents, dtype=np.float64)
    mean = x.mean(0)
    xc = x - mean
    dirs = []
    for y in ys:
        coef = np.linalg.lstsq(np.c_[xc, np.ones(len(xc))], np.asarray(y, float), rcond=None)[0][:-1]
        for d in dirs:
            coef = coef - (coef @ d) * d
        dirs.append(coef / np.linalg.norm(coef))
    basis = np.stack(dirs)
    return mean, basis, (xc @ basis.T).std(0)


# ---------------------------------------------------------------------------------------------------------
# On a trained generator
# ---------------------------------------------------------------------------------------------------------
@torch.no_grad()
def _read(G, net, ws: torch.Tensor, noise: list[torch.Tensor] | None, batch: int = 64) -> np.ndarray:
    """The judge's readings of PAIR on the images of w ``[N, w_dim]``: float64 [N, 2]. noise: one noise image
    per layer, [1, 1, r, r] each, shared by every image (None: fresh noise)."""
    out = []
    for i in range(0, len(ws), batch):
        w = ws[i:i + batch]
        nz = "random" if noise is None else [n.expand(len(w), -1, -1, -1) for n in noise]
        images = G.synthesis(G.broadcast(w), noise=nz)
        pred = net.predict(images)
        out.append(torch.stack([pred[k] for k in PAIR], 1).double().cpu().numpy())
    return np.concatenate(out)


@torch.no_grad()
def measure(G, net, n: int = 2000, paths: int = 64, steps: int = 9, grid: int = 15, extent: float = 2.5,
            seed: int = 0) -> dict[str, Any]:
    """Every Figure 6 measure of generator ``G`` (see the module docstring), reproducible from ``seed``; runs on
    the CPU (``G`` and ``net`` are moved there)."""
    G = G.cpu().eval()
    net = net.cpu().eval()
    z_gen, noise_gen = sampling.stream(seed, sampling.LATENT_STREAM), sampling.stream(seed, sampling.NOISE_STREAM)
    z = torch.randn(n, G.cfg.z_dim, generator=z_gen, device="cpu")
    w = G.mapping(z)
    torch.manual_seed(seed)  # the fresh per-image noise of the samples
    y = _read(G, net, w, None)  # [n, 2]
    lat = {"z": z.double().numpy(), "w": w.double().numpy()}
    out: dict[str, Any] = {"n": n, "factors": list(PAIR)}
    out["r2"] = {s: {k: linear_r2(lat[s], y[:, i]) for i, k in enumerate(PAIR)} for s in SPACES}
    scale = y.std(0)
    out["hole_fraction"] = float(synthetic_faces.in_missing_region(dict(zip(PAIR, y.T, strict=True))).mean())
    out["hist"] = np.histogram2d(y[:, 0], y[:, 1], bins=20, range=[[0, 1], [0, 1]])[0].astype(int).tolist()

    # straight paths: P pairs of endpoints, fixed noise along each path
    za = torch.randn(paths, G.cfg.z_dim, generator=z_gen, device="cpu")
    zb = torch.randn(paths, G.cfg.z_dim, generator=z_gen, device="cpu")
    t = torch.linspace(0, 1, steps, device="cpu")
    bends = {}
    for s in SPACES:
        readings = []
        for p in range(paths):
            noise = sampling.draw_noise(G, 1, noise_gen, torch.device("cpu"))
            if s == "z":
                ws = G.mapping(slerp(za[p:p + 1], zb[p:p + 1], t)[0])
            else:
                ws = lerp(G.mapping(za[p:p + 1]), G.mapping(zb[p:p + 1]), t)[0]
            readings.append(_read(G, net, ws, noise))
        bends[s] = chord_deviation(np.stack(readings), scale)
    out["bend"] = bends

    # the planes: through a typical latent, spanned by the factors' directions, ±extent standard deviations
    s_axis = np.linspace(-extent, extent, grid)
    noise = sampling.draw_noise(G, 1, noise_gen, torch.device("cpu"))
    z0 = torch.randn(1, G.cfg.z_dim, generator=z_gen, device="cpu").double().numpy()[0]
    planes = {}
    for s in SPACES:
        mean, basis, sd = plane_basis(lat[s], [y[:, 0], y[:, 1]])
        if s == "z":
            mean, sd = np.zeros_like(mean), np.ones(2)  # Z: N(0, I), unit steps
            base = z0
        else:
            base = G.mapping(torch.from_numpy(z0)[None].float())[0].double().numpy()
        base = base - ((base - mean) @ basis.T) @ basis  # the typical latent, its in-plane part removed
        a, b = np.meshgrid(s_axis * sd[0], s_axis * sd[1], indexing="ij")
        pts = base + a.reshape(-1, 1) * basis[0] + b.reshape(-1, 1) * basis[1]
        pts = torch.from_numpy(pts).float()
        ws = G.mapping(pts) if s == "z" else pts
        read = _read(G, net, ws, noise).reshape(grid, grid, 2)
        planes[s] = {"values": {k: read[..., i].round(4).tolist() for i, k in enumerate(PAIR)},
                     "r2": {k: plane_r2(read[..., i], s_axis, s_axis) for i, k in enumerate(PAIR)},
                     "hole_fraction": float(synthetic_faces.in_missing_region(
                         {k: read[..., i] for i, k in enumerate(PAIR)}).mean())}
    out["plane"] = {"axis": s_axis.tolist(), **planes}
    return out


def data_summary(dataset) -> dict[str, Any]:
    """Panel (a): the training set's 2-D histogram of PAIR (20 × 20 bins over [0, 1]²) and the fraction of its
    faces in the missing region (0 by construction)."""
    a, b = (np.asarray(dataset.factors[k], dtype=np.float64) for k in PAIR)
    hist = np.histogram2d(a, b, bins=20, range=[[0, 1], [0, 1]])[0]
    return {"n": len(a), "hist": hist.astype(int).tolist(),
            "hole_fraction": float(synthetic_faces.in_missing_region(dataset.factors).mean())}


def _ms(values: list[float]) -> list[float]:
    """[mean, sample std] (std NaN for one value)."""
    v = [x for x in values if x is not None and not math.isnan(x)]
    if not v:
        return [math.nan, math.nan]
    return [float(np.mean(v)), float(np.std(v, ddof=1)) if len(v) > 1 else math.nan]


def summarize(runs: dict[str, dict[str, dict[str, Any]]]) -> dict[str, dict[str, list[float]]]:
    """Per config: [mean, std] over seeds of every measure (``runs[config][seed] = measure(...)``)."""
    out = {}
    for config, by_seed in runs.items():
        ms = list(by_seed.values())
        row = {"seeds": [len(ms), 0.0]}
        for s in SPACES:
            for k in PAIR:
                row[f"r2_{s}_{k}"] = _ms([m["r2"][s][k] for m in ms])
                row[f"plane_r2_{s}_{k}"] = _ms([m["plane"][s]["r2"][k] for m in ms])
            row[f"r2_{s}"] = _ms([float(np.mean([m["r2"][s][k] for k in PAIR])) for m in ms])
            row[f"plane_r2_{s}"] = _ms([float(np.mean([m["plane"][s]["r2"][k] for k in PAIR])) for m in ms])
            row[f"bend_{s}"] = _ms([m["bend"][s] for m in ms])
        row["hole_fraction"] = _ms([m["hole_fraction"] for m in ms])
        out[config] = row
    return out


def _pm(v: list[float], digits: int = 3) -> str:
    return f"{v[0]:.{digits}f}" if math.isnan(v[1]) else f"{v[0]:.{digits}f} ± {v[1]:.{digits}f}"


def table_markdown(results: dict[str, Any]) -> str:
    """The measurement table: one row per config and space, mean ± std over seeds."""
    head = ("| config | space | seeds | held-out R², " + " | held-out R², ".join(k.replace("_", " ") for k in PAIR)
            + " | mean R² | bend (σ) | plane R² (mean of both) |")
    lines = [head, "|" + "---|" * 8]
    for config, row in results["summary"].items():
        for s in SPACES:
            if s == "w" and not results["mapping"].get(config, True):
                continue
            r2 = " | ".join(_pm(row[f"r2_{s}_{k}"]) for k in PAIR)
            lines.append(f"| {config} | {s.upper()} | {int(row['seeds'][0])} | {r2} | {_pm(row[f'r2_{s}'])} | "
                         f"{_pm(row[f'bend_{s}'])} | {_pm(row[f'plane_r2_{s}'])} |")
    lines += ["", "| config | seed | trained to kimg | training wall time (min) | last tick's FID | samples in the "
              "missing region |", "|---|---|---|---|---|---|"]
    for config, by_seed in results["runs"].items():
        for seed, m in by_seed.items():
            t = results.get("training", {}).get(config, {}).get(seed, {})
            fid = "" if t.get("fid") is None else f"{t['fid_metric']} {t['fid']:.1f}"
            lines.append(f"| {config} | {seed} | {t.get('kimg', '')} | {t.get('minutes', '')} | {fid} | "
                         f"{100 * m['hole_fraction']:.1f}% |")
    return "\n".join(lines)


def figure(results: dict[str, Any], config: str | None = None, seed: str | None = None):
    """The figure, drawn from ``figure6.json`` alone: (a) the training distribution of the two factors, (a′) the
    same factors as the judge reads them on G's samples, (b) the factors' iso-lines over the plane in Z,
    (c) over the plane in W, for one run with a mapping network (``config``/``seed``, default F's first seed);
    when the results hold a traditional generator (no mapping network, config B), a last panel draws its Z."""
    import matplotlib.pyplot as plt

    runs = results["runs"]
    styled = [c for c in runs if results["mapping"].get(c, True)]
    config = config or ("F" if "F" in runs else (styled or list(runs))[0])
    seed = seed or next(iter(runs[config]))
    plain = next((c for c in runs if not results["mapping"].get(c, True)), None)
    names = [k.replace("_", " ") for k in PAIR]
    panels = 4 + (plain is not None)
    fig, axes = plt.subplots(1, panels, figsize=(4.2 * panels, 4.6))
    plt.close(fig)  # shown once, as the returned value (as sgan.viz.plots does)

    def hist_panel(ax, hist, title):
        ax.imshow(np.asarray(hist, float).T, origin="lower", extent=(0, 1, 0, 1), cmap="Greys", aspect="auto")
        ax.add_patch(plt.Rectangle((0.5, 0.5), 0.5, 0.5, fill=False, ec="tab:red", lw=1.5, ls="--"))
        ax.set_xlabel(names[0])
        ax.set_ylabel(names[1])
        ax.set_title(title, fontsize=9)

    def plane_panel(ax, m, s, title):
        p, axis = m["plane"][s], np.asarray(m["plane"]["axis"])
        va, vb = (np.asarray(p["values"][k]).T for k in PAIR)  # [s2, s1], as contour wants
        if ((va > 0.5) & (vb > 0.5)).any():
            ax.contourf(axis, axis, ((va > 0.5) & (vb > 0.5)).astype(float), levels=[0.5, 1.5],
                        colors=["#f4c7c3"])
        for v, colour, style in ((va, "tab:blue", "solid"), (vb, "tab:orange", "dashed")):
            levels = np.unique(np.round(np.percentile(v, [10, 30, 50, 70, 90]), 2))  # lines wherever G's range is
            if len(levels) > 1:
                ax.clabel(ax.contour(axis, axis, v, levels=levels, colors=colour, linewidths=1.2,
                                     linestyles=style), fontsize=7)
        space = s.upper()
        ax.set_title(f"{title}\nlinear fit over the plane: R² {p['r2'][PAIR[0]]:.2f} / {p['r2'][PAIR[1]]:.2f}",
                     fontsize=9)
        ax.set_xlabel(f"{space}'s direction of {names[0]} (σ)")
        ax.set_ylabel(f"{space}'s direction of {names[1]}, ⊥ (σ)")
        ax.set_aspect("equal")

    data, m = results["data"], runs[config][seed]
    hist_panel(axes[0], data["hist"], f"(a) the training set ({data['n']} faces):\n"
                                      f"{100 * data['hole_fraction']:.0f}% in the red region")
    hist_panel(axes[1], m["hist"], f"(a′) {config}'s samples as the judge reads them:\n"
                                   f"{100 * m['hole_fraction']:.0f}% in the red region")
    plane_panel(axes[2], m, "z", f"(b) {config}: the factors over a plane in Z")
    plane_panel(axes[3], m, "w", f"(c) {config}: the factors over a plane in W")
    if plain is not None:
        plane_panel(axes[4], runs[plain][next(iter(runs[plain]))], "z",
                    f"(b′) {plain} (no mapping network): a plane in Z")
    axes[3].plot([], [], color="tab:blue", label=names[0])
    axes[3].plot([], [], color="tab:orange", ls="--", label=names[1])
    axes[3].fill_between([], [], color="#f4c7c3", label="both > 0.5\n(missing in training)")
    axes[3].legend(fontsize=7, loc="lower right", framealpha=0.8)
    fig.suptitle(f"Figure 6 (Karras et al. 2019, Sec. 4) on the synthetic faces: config {config}, seed {seed}; "
                 "iso-lines of the judge's readings", fontsize=11)
    fig.tight_layout()
    return fig


def results_path(profile: str = "cpu") -> Path:
    """The committed results: ``<repository>/results/<profile>/figure6/figure6.json``."""
    return results_dir("figure6", profile) / "figure6.json"


def load_results(profile: str = "cpu") -> dict[str, Any]:
    """The committed Figure 6 results of ``profile``, else the cpu profile's (the only study committed so far:
    the smoke and gpu courses read them too, without training)."""
    path = results_path(profile)
    if not path.is_file():
        path = results_path("cpu")
    return json.loads(path.read_text())


def _separate(a: list[float], b: list[float]) -> bool:
    """Whether two mean ± std bands do not overlap (False with a single seed: no band)."""
    if math.isnan(a[1]) or math.isnan(b[1]):
        return False
    return a[0] - a[1] > b[0] + b[1] or b[0] - b[1] > a[0] + a[1]


def report_markdown(results: dict[str, Any], config: str = "F") -> str:
    """The prose under the figure, every number and every comparison computed from ``results``."""
    row = results["summary"][config]
    n = int(row["seeds"][0])
    whose = f"config {config}, mean ± std over {n} seeds" if n > 1 else f"config {config}, one seed"
    names = [k.replace("_", " ") for k in PAIR]
    r2z, r2w = row["r2_z"], row["r2_w"]
    bz, bw = row["bend_z"], row["bend_w"]
    pz, pw = row["plane_r2_z"], row["plane_r2_w"]

    def verdict(z: list[float], w: list[float], higher_is_linear: bool) -> str:
        more = (w[0] > z[0]) == higher_is_linear
        bands = "the seed bands separate" if _separate(z, w) else "the seed bands overlap: not a finding"
        return f"{'W' if more else 'Z'} is the more linear here ({bands})"

    hole = row["hole_fraction"]
    lines = [
        f"**Measured by the Figure 6 study** ({whose}; its training set: {results['data']['n']} faces, "
        f"{100 * results['data']['hole_fraction']:.0f}% of them in the missing region):",
        "",
        f"- held-out linear R² of the two factors ({names[0]}, {names[1]}; mean of both) from z: "
        f"{_pm(r2z)}; from w: {_pm(r2w)}. {verdict(r2z, r2w, True)}.",
        f"- bend of straight paths (mean distance from the chord, in standard deviations of each factor) in Z: "
        f"{_pm(bz)}; in W: {_pm(bw)}. {verdict(bz, bw, False)}.",
        f"- linear fit over the plane of the figure, R² in Z: {_pm(pz)}; in W: {_pm(pw)}. "
        f"{verdict(pz, pw, True)}.",
        f"- {config}'s samples that the judge places in the missing region: {_pm([100 * hole[0], 100 * hole[1]], 1)}% "
        f"(the training set: {100 * results['data']['hole_fraction']:.0f}%; the two factors independent: "
        f"{100 * INDEPENDENT_HOLE:.0f}%).",
    ]
    plain = [c for c in results["summary"] if not results["mapping"].get(c, True)]
    for c in plain:
        r = results["summary"][c]
        lines.append(f"- the traditional generator {c} (no mapping network, one latent space): R² from z "
                     f"{_pm(r['r2_z'])}, bend {_pm(r['bend_z'])}, plane R² {_pm(r['plane_r2_z'])}, "
                     f"{_pm([100 * r['hole_fraction'][0], 100 * r['hole_fraction'][1]], 1)}% of its samples in "
                     "the missing region.")
    pairs = [(r2w, r2z), (bz, bw), (pw, pz)]  # (the value that should be larger if W is more linear, the other)
    ahead = sum(a[0] > b[0] for a, b in pairs)
    firm = sum(a[0] > b[0] and _separate(a, b) for a, b in pairs)
    lines += ["", f"W is ahead of Z on {ahead} of the three measures, with separate seed bands on {firm} of them"
              + (": the direction of the paper's Figure 6." if ahead == 3 else
                 (": the paper's direction on most, not all." if ahead == 2 else
                  ": the paper's direction does not show at this budget.")),
              "The plane is one slice through one typical latent per seed, a noisier measure than the read-out and "
              "the paths, which average over many samples."]
    for c in plain:
        r = results["summary"][c]
        better = r2w[0] > r["r2_z"][0] and bw[0] < r["bend_z"][0]
        worse = r2z[0] < r["r2_z"][0] and bz[0] > r["bend_z"][0]
        lines.append(f"Against the traditional generator {c}: {config}'s W is "
                     f"{'more' if better else 'not clearly more'} linear than {c}'s Z (read-out and paths), and "
                     f"{config}'s own Z is {'less' if worse else 'not clearly less'} linear than {c}'s.")
    return "\n".join(lines)
