"""Throughput of the training step (D step + G step + EMA), images per second, per config and resolution.

    python benchmarks/bench_train.py                      # configs A-F at the cpu profile, + 32²/512ch F
    python benchmarks/bench_train.py --configs F --profile smoke --steps 5 --threads 1
    python benchmarks/bench_train.py --set fmap_max=128 --set fmap_base=2048    # other cpu-profile sizes

For each config it times the step at every resolution of the profile's schedule (stable phase, the profile's
minibatch), then estimates the training time of the whole profile run, Σ over the schedule of images / rate.
Also prints the process CPU time per image, a figure that is less disturbed by other work on a shared machine.
The last line is config F at 32² with the paper's 512 channels, minibatch 32, NS + R1 (a point of comparison
with other implementations).
"""

from __future__ import annotations

import argparse
import tempfile
import time

import torch

from sgan.__main__ import parse_overrides
from sgan.config import PRESETS, RunConfig, make_config
from sgan.data import load_dataset
from sgan.distributed import DistInfo
from sgan.schedule import schedule
from sgan.training import Trainer, resolve_device


def time_steps(cfg: RunConfig, data, resolution: int, steps: int, warmup: int) -> tuple[float, float]:
    """(images/s wall, CPU seconds per image) of the training step at ``resolution`` (α = 1)."""
    info = DistInfo()
    trainer = Trainer(cfg, data, info, resolve_device(cfg.train.device, info))
    trainer.nimg = first_nimg_at(cfg, resolution)
    for _ in range(warmup):
        trainer.train_step()
    start_wall, start_cpu, images = time.perf_counter(), time.process_time(), 0
    for _ in range(steps):
        phase, _ = trainer.train_step()
        images += phase.batch
    wall, cpu = time.perf_counter() - start_wall, time.process_time() - start_cpu
    return images / wall, cpu / images


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
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--threads", type=int, default=0, help="torch threads (0: torch's default)")
    parser.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE")
    parser.add_argument("--skip-512", action="store_true", help="skip the 32²/512-channel comparison")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    overrides = parse_overrides(args.overrides)
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, profile {args.profile} {overrides}")
    with tempfile.TemporaryDirectory() as root:
        cfg0 = make_config("F", args.profile, **overrides)
        data = load_dataset("synthetic", resolution=cfg0.model.resolution, n=512, root=root, progress=False)
        resolutions = [r for r in cfg0.model.resolutions if r >= cfg0.train.start_resolution]
        print(f"{'config':6} " + " ".join(f"{f'{r}² img/s':>11}" for r in resolutions)
              + f" {'cpu ms/img':>11} {'run est.':>9}")
        for name in args.configs:
            cfg = make_config(name, args.profile, **overrides)
            rates, cpu = {}, 0.0
            for r in resolutions:
                rates[r], cpu = time_steps(cfg, data, r, args.steps, args.warmup)
            print(f"{name:6} " + " ".join(f"{rates[r]:11.1f}" for r in resolutions)
                  + f" {1000 * cpu:11.2f} {run_seconds(cfg, rates) / 60:8.1f}m", flush=True)
        if not args.skip_512:
            big = make_config("F", "paper", resolution=32, start_resolution=32, batch_sizes=((32, 32),))
            data32 = load_dataset("synthetic", resolution=32, n=256, root=root, progress=False)
            rate, cpu = time_steps(big, data32, 32, max(2, args.steps // 3), 1)
            print(f"F 32² 512 channels, batch 32, NS+R1: {rate:.2f} img/s ({1000 * cpu:.0f} cpu ms/img)")


if __name__ == "__main__":
    main()
