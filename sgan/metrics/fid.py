"""Fréchet Inception Distance (Heusel et al. 2017), as the paper measures it (stylegan-facts.md, "Metrics").

    FID = ‖μ_r − μ_g‖² + Tr(Σ_r + Σ_g − 2 (Σ_r Σ_g)^½)

μ, Σ are the mean and covariance of pool features of real images (the data set's first N, no mirroring)
and of N generated ones (z ~ N(0, I), random noise, no truncation), the latter rounded to 8-bit levels and
clipped like the real images (the official code converts them to uint8 before the Inception network).
Features: Inception-v3 when its weights are here, else sgan's domain network (``features.py``); the result
records which. Real statistics are cached on disk (``stats_cache.py``). When the generator works below the
data set's resolution (progressive growing), the real images are box-downsampled to match.
"""

from __future__ import annotations

import os
import warnings
from typing import Any

import torch
import torch.nn.functional as F

from sgan.metrics import sampling, stats_cache
from sgan.metrics.features import FeatureNetwork, extract_features, feature_network
from sgan.metrics.frechet import feature_statistics, frechet_distance


def quantize(images: torch.Tensor) -> torch.Tensor:
    """Images in [-1, 1] onto the 256 levels of uint8, clipped (official ``convert_images_to_uint8``:
    floor(x · 127.5 + 128), saturated), and back to [-1, 1]."""
    return torch.clamp(torch.floor((images + 1) * 127.5 + 0.5), 0, 255) / 127.5 - 1


def _resize_real(images: torch.Tensor, resolution: int) -> torch.Tensor:
    if images.shape[2] == resolution:
        return images
    return F.avg_pool2d(images, images.shape[2] // resolution)  # box filter, as the data pyramid of ProGAN


def real_statistics(dataset: Any, count: int, network: FeatureNetwork, resolution: int, batch_size: int,
                    device: torch.device, progress: bool = True,
                    cache_dir: str | os.PathLike | None = "data"):
    """``(mu, sigma, n_used, was_cached)`` of the first ``min(count, len(dataset))`` real images."""
    if dataset is None:
        raise ValueError("FID needs the real data set: pass dataset=load_dataset(...), G's training data.")
    if dataset.resolution < resolution or dataset.resolution % resolution:
        raise ValueError(f"The data set is {dataset.resolution}² but the images to compare are "
                         f"{resolution}²: "
                         "use a data set at the generator's resolution (or a multiple of it).")
    n = min(count, len(dataset))
    if n < count:
        warnings.warn(f"FID: the data set has only {len(dataset)} images; using {n} real images for {count} "
                      "generated ones.", stacklevel=3)

    def compute():
        images = (_resize_real(x, resolution) for x in sampling.iterate_real(dataset, n, batch_size, device,
                                                                             progress, "FID: real images"))
        return feature_statistics(extract_features(network, images))

    if cache_dir is None:
        return *compute(), n, False
    path = stats_cache.cache_path(cache_dir, dataset, resolution, network.name, n)
    mu, sigma, cached = stats_cache.load_or_compute(path, compute)
    return mu, sigma, n, cached


def generated_statistics(G: Any, count: int, network: FeatureNetwork, seed: int, batch_size: int,
                         device: torch.device, progress: bool = True, resolution: int | None = None):
    """``(mu, sigma)`` of ``count`` generated images."""
    batches = sampling.iterate_generated(G, count, seed, batch_size, device, progress, "FID: generated",
                                         resolution)
    images = (quantize(img) for _, _, img in batches)
    return feature_statistics(extract_features(network, images))


def fid_metric(spec: Any, G: Any, dataset: Any, *, device: str = "cpu", seed: int = 0, progress: bool = True,
               features: str = "auto", batch_size: int | None = None,
               cache_dir: str | os.PathLike | None = "data", inception_path: str | os.PathLike | None = None,
               resolution: int | None = None) -> dict:
    """FID of ``spec.num_samples`` generated images against the data set (registry: ``fid<count>``)."""
    dev = sampling.resolve_device(device)
    res = resolution or G.cfg.resolution
    bs = batch_size or sampling.default_batch_size(dev, res)
    network = feature_network(features, dev, inception_path)
    mu_r, sigma_r, n_real, cached = real_statistics(dataset, spec.num_samples, network, res, bs, dev,
                                                    progress, cache_dir)
    mu_g, sigma_g = generated_statistics(G, spec.num_samples, network, seed, bs, dev, progress, resolution)
    return dict(value=frechet_distance(mu_r, sigma_r, mu_g, sigma_g), feature_network=network.name,
                distance="frechet", real_count=n_real, real_stats_cached=cached, resolution=res,
                dataset=getattr(dataset, "name", None))
