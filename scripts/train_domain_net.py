"""Train sgan's domain network (``sgan/metrics/domain_net.py``) and write its weights into ``sgan/weights/``.

    python scripts/train_domain_net.py                 # the shipped 32² judge (~10 minutes, one CPU core)
    python scripts/train_domain_net.py --internal-resolution 64      # the shipped 64² judge (domain_net_64.*)
    python scripts/train_domain_net.py --out /tmp/dn --steps 200     # a quick try elsewhere

The network learns to predict every ground-truth factor of the synthetic faces: binary factors with a
logistic loss, continuous factors (scaled to [0, 1]) with a squared error. The 32² judge trains on faces
rendered at 16², 32² and 64² (one resolution per step, in turn), each resized to 32²; the 64² judge on 32²
and 64² faces resized to 64² (it judges 64² images and the 32² face crops of PPL at 64²). The faces of a
resolution come from the same seed for both judges. Held-out faces (other seeds) at 16², 32² and 64² give the
accuracy per binary factor and the R² per continuous factor, written into ``domain_net.json``
(``domain_net_64.json``). Deterministic for a given seed and thread count.
"""

from __future__ import annotations

import argparse
import math
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from tqdm.auto import tqdm

from sgan.data import synthetic_faces as sf
from sgan.metrics.domain_net import ARCHITECTURES, INTERNAL_RESOLUTION, DomainNet, save_domain_net, weights_dir

RESOLUTIONS = (16, 32, 64)  # every face resolution; a resolution's faces come from seed + its index here
TRAINING_RESOLUTIONS = {32: (16, 32, 64), 64: (32, 64)}  # internal resolution -> the faces it trains on


def to_targets(factors: dict[str, np.ndarray], net: DomainNet) -> tuple[np.ndarray, np.ndarray]:
    """``(binary [N, B] in {0, 1}, continuous [N, C] scaled to [0, 1])`` in the head's order."""
    binary = np.stack([factors[k] for k in net.binary], axis=1).astype(np.float32)
    cont = [(factors[k] - net.ranges[k][0]) / (net.ranges[k][1] - net.ranges[k][0]) for k in net.continuous]
    return binary, np.stack(cont, axis=1).astype(np.float32)


