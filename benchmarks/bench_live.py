"""What the live view (``sgan.training.live``) costs a training run: the same run trained without and with it.

    python benchmarks/bench_live.py                                  # F at the cpu profile, 4 kimg, twice each
    python benchmarks/bench_live.py --profile smoke --kimg 1.024     # tiny ticks: the worst case

Each repeat trains the run without the view, then with it (``on_tick=LiveView(...).update``: the update that
``sgan.train`` makes at every tick in JupyterLab: figure data, two SVG charts, the grid, the status), in fresh
run directories. It prints, per variant, the img/s of the whole ``train`` call (wall clock: every cost counts,
the FID of each tick and the view's updates included) and the log's own img/s (the training steps only), then
the view's measured time per update and its share of the wall time. On a shared machine the wall-clock
figures move by a few percent from one run to the next; the view's own time is the steadier measure.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import torch

from sgan.config import PRESETS, PROFILES, make_config
from sgan.data import load_dataset
from sgan.profiles import DATA_SIZES
from sgan.training.live import LiveView
from sgan.training.loop import train
from sgan.viz.curves import read_log


def one_run(cfg, data, out: Path, kimg: float, data_root: str, with_view: bool) -> dict[str, float]:
    view = LiveView(cfg, out, total_kimg=kimg) if with_view else None
    start = time.perf_counter()
    train(cfg, data, out, progress=False, max_kimg=kimg, data_root=data_root, live=False,
          on_tick=view.update if view else None)
    wall = time.perf_counter() - start
    rows = read_log(out)
    steps_ips = sum(r["images_per_s"] * r["sec_per_tick"] for r in rows) / sum(r["sec_per_tick"] for r in rows)
    return {"wall_ips": rows[-1]["kimg"] * 1000 / wall, "log_ips": steps_ips, "wall_s": wall,
            "view_s": view.seconds if view else 0.0, "updates": view.updates if view else 0}


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--config", default="F", choices=PRESETS)
    p.add_argument("--profile", default="cpu", choices=sorted(PROFILES))
    p.add_argument("--kimg", type=float, default=4.0, help="thousands of images per run (cpu: 2 per tick)")
    p.add_argument("--repeats", type=int, default=2)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--data-root", default="data")
    args = p.parse_args(argv)
    torch.set_num_threads(args.threads)
    cfg = make_config(args.config, args.profile)
    data = load_dataset("synthetic", resolution=cfg.model.resolution, n=DATA_SIZES[args.profile], seed=0,
                        root=args.data_root, progress=True)
    results: dict[bool, list[dict[str, float]]] = {False: [], True: []}
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(args.repeats):
            for with_view in (False, True):
                out = Path(tmp) / f"{'view' if with_view else 'plain'}-{i}"
                r = one_run(cfg, data, out, args.kimg, args.data_root, with_view)
                results[with_view].append(r)
                print(f"repeat {i} {'with   ' if with_view else 'without'} the live view: "
                      f"{r['wall_ips']:.1f} img/s wall, {r['log_ips']:.1f} img/s in the steps, {r['wall_s']:.1f} s",
                      flush=True)
    plain, view = results[False], results[True]
    wall = [statistics.mean(r["wall_ips"] for r in rs) for rs in (plain, view)]
    steps = [statistics.mean(r["log_ips"] for r in rs) for rs in (plain, view)]
    per_update = sum(r["view_s"] for r in view) / max(sum(r["updates"] for r in view), 1)
    share = sum(r["view_s"] for r in view) / sum(r["wall_s"] for r in view)
    print(f"\nconfig {args.config}, profile {args.profile}, {args.kimg:g} kimg, {args.repeats} repeat(s), "
          f"{args.threads} thread(s):")
    print(f"  img/s wall:      without {wall[0]:.1f}, with {wall[1]:.1f} ({100 * (wall[1] / wall[0] - 1):+.1f} %)")
    print(f"  img/s in steps:  without {steps[0]:.1f}, with {steps[1]:.1f} ({100 * (steps[1] / steps[0] - 1):+.1f} %)")
    print(f"  the view: {1000 * per_update:.1f} ms per tick's update, {100 * share:.2f} % of the wall time")


if __name__ == "__main__":
    main()
