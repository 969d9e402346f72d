"""The judges' disturbance test at each resolution: does FID see a blur or noise in real faces?

    python scripts/judge_disturbance.py                       # 32² and 64², both judges, 2000 faces a side
    python scripts/judge_disturbance.py --n 1000 --out results/gpu/judge_disturbance.md

Two disjoint sets of real synthetic faces (other seeds) give the real-vs-real FID (near 0 for a good judge);
then the second set is blurred (a Gaussian of σ pixels at the images' own resolution) or noised (Gaussian,
standard deviation s in [-1, 1] units) and FID against the first is measured again. A judge that sees the
resolution gives FID rising with σ and s from the smallest disturbance on; one that shrinks the images first
(the 32² judge at 64²) misses a blur finer than its own pixels. Every resolution is measured with every judge
of ``--judges`` (the metrics use the 32² judge for 32² images and the 64² judge for 64² ones; the 64² judge
also reads the 32² face crops of PPL at 64²). Prints a table; writes it with --out.
"""

from __future__ import annotations

import argparse
import math
import sys
import warnings
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from sgan.atomic import write_text
from sgan.data import synthetic_faces as sf
from sgan.metrics.domain_net import JudgeResolutionWarning
from sgan.metrics.features import extract_features, feature_network
from sgan.metrics.frechet import fid_from_features

SIGMAS = (0.5, 1.0, 2.0)
NOISES = (0.02, 0.05, 0.1)


def gaussian_blur(x: torch.Tensor, sigma: float) -> torch.Tensor:
    """``x [N, 3, H, W]`` blurred by a separable Gaussian of ``sigma`` pixels (reflect padding)."""
    radius = max(1, math.ceil(3 * sigma))
    t = torch.arange(-radius, radius + 1, dtype=x.dtype, device=x.device)
    k = torch.exp(-t.square() / (2 * sigma ** 2))
    k = (k / k.sum()).view(1, 1, 1, -1).repeat(3, 1, 1, 1)  # [3, 1, 1, K]
    x = F.conv2d(F.pad(x, (radius, radius, 0, 0), mode="reflect"), k, groups=3)
    return F.conv2d(F.pad(x, (0, 0, radius, radius), mode="reflect"), k.transpose(2, 3), groups=3)


def faces(n: int, resolution: int, seed: int) -> torch.Tensor:
    images, _ = sf.generate(n, resolution=resolution, seed=seed, progress=False)
    return torch.from_numpy(images).float() / 127.5 - 1  # [n, 3, r, r] in [-1, 1]


def row(resolution: int, n: int, net) -> dict[str, float]:
    """``{column: FID}`` of ``n`` faces at ``resolution`` against ``n`` others, plain, blurred and noised."""
    a, b = faces(n, resolution, 3000), faces(n, resolution, 3001)
    feats = lambda x: extract_features(net, (x[i:i + 256] for i in range(0, len(x), 256)))  # noqa: E731
    fa = feats(a)
    out = {"real vs real": fid_from_features(fa, feats(b))}
    for sigma in SIGMAS:
        out[f"blur σ={sigma}px"] = fid_from_features(fa, feats(gaussian_blur(b, sigma)))
    gen = torch.Generator().manual_seed(0)
    for s in NOISES:
        noisy = b + s * torch.randn(b.shape, generator=gen, device="cpu")
        out[f"noise {s}"] = fid_from_features(fa, feats(noisy))
    return out


def verdict(resolution: int, judge: str, v: dict[str, float]) -> str:
    """Does FID rise monotonically with blur and with noise, and how far do the smallest disturbances lift it
    above real-vs-real?"""
    blur = [v[f"blur σ={s}px"] for s in SIGMAS]
    noise = [v[f"noise {s}"] for s in NOISES]
    floor = max(v["real vs real"], 1e-9)
    return (f"{resolution}², {judge}: FID rises with blur: {bool(np.all(np.diff(blur) > 0))}, with noise: "
            f"{bool(np.all(np.diff(noise) > 0))}; smallest blur over real-vs-real: {blur[0] / floor:.1f}×, "
            f"smallest noise: {noise[0] / floor:.1f}×")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=2000, help="faces per side")
    parser.add_argument("--resolutions", default="32,64")
    parser.add_argument("--judges", default="32,64", help="the judges' internal resolutions")
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args(argv)
    judges = {}
    for j in (int(j) for j in args.judges.split(",")):
        net = feature_network("domain", "cpu", resolution=j)
        judges[f"{net.name} ({j}²)"] = net
    rows = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", JudgeResolutionWarning)  # the 32² judge at 64²: the table says so
        for r in (int(r) for r in args.resolutions.split(",")):
            for name, net in judges.items():
                rows[(r, name)] = row(r, args.n, net)
    keys = list(next(iter(rows.values())))
    command = "python scripts/judge_disturbance.py " + " ".join(sys.argv[1:] if argv is None else argv)
    lines = [f"FID of real faces against disturbed ones, per judge ({args.n} real faces a side). Made by "
             f"`{command.strip()}`.", "",
             "| resolution | judge | " + " | ".join(keys) + " |", "|---" * (len(keys) + 2) + "|"]
    lines += [f"| {r}² | {name} | " + " | ".join(f"{v[k]:.3f}" for k in keys) + " |"
              for (r, name), v in rows.items()]
    lines += [""] + [f"- {verdict(r, name, v)}" for (r, name), v in rows.items()]
    text = "\n".join(lines) + "\n"
    print(text)
    if args.out:
        write_text(args.out, text)


if __name__ == "__main__":
    main()
