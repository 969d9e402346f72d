"""The ``sample`` command: a trained generator's images as a grid.

    python -m sgan sample --run runs/F --seeds 0-15 --psi 0.7 --out grid.png
"""

from __future__ import annotations

import argparse
import math

from sgan.sample import generate_images, parse_seeds, save_grid
from sgan.studies.model_zoo import load_run
from sgan.usage import UsageError


def add_sample_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--run", required=True, help="run directory, checkpoint file, or zoo:<config>[@profile] "
                   "(e.g. zoo:F, zoo:F@cpu-long)")
    p.add_argument("--seeds", default="0-15", help="e.g. 0-15 or 1,5,9-12 (one image per seed)")
    p.add_argument("--psi", type=float, default=None, help="truncation ψ (default: the model's, 0.7)")
    p.add_argument("--cutoff", type=int, default=None, help="truncate layers below it (default: the model's)")
    p.add_argument("--which", default="ema", choices=("ema", "G"), help="EMA generator (default) or G")
    p.add_argument("--out", required=True, help="PNG file to write")
    p.add_argument("--columns", type=int, default=None, help="grid columns (default ⌈√n⌉)")


def run_sample(args: argparse.Namespace) -> int:
    try:
        seeds = parse_seeds(args.seeds)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    if args.psi is not None and not math.isfinite(args.psi):
        raise UsageError(f"--psi {args.psi}: truncation ψ must be a finite number (1: none, 0.7: the paper's).")
    if args.columns is not None and args.columns < 1:
        raise UsageError(f"--columns {args.columns}: give a positive number of columns.")
    G = load_run(args.run, which=args.which, device=args.device)
    psi = G.cfg.truncation_psi if args.psi is None else args.psi
    images = generate_images(G, seeds, psi=psi, cutoff=args.cutoff)
    path = save_grid(images, args.out, columns=args.columns)
    print(f"{len(seeds)} images (ψ={psi}) written to {path}")
    return 0
