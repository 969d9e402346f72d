"""The fade-in spikes (issue 25, item 4): why G_ema's FID jumped at the end of the first fade-in, measured.

A controlled experiment on the course's own runs: each (config, seed) is trained at the cpu profile through both
fade-ins (16² at 2-4 kimg, 32² at 6-8 kimg), and every 0.5 kimg three renderings of the *same* training are
measured with the tick's FID (``TrainConfig.tick_fid_samples``):

* ``G``: the trained generator itself, at the schedule's α;
* ``G_ema, G's α``: the EMA generator rendered at G's level of detail (sgan before the fix, and the official
  code, which copies ``lod`` into Gs);
* ``G_ema, own α``: the EMA generator rendered at its own averaged level of detail (``sgan.ema.ema_lod``, the fix).

The EMA never feeds back into G's training, so the three differ only in what is rendered: a spike in the second
column and not in the first says the weights G_ema averages are fine and the α it is rendered at is wrong.

    python scripts/fade_in_study.py --configs ABF --seeds 0,1,2 --kimg 8 --out results/cpu/fade_in

writes ``table.md`` / ``table.json`` (per config: the worst FID inside the fades and at their ends, mean ± std
over seeds, for each rendering) and ``curves.png`` (FID against kimg, one panel per config, a band over seeds).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import torch

from sgan.atomic import write_json, write_text
from sgan.config import make_config
from sgan.metrics.fid import FIDTracker
from sgan.studies.ablation import data_root, load_data
from sgan.studies.ablation_tables import markdown_table
from sgan.studies.sweep import mean_std, parse_seeds
from sgan.training.distributed import DistInfo
from sgan.training.trainer import Trainer

RENDERINGS = ("G", "G_ema, G's α", "G_ema, own α")


def probe(config: str, seed: int, kimg: float, every: float = 0.5, profile: str = "cpu") -> dict[str, list]:
    """Train ``config`` with ``seed`` to ``kimg`` and measure the three renderings every ``every`` kimg."""
    torch.set_num_threads(1)
    cfg = make_config(config, profile, seed=seed)
    data = load_data(cfg, progress=False)
    trainer = Trainer(cfg, data, DistInfo(), torch.device("cpu"))
    fid = FIDTracker(data, cfg.train.tick_fid_samples, cfg.model.resolution, cfg.train.tick_fid_features,
                     "cpu", seed=seed, cache_dir=data_root())
    out: dict[str, list] = {"kimg": [], "alpha": [], "ema_alpha": [], **{r: [] for r in RENDERINGS}}
    mark = every
    while trainer.nimg < kimg * 1000:
        phase, _ = trainer.train_step()
        if trainer.nimg < mark * 1000:
            continue
        mark += every
        resolution, ema_alpha = trainer.ema_view()
        out["kimg"].append(trainer.nimg / 1000)
        out["alpha"].append(phase.alpha)
        out["ema_alpha"].append(ema_alpha)
        out["G"].append(fid(trainer.G, phase.resolution, phase.alpha)["value"])
        out["G_ema, G's α"].append(fid(trainer.G_ema, phase.resolution, phase.alpha)["value"])
        out["G_ema, own α"].append(fid(trainer.G_ema, resolution, ema_alpha)["value"])
    return out


def summary_rows(curves: dict[str, list[dict[str, list]]], fades: list[tuple[float, float]]) -> list[dict]:
    """Per config and rendering: the worst FID inside the fade-ins (their ends included) and the FID at the end
    of the first fade-in, mean ± std over seeds."""
    rows = []
    for config, runs in curves.items():
        for r in RENDERINGS:
            worst, at_end = [], []
            for c in runs:
                kimg, fid = np.array(c["kimg"]), np.array(c[r])
                inside = np.zeros_like(kimg, dtype=bool)
                for a, b in fades:
                    inside |= (kimg > a) & (kimg <= b + 1e-9)
                worst.append(float(fid[inside].max()))
                at_end.append(float(fid[np.argmin(np.abs(kimg - fades[0][1]))]))
            rows.append({"config": config, "rendering": r, "seeds": len(runs),
                         "worst_in_fades": mean_std(worst), "end_of_first_fade": mean_std(at_end)})
    return rows


def figure(curves: dict[str, list[dict[str, list]]], fades: list[tuple[float, float]], metric: str):
    fig, axes = plt.subplots(1, len(curves), figsize=(4.2 * len(curves), 3.4), squeeze=False, sharey=True)
    for ax, (config, runs) in zip(axes[0], curves.items(), strict=True):
        kimg = np.array(runs[0]["kimg"])
        for r in RENDERINGS:
            values = np.array([c[r] for c in runs])  # [seeds, points]
            mean, std = values.mean(0), values.std(0, ddof=1) if len(runs) > 1 else np.zeros(len(kimg))
            ax.plot(kimg, mean, label=r)
            ax.fill_between(kimg, mean - std, mean + std, alpha=0.2)
        for a, b in fades:
            ax.axvspan(a, b, color="0.9", zorder=0)
        ax.set_yscale("log")
        ax.set_title(f"config {config} ({len(runs)} seeds; grey: fade-ins)")
        ax.set_xlabel("kimg")
    axes[0][0].set_ylabel(metric + " (log scale)")
    axes[0][-1].legend(fontsize=8)
    fig.tight_layout()
    return fig


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--configs", default="ABF")
    parser.add_argument("--seeds", default="0,1,2")
    parser.add_argument("--kimg", type=float, default=8.0)
    parser.add_argument("--out", default="results/cpu/fade_in")
    args = parser.parse_args()
    seeds, out, start = parse_seeds(args.seeds), Path(args.out), time.perf_counter()
    train = make_config("A", "cpu").train
    period = train.stable_kimg + train.fade_kimg
    fades = [(k * period + train.stable_kimg, (k + 1) * period) for k in range(2)]
    if args.kimg < fades[0][1]:
        parser.error(f"--kimg {args.kimg:g} ends before the first fade-in does ({fades[0][1]:g} kimg): give more.")
    curves: dict[str, list[dict[str, list]]] = {}
    for config in args.configs:
        for seed in seeds:
            curves.setdefault(config, []).append(probe(config, seed, args.kimg))
            print(f"config {config}, seed {seed}: done ({(time.perf_counter() - start) / 60:.1f} min)", flush=True)
    metric = f"fid{train.tick_fid_samples // 1000}k"
    rows = summary_rows(curves, fades)
    table = markdown_table([{
        "config": r["config"], "rendering": r["rendering"], "seeds": str(r["seeds"]),
        f"worst {metric} in the fade-ins": "{:.1f} ± {:.1f}".format(*r["worst_in_fades"]),
        f"{metric} at the end of the first fade-in ({fades[0][1]:g} kimg)": "{:.1f} ± {:.1f}".format(
            *r["end_of_first_fade"])} for r in rows])
    write_text(out / "table.md", table + "\n")
    write_json(out / "table.json", {"seeds": seeds, "fades_kimg": fades, "metric": metric, "rows": rows,
                                    "curves": curves, "minutes": round((time.perf_counter() - start) / 60, 1)})
    figure(curves, fades, metric).savefig(out / "curves.png", dpi=120)
    print(table)


if __name__ == "__main__":
    main()
