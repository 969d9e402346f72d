"""Profile-size explorer: the training step's speed at every resolution of a profile, and what a run costs.

    python benchmarks/bench_train.py                      # configs A-F at the cpu profile
    python benchmarks/bench_train.py --configs F --profile smoke --steps 5 --threads 1
    python benchmarks/bench_train.py --configs AF --set fmap_base=512    # other cpu-profile sizes
    python benchmarks/bench_train.py --configs F --set 'batch_sizes=[[8,16],[16,16],[32,64]]'

For each config it times the step (D step + G step + EMA) at every resolution of the profile's schedule
(stable phase, the profile's minibatch), then estimates the training time of the whole run, Σ over the
schedule of images / rate. It also prints the process CPU time per image (less disturbed by other work on a
shared machine) and, at the final resolution, the FLOPs per image (``sgan.studies.flops``) and the share of the
fp32 matmul peak measured at the start (``sgan.studies.bench.matmul_peak``). Use it to weigh a profile's width and
minibatch against its run time; ``python -m sgan bench`` is the benchmark of record (fixed cases, JSON).
"""

from __future__ import annotations

import argparse
import tempfile
import time

import torch

from sgan.cli.train import parse_overrides
from sgan.config import PRESETS, RunConfig, make_config
from sgan.data import load_dataset
from sgan.schedule import schedule
from sgan.studies.bench import counted_step, matmul_peak
from sgan.training.device import resolve_device
from sgan.training.distributed import DistInfo
from sgan.training.trainer import Trainer


def time_steps(cfg: RunConfig, data, resolution: int, steps: int, warmup: int) -> tuple[float, float, float]:
    """(images/s wall, CPU seconds per image, FLOPs per image) of the training step at ``resolution`` (α = 1)."""
    info = DistInfo()
    trainer = Trainer(cfg, data, info, resolve_device(cfg.train.device, info))
    trainer.nimg = first_nimg_at(cfg, resolution)
    flop, _ = counted_step(trainer)  # the counted step is the first warm-up step
    for _ in range(warmup - 1):
        trainer.train_step()
    start_wall, start_cpu, images = time.perf_counter(), time.process_time(), 0
    for _ in range(steps):
        phase, _ = trainer.train_step()
        images += phase.batch
    wall, cpu = time.perf_counter() - start_wall, time.process_time() - start_cpu
    return images / wall, cpu / images, flop


def first_nimg_at(cfg: RunConfig, resolution: int) -> int:
    """Images shown when ``resolution`` is first trained at α = 1 (its stable phase)."""
    nimg, step = 0, 1000
    while True:
        phase = schedule(nimg / 1000, cfg.train, cfg.model.resolution)
        if phase.resolution == resolution and phase.alpha == 1.0:
            return nimg
        nimg += step


def run_seconds(cfg: RunConfig, rates: dict[int, float]) -> float:
    """Σ over the schedule's minibatches of batch / rate(resolution): the estimated training time."""
    nimg, seconds = 0, 0.0
    while nimg < cfg.train.total_kimg * 1000:
        phase = schedule(nimg / 1000, cfg.train, cfg.model.resolution)
        seconds += phase.batch / rates[phase.resolution]
        nimg += phase.batch
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--configs", default="".join(PRESETS))
    parser.add_argument("--profile", default="cpu")
    parser.add_argument("--steps", type=int, default=6)
    parser.add_argument("--warmup", type=int, default=2, help="untimed steps first (≥ 1: the counted one)")
    parser.add_argument("--threads", type=int, default=0, help="torch threads (0: torch's default)")
    parser.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    if args.warmup < 1:
        raise SystemExit("--warmup must be at least 1: the first step is the one whose FLOPs are counted.")
    overrides = parse_overrides(args.overrides)
    peak = matmul_peak(torch.device("cpu"), tiny=False)
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, profile {args.profile} {overrides}; "
          f"fp32 matmul peak {peak / 1e9:.1f} GFLOP/s")
    with tempfile.TemporaryDirectory() as root:
        cfg0 = make_config("F", args.profile, **overrides)
        data = load_dataset("synthetic", resolution=cfg0.model.resolution, n=512, root=root, progress=False)
        resolutions = [r for r in cfg0.model.resolutions if r >= cfg0.train.start_resolution]
        print(f"{'config':6} " + " ".join(f"{f'{r}² img/s':>11}" for r in resolutions)
              + f" {'cpu ms/img':>11} {'GFLOP/img':>10} {'% peak':>7} {'run est.':>9}")
        for name in args.configs:
            cfg = make_config(name, args.profile, **overrides)
            rates, cpu, flop = {}, 0.0, 0.0
            for r in resolutions:  # cpu and flop end as the final resolution's
                rates[r], cpu, flop = time_steps(cfg, data, r, args.steps, args.warmup)
            ratio = flop * rates[resolutions[-1]] / peak
            print(f"{name:6} " + " ".join(f"{rates[r]:11.1f}" for r in resolutions)
                  + f" {1000 * cpu:11.2f} {flop / 1e9:10.3f} {100 * ratio:6.1f}% {run_seconds(cfg, rates) / 60:8.1f}m",
                  flush=True)


if __name__ == "__main__":
    main()