def render_split(n: int, seed: int, net: DomainNet, resolutions: tuple[int, ...] = RESOLUTIONS
                 ) -> dict[int, tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """{resolution: (images uint8 [n, 3, r, r], binary, continuous targets)}; resolution r from seed
    ``seed + RESOLUTIONS.index(r)`` (the same faces whichever resolutions are rendered)."""
    out = {}
    for res in resolutions:
        images, factors = sf.generate(n, resolution=res, seed=seed + RESOLUTIONS.index(res), progress=True)
        out[res] = (images, *to_targets(factors, net))
    return out


def as_input(images: np.ndarray) -> torch.Tensor:
    return torch.from_numpy(images).float() / 127.5 - 1.0  # uint8 -> [-1, 1]


def loss_fn(net: DomainNet, x: torch.Tensor, yb: torch.Tensor, yc: torch.Tensor) -> torch.Tensor:
    logits, cont = net(x)
    return F.binary_cross_entropy_with_logits(logits, yb) + F.mse_loss(cont, yc)


def train(net: DomainNet, data: dict, steps: int, batch: int, lr: float, seed: int) -> None:
    """``steps`` Adam steps of ``batch`` faces, one resolution of ``data`` per step in turn (ascending)."""
    resolutions = tuple(sorted(data))
    gen = torch.Generator().manual_seed(seed)
    opt = torch.optim.Adam(net.parameters(), lr=lr)
    net.train()
    for step in tqdm(range(steps), desc="training the domain network"):
        for group in opt.param_groups:  # cosine decay to 0
            group["lr"] = lr * 0.5 * (1 + math.cos(math.pi * step / steps))
        images, yb, yc = data[resolutions[step % len(resolutions)]]
        idx = torch.randint(0, images.shape[0], (batch,), generator=gen).numpy()
        loss = loss_fn(net, as_input(images[idx]), torch.from_numpy(yb[idx]), torch.from_numpy(yc[idx]))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
    net.eval()


@torch.no_grad()
def evaluate(net: DomainNet, data: dict) -> dict:
    """Held-out accuracy per binary factor and R² per continuous factor, per resolution and pooled."""
    report: dict = {"accuracy": {}, "r2": {}}
    pooled_b, pooled_c, pooled_tb, pooled_tc = [], [], [], []
    for res, (images, yb, yc) in data.items():
        outs = [net(as_input(images[i:i + 256])) for i in range(0, len(images), 256)]
        logits, cont = zip(*outs, strict=True)
        pb, pc = (torch.cat(logits) > 0).numpy(), torch.cat(cont).clamp(0, 1).numpy()
        report["accuracy"][str(res)] = _accuracy(net, pb, yb)
        report["r2"][str(res)] = _r2(net, pc, yc)
        pooled_b.append(pb), pooled_c.append(pc), pooled_tb.append(yb), pooled_tc.append(yc)
    report["accuracy"]["all"] = _accuracy(net, np.concatenate(pooled_b), np.concatenate(pooled_tb))
    report["r2"]["all"] = _r2(net, np.concatenate(pooled_c), np.concatenate(pooled_tc))
    return report


def _accuracy(net: DomainNet, pred: np.ndarray, target: np.ndarray) -> dict[str, float]:
    return {k: round(float(np.mean(pred[:, i] == (target[:, i] > 0.5))), 4) for i, k in enumerate(net.binary)}


def _r2(net: DomainNet, pred: np.ndarray, target: np.ndarray) -> dict[str, float]:
    # R² = 1 − Σ(y − ŷ)² / Σ(y − ȳ)²
    sse = ((pred - target) ** 2).sum(axis=0)
    sst = ((target - target.mean(axis=0)) ** 2).sum(axis=0)
    return {k: round(float(1 - sse[i] / sst[i]), 4) for i, k in enumerate(net.continuous)}


def build_net(ranges: dict[str, tuple[float, float]], internal_resolution: int) -> DomainNet:
    """A fresh judge of ``internal_resolution`` (its stages from ``ARCHITECTURES``), from torch's global RNG."""
    channels, convs = ARCHITECTURES[internal_resolution]
    return DomainNet(sf.BINARY_FACTORS, sf.CONTINUOUS_FACTORS, ranges, channels, convs, internal_resolution)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=weights_dir(), help="directory for domain_net.pt/.json")
    parser.add_argument("--train-per-res", type=int, default=12000, help="training faces per resolution")
    parser.add_argument("--test-per-res", type=int, default=2000, help="held-out faces per resolution")
    parser.add_argument("--steps", type=int, default=2400)
    parser.add_argument("--batch", type=int, default=96)
    parser.add_argument("--lr", type=float, default=3e-3)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--internal-resolution", type=int, default=INTERNAL_RESOLUTION,
                        choices=sorted(ARCHITECTURES), help="the judge to train: 32 (16²/32² images) or 64")
    parser.add_argument("--threads", type=int, default=1, help="1: reproducible, never oversubscribed")
    args = parser.parse_args(argv)

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)  # the initial weights (this script owns the process)
    ranges = {f.name: (f.low, f.high) for f in sf.FACTORS if f.kind == "continuous"}
    net = build_net(ranges, args.internal_resolution)
    trained_on = TRAINING_RESOLUTIONS[args.internal_resolution]
    start = time.perf_counter()
    train_data = render_split(args.train_per_res, 1000 + 10 * args.seed, net, trained_on)
    test_data = render_split(args.test_per_res, 2000 + 10 * args.seed, net)
    train(net, train_data, args.steps, args.batch, args.lr, args.seed)
    report = evaluate(net, test_data)
    settings = {k: v for k, v in vars(args).items() if k != "out"}
    report["training"] = dict(settings, seconds=round(time.perf_counter() - start, 1),
                              renderer_version=sf.RENDERER_VERSION, resolutions=list(trained_on),
                              train_seeds=[1000 + 10 * args.seed + RESOLUTIONS.index(r) for r in trained_on],
                              test_seeds=[2000 + 10 * args.seed + i for i in range(len(RESOLUTIONS))])
    if args.internal_resolution == INTERNAL_RESOLUTION:  # the 32² judge's json as it always was
        report["training"].pop("internal_resolution")
    path = save_domain_net(net, args.out, report)
    print(f"wrote {path} ({path.stat().st_size / 1024:.0f} KB) in {report['training']['seconds']} s")
    print("held-out accuracy (all resolutions):", report["accuracy"]["all"])
    print("held-out R² (all resolutions):", report["r2"]["all"])


if __name__ == "__main__":
    main()
