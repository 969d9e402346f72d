"""Benchmark the metrics: the Fréchet step, the domain network's throughput, every metric on a checkpoint.

    python benchmarks/bench_metrics.py                              # untrained smoke-size F generator
    python benchmarks/bench_metrics.py --checkpoint runs/F --profile cpu
    python benchmarks/bench_metrics.py --skip-scipy                 # skip the slow scipy.linalg.sqrtm timing
    python benchmarks/bench_metrics.py --threads 1                  # 1 BLAS/torch thread (a busy machine)

Prints, in order:
1. the Fréchet distance of two 2048-d Gaussians: our eigen path vs ``scipy.linalg.sqrtm``, times and the
   relative difference;
2. the domain network's feature extraction throughput (images/s) at 16², 32², 64²;
3. FID of real vs real (two disjoint halves of the synthetic faces) and of noised / blurred real images, with
   the domain network's features (the scale against which generator FIDs read);
4. every metric of ``metric_names_for(config)`` (the profile's sample counts) on the generator: value, time.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time

import numpy as np
import torch
from torchvision.transforms.functional import gaussian_blur

from sgan.config import make_config
from sgan.metrics import compute_metric, metric_names_for
from sgan.metrics.domain_net import load_domain_net
from sgan.metrics.frechet import (
    feature_statistics,
    fid_from_features,
    frechet_distance,
    frechet_distance_scipy,
)
from sgan.training.device import resolve_device


def timed(fn, repeats: int = 1) -> tuple[float, object]:
    """(median seconds over ``repeats`` calls, last result)."""
    times, out = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times), out


def bench_frechet(dim: int, skip_scipy: bool) -> None:
    rng = np.random.default_rng(0)
    n = 2 * dim + 1000  # full-rank covariances, like 50k Inception features
    a = feature_statistics(rng.standard_normal((n, dim)) @ rng.standard_normal((dim, dim)) / np.sqrt(dim))
    b = feature_statistics(rng.standard_normal((n, dim)) * rng.uniform(0.5, 1.5, dim) + 0.1)
    t_ours, ours = timed(lambda: frechet_distance(*a, *b), repeats=3)
    print(f"[frechet] {dim}-d: ours (Cholesky + eigvalsh, float64) {t_ours:.2f} s -> {ours:.6f}")
    if skip_scipy:
        return
    t_ref, ref = timed(lambda: frechet_distance_scipy(*a, *b))
    print(f"[frechet] {dim}-d: scipy.linalg.sqrtm {t_ref:.2f} s -> {ref:.6f}; "
          f"speed-up {t_ref / t_ours:.1f}x, "
          f"relative difference {abs(ours - ref) / abs(ref):.2e}")


def bench_domain_net(device: torch.device) -> None:
    net = load_domain_net(device)
    for res in (16, 32, 64):
        x = torch.rand(256, 3, res, res, device=device) * 2 - 1
        net.features(x)  # warm-up
        def run(x=x):
            out = net.features(x)
            if device.type == "cuda":
                torch.cuda.synchronize()
            return out

        t, _ = timed(run, repeats=5)
        print(f"[domain net] features at {res}²: {256 / t:,.0f} images/s on {device.type} ({net.name})")


def bench_real_fids(n: int) -> None:
    from sgan.data import generate

    images, _ = generate(2 * n, resolution=32, seed=99, progress=False)
    x = torch.from_numpy(images).float() / 127.5 - 1
    net = load_domain_net()

    def feats(t: torch.Tensor) -> np.ndarray:
        return np.concatenate([net.features(t[i:i + 512].clamp(-1, 1)).double().numpy()
                               for i in range(0, len(t), 512)])

    ref, other = feats(x[:n]), x[n:]
    halves = fid_from_features(ref, feats(other))
    print(f"[fid/domain] real vs real, two disjoint halves of {n}: {halves:.4f}")
    g = torch.Generator().manual_seed(0)
    noise = torch.randn(other.shape, generator=g)
    for s in (0.05, 0.1, 0.2, 0.4):
        value = fid_from_features(ref, feats(other + s * noise))
        print(f"[fid/domain] real vs real + N(0, {s}²) noise: {value:.4f}")
    for s in (0.5, 1.0, 2.0):
        value = fid_from_features(ref, feats(gaussian_blur(other, 9, s)))
        print(f"[fid/domain] real vs real blurred (σ = {s} px): {value:.4f}")


def bench_metrics(args: argparse.Namespace, device: torch.device) -> None:
    from sgan.data import load_dataset

    if args.checkpoint:
        from sgan.training.checkpoint import load_generator

        G = load_generator(args.checkpoint, device=device)
        what = args.checkpoint
    else:
        from sgan.generator import Generator

        G = Generator(make_config(args.config, args.profile).model).to(device)
        what = f"an untrained {args.config} generator at the {args.profile} profile's size"
    config = make_config(G.cfg.name, args.profile)
    names = metric_names_for(config)
    fid_count = config.train.fid_samples
    data = load_dataset("synthetic", resolution=G.cfg.resolution, n=max(fid_count, 1000), root=args.data_root)
    print(f"[metrics] {what}; {G.cfg.resolution}²; names {names}")
    for name in names:
        options = dict(cache_dir=args.data_root) if name.startswith("fid") else {}
        result = compute_metric(name, G, data if name.startswith("fid") else None, device=device, seed=0,
                                **options)
        keep = {k: result[k] for k in ("metric", "value", "time_s", "feature_network", "distance")}
        if "value_z" in result:
            keep.update(value_z=result["value_z"], value_w=result["value_w"])
        print("[metrics]", json.dumps(keep))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--checkpoint", help="run directory or checkpoint file (default: an untrained G)")
    parser.add_argument("--config", default="F", help="paper config of the untrained generator")
    parser.add_argument("--profile", default="smoke", help="profile whose sample counts the metrics use")
    parser.add_argument("--device", default="auto")
    parser.add_argument("--dim", type=int, default=2048, help="dimension of the Fréchet benchmark")
    parser.add_argument("--real-n", type=int, default=2000, help="images per half in the real-vs-real FIDs")
    parser.add_argument("--data-root", default="data")
    parser.add_argument("--skip-scipy", action="store_true")
    parser.add_argument("--only", choices=("frechet", "domain", "real", "metrics"), help="run one section")
    parser.add_argument("--threads", type=int, default=0, help="BLAS and torch threads (0: defaults)")
    args = parser.parse_args()
    if args.threads:
        from threadpoolctl import threadpool_limits  # installed with scikit-learn

        threadpool_limits(args.threads)
        torch.set_num_threads(args.threads)
    device = resolve_device(args.device, "--device")
    sections = {"frechet": lambda: bench_frechet(args.dim, args.skip_scipy),
                "domain": lambda: bench_domain_net(device),
                "real": lambda: bench_real_fids(args.real_n),
                "metrics": lambda: bench_metrics(args, device)}
    for name, run in sections.items():
        if args.only in (None, name):
            run()


if __name__ == "__main__":
    main()
