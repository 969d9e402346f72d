"""The judge's disturbance test at each resolution: does FID see a blur or noise in real faces?

    python scripts/judge_disturbance.py                       # 32² and 64², 2000 faces a side, the shipped judge
    python scripts/judge_disturbance.py --n 1000 --out results/gpu/judge_disturbance.md

Two disjoint sets of real synthetic faces (other seeds) give the real-vs-real FID (near 0 for a good judge);
then the second set is blurred (a Gaussian of σ pixels at the images' own resolution) or noised (Gaussian,
standard deviation s in [-1, 1] units) and FID against the first is measured again. A judge that sees the
resolution gives FID rising with σ and s from the smallest disturbance on; one that shrinks the images first
(the domain network sees 32²) misses a blur finer than its own pixels. Prints a table; writes it with --out.
"""

from __future__ import annotations

import argparse
import math
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from sgan.atomic import write_text
from sgan.data import synthetic_faces as sf
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=2000, help="faces per side")
    parser.add_argument("--resolutions", default="32,64")
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    net = feature_network("domain", "cpu")
    rows = {int(r): row(int(r), args.n, net) for r in args.resolutions.split(",")}
    keys = list(next(iter(rows.values())))
    lines = [f"FID with the judge {net.name} ({args.n} real faces a side; the judge sees 32²)", "",
             "| resolution | " + " | ".join(keys) + " |", "|---" * (len(keys) + 1) + "|"]
    lines += [f"| {r}² | " + " | ".join(f"{v[k]:.3f}" for k in keys) + " |" for r, v in rows.items()]
    for r, v in rows.items():
        blur = [v[f"blur σ={s}px"] for s in SIGMAS]
        noise = [v[f"noise {s}"] for s in NOISES]
        lines.append(f"\n{r}²: FID rises with blur: {bool(np.all(np.diff(blur) > 0))}, with noise: "
                     f"{bool(np.all(np.diff(noise) > 0))}; smallest blur over real-vs-real: "
                     f"{blur[0] / max(v['real vs real'], 1e-9):.1f}×")
    text = "\n".join(lines) + "\n"
    print(text)
    if args.out:
        write_text(args.out, text)


if __name__ == "__main__":
    main()
