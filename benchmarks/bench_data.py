"""Benchmark the data layer: generating the synthetic faces and sampling training batches.

    python benchmarks/bench_data.py                   # 70,000 images at 64² and 32², batches at 32² and 64²
    python benchmarks/bench_data.py --n 10000 --workers 1

Prints, per resolution:
1. the time to generate n synthetic faces (FFHQ's 70,000 by default) into a memory-mapped file: wall clock,
   and CPU seconds of all processes (on a shared machine, CPU seconds / cores estimates the unshared wall);
2. batch sampling: images/s of ``ImageDataset.batch`` (random indices, mirror on, to float32 [-1, 1] on CPU)
   with the data set memory-mapped from the cache, batch 64 at 32² and 32 at 64² (the paper's minibatch).
Targets (the brief): generation < 60 s on 2 cores at 64², sampling >= 20,000 images/s at 32².
"""

from __future__ import annotations

import argparse
import os
import resource
import tempfile
import time

import numpy as np
import torch

from sgan.data import load_dataset, synthetic_faces


def cpu_seconds() -> float:
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def bench_generation(n: int, resolution: int, workers: int | None, root: str) -> None:
    path = os.path.join(root, f"bench-{resolution}.npy")
    out = np.lib.format.open_memmap(path, mode="w+", dtype=np.uint8, shape=(n, 3, resolution, resolution))
    wall, cpu = time.perf_counter(), cpu_seconds()
    synthetic_faces.generate(n, resolution, seed=0, progress=False, out=out, workers=workers)
    out.flush()
    wall, cpu = time.perf_counter() - wall, cpu_seconds() - cpu
    print(f"generate {n} images at {resolution}²: {wall:6.1f} s wall, {cpu:6.1f} CPU s "
          f"({n / wall:6.0f} img/s; {cpu / n * 1e3:.2f} CPU ms per image; workers={workers or 'auto'}, "
          f"{os.cpu_count()} cores)", flush=True)
    del out
    os.remove(path)


def bench_batches(resolution: int, batch: int, root: str, n: int, seconds: float = 3.0) -> None:
    data = load_dataset("synthetic", resolution=resolution, n=n, root=root, progress=False)
    g = torch.Generator().manual_seed(0)
    data.batch(torch.randint(len(data), (batch,), generator=g), mirror=True, generator=g)  # warm up
    count, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        idx = torch.randint(len(data), (batch,), generator=g)
        x = data.batch(idx, mirror=True, generator=g)
        count += x.shape[0]
    rate = count / (time.perf_counter() - start)
    print(f"batch sampling at {resolution}², batch {batch}: {rate:8.0f} images/s "
          f"({rate * 3 * resolution**2 * 4 / 1e9:.2f} GB/s of float32)", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=70_000, help="images to generate (default: FFHQ's 70,000)")
    parser.add_argument("--workers", type=int, default=None, help="worker processes (default: CPU count)")
    parser.add_argument("--resolutions", type=int, nargs="+", default=[64, 32])
    parser.add_argument("--batch-n", type=int, default=20_000, help="data set size for the batch benchmark")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as root:
        for resolution in args.resolutions:
            bench_generation(args.n, resolution, args.workers, root)
        for resolution, batch in ((32, 64), (64, 32)):
            bench_batches(resolution, batch, root, args.batch_n)


if __name__ == "__main__":
    main()
