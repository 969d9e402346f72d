"""The record of runs as figures: training curves from a run's ``log.jsonl``, learning curves (FID per tick)
with a band over seeds, the spectra, Table 2 and the reference bands, the ablation results beside the
paper's numbers, and a run's latest fixed-latent grid.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

from sgan.training.rundir import RunDir


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
