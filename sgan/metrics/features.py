"""Feature networks for FID: the paper's Inception-v3 when its weights are here, else sgan's domain network.

``feature_network(name)`` returns a ``FeatureNetwork``: ``images [N, 3, H, W] in [-1, 1] -> [N, D]`` plus the
name that the metric result and the statistics cache record.

* ``"inception"``: Inception-v3 2048-d pool features (the paper's; weights from pretrained.py, verified).
* ``"domain"``: the domain network's pooled stage features (offline, shipped with sgan): the judge of the images'
  resolution (``domain_net.judge_resolution``: the 32² judge for 16² and 32², the 64² judge for 64²), whose id
  (``domain-net-<sha8>`` / ``domain-net-64-<sha8>``) names the result and the cached real statistics.
* ``"auto"``: inception when its file is present and verified, else domain. FIDs from different networks are
  different numbers on different scales: compare only values whose ``feature_network`` agrees.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numpy as np
import torch

from sgan.config import FEATURE_NETWORKS
from sgan.metrics.domain_net import load_domain_net
from sgan.metrics.pretrained import INCEPTION, weights_available


@dataclass(frozen=True)
class FeatureNetwork:
    """A named feature extractor: ``fn(images [N, 3, H, W] in [-1, 1]) -> [N, dim]``."""

    name: str
    dim: int
    fn: Callable[[torch.Tensor], torch.Tensor]

    @torch.no_grad()
    def __call__(self, images: torch.Tensor) -> torch.Tensor:
        out = self.fn(images)
        if out.shape != (images.shape[0], self.dim):
            raise ValueError(f"{self.name} returned {tuple(out.shape)}, "
                             f"expected [{images.shape[0]}, {self.dim}].")
        return out


def feature_network(name: str = "auto", device: str | torch.device = "cpu",
                    inception_path: str | os.PathLike | None = None,
                    resolution: int | None = None) -> FeatureNetwork:
    """The FID feature network ``name`` ("auto" | "inception" | "domain") on ``device``, for images of
    ``resolution``² (it picks the domain network's judge; None: the 32² judge; Inception takes any)."""
    if name not in FEATURE_NETWORKS:
        raise ValueError(f"features={name!r}: choose one of {FEATURE_NETWORKS}.")
    if name == "auto":
        name = "inception" if weights_available(INCEPTION, inception_path) else "domain"
    if name == "inception":
        from sgan.metrics.inception import InceptionFeatures  # torchvision at its top: seconds to import

        net = InceptionFeatures.from_pretrained(inception_path, device)
        return FeatureNetwork(net.name, net.dim, net)
    net = load_domain_net(device, resolution=resolution)
    return FeatureNetwork(net.name, net.feature_dim, net.features)


def extract_features(network: FeatureNetwork, batches: Iterable[torch.Tensor]) -> np.ndarray:
    """Run ``network`` over image batches; ``[N, D]`` float64 features on the CPU."""
    out = [network(images).double().cpu().numpy() for images in batches]
    return np.concatenate(out) if out else np.zeros((0, network.dim))
