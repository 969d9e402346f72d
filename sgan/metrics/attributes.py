"""Facial attributes of generated faces: does a model draw eyes, mouths and glasses? (beyond the paper)

FID says how far two feature distributions are; it does not say *what* is missing. The synthetic faces know
their factors, and sgan's domain network (the judge of G's resolution: 32² for 16² and 32², 64² for 64²) reads
them back from real faces at 99–100% accuracy (``sgan/weights/domain_net.json``, ``domain_net_64.json``). Over
N images, for each binary factor f,

    rate(f)     = mean [P(f) > ½]                 (how often the network sees the factor)
    decided(f)  = mean |2 P(f) − 1|                (1: the network is sure either way; 0: it cannot tell)

for N real images and N generated ones (z ~ N(0, I), random noise, no truncation). The metric ``attrs<count>``
is the mean, over the facial features (``FACIAL``: eyes open, smiling, glasses, bushy eyebrows, beard; the
paper's "middle" styles), of |rate(fake) − rate(real)|: 0 when the generator draws each feature as often as
the data has it (two sets of real faces: ~0.02 at 2k), larger when it draws them wrongly or not at all (a face
with smudges for eyes is not read as eyes open, as 75% of the data are). Lower is better, like FID.

The network is over-confident on images unlike its training data (decided(fake) stays ~0.85 on faces with
no features), so decisiveness is reported, not scored; the rates are the evidence.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from sgan.metrics import sampling
from sgan.metrics.domain_net import load_domain_net

FACIAL = ("eyes_open", "smiling", "glasses", "bushy_eyebrows", "beard")


def attribute_statistics(probabilities: dict[str, np.ndarray]) -> dict[str, dict[str, float]]:
    """``{factor: {"rate", "decided"}}`` from each factor's P(factor = 1) over N images."""
    out = {}
    for name, p in probabilities.items():
        p = np.asarray(p, dtype=np.float64)
        # rate = mean [P > ½];  decided = mean |2P − 1|
        out[name] = {"rate": float(np.mean(p > 0.5)), "decided": float(np.mean(np.abs(2 * p - 1)))}
    return out


def _probabilities(net: Any, batches) -> dict[str, np.ndarray]:
    out: dict[str, list[np.ndarray]] = {}
    for images in batches:
        predictions = net.predict(images.clamp(-1, 1))
        for name in net.binary:
            out.setdefault(name, []).append(predictions[name].cpu().numpy())
    return {k: np.concatenate(v) for k, v in out.items()}


@torch.no_grad()
def attrs_metric(spec: Any, G: Any, dataset: Any, *, device: str = "cpu", seed: int = 0, progress: bool = True,
                 batch_size: int | None = None) -> dict:
    """Registry entry for ``attrs<count>``: generated faces' attributes against ``spec.num_samples`` reals."""
    if dataset is None:
        raise ValueError("attrs needs the real data set to compare with: pass dataset=load_dataset(...).")
    dev = sampling.resolve_device(device)
    res = G.cfg.resolution
    bs = batch_size or sampling.default_batch_size(dev, res)
    net = load_domain_net(dev, resolution=res)  # the judge of G's resolution
    missing = [f for f in FACIAL if f not in net.binary]
    if missing:
        raise ValueError(f"the domain network does not read the factors {missing}: retrain it "
                         "(scripts/train_domain_net.py).")
    n = min(spec.num_samples, len(dataset))
    reals = sampling.iterate_real(dataset, n, bs, dev, progress, "attrs: real images", seed=seed)
    fakes = (img for _, _, img in sampling.iterate_generated(G, spec.num_samples, seed, bs, dev, progress,
                                                             "attrs: generating"))
    real, fake = attribute_statistics(_probabilities(net, reals)), attribute_statistics(_probabilities(net, fakes))
    gaps = {f: abs(fake[f]["rate"] - real[f]["rate"]) for f in FACIAL}
    # attrs = mean over facial features of |rate(fake) − rate(real)|
    return dict(value=float(np.mean(list(gaps.values()))), feature_network=net.name,
                distance="mean |rate(fake) - rate(real)| of the facial features (domain network)",
                gaps=gaps, real=real, fake=fake, facial=list(FACIAL), real_count=n)
