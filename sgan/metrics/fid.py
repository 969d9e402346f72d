"""Fréchet Inception Distance (Heusel et al. 2017), as the paper measures it (§2, Table 1;
official metrics/frechet_inception_distance.py).

    FID = ‖μ_r − μ_g‖² + Tr(Σ_r + Σ_g − 2 (Σ_r Σ_g)^½)

μ, Σ are the mean and covariance of pool features of N real images and of N generated ones (z ~ N(0, I),
random noise, no truncation), the latter rounded to 8-bit levels and clipped like the real images (the
official code converts them to uint8 before the Inception network). The real images are drawn as the
official code draws them: a random subset of the data set (a fixed seed, so the statistics can be cached), a
random half of it mirrored when the run trained with mirror augmentation (``mirror=True``, the faces' setting).
Features: Inception-v3 when its weights are here, else sgan's domain network (``features.py``: the judge of
the compared images' resolution, 32² for 16² and 32² images, 64² for 64²); the result records which. Real
statistics are cached on disk (``stats_cache.py``, keyed by that judge's id). When the generator works below
the data set's resolution (progressive growing), the real images are box-downsampled to match.

``FIDTracker`` measures the same FID on every tick of a training run (the learning curve; the paper reports
the best FID seen during training): a snapshot taken at a lower resolution or during a fade is rendered with
its α and enlarged (nearest) to the final resolution, as the official code evaluates snapshots, so every
tick is compared with the same real statistics and the last tick's value is ``fid_metric``'s.
"""

from __future__ import annotations

import os
import time
import warnings
from typing import Any

import torch
import torch.nn.functional as F

from sgan.metrics import sampling, stats_cache
from sgan.metrics.features import FeatureNetwork, extract_features, feature_network
from sgan.metrics.frechet import feature_statistics, frechet_distance
from sgan.metrics.names import metric_name

REAL_DRAW_SEED = 0  # which real images FID reads: fixed, so that their statistics are computed once


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
                    cache_dir: str | os.PathLike | None = "data", mirror: bool = True):
    """``(mu, sigma, n_used, was_cached)`` of ``min(count, len(dataset))`` real images, drawn at random (seed
    ``REAL_DRAW_SEED``), a random half of them mirrored when ``mirror``."""
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
        reals = sampling.iterate_real(dataset, n, batch_size, device, progress, "FID: real images",
                                      seed=REAL_DRAW_SEED, mirror=mirror)
        return feature_statistics(extract_features(network, (_resize_real(x, resolution) for x in reals)))

    if cache_dir is None:
        return *compute(), n, False
    draw = f"random{REAL_DRAW_SEED}{'-mirror' if mirror else ''}"
    path = stats_cache.cache_path(cache_dir, dataset, resolution, network.name, n, draw)
    mu, sigma, cached = stats_cache.load_or_compute(path, compute)
    return mu, sigma, n, cached


def generated_statistics(G: Any, count: int, network: FeatureNetwork, seed: int, batch_size: int,
                         device: torch.device, progress: bool = True, resolution: int | None = None,
                         alpha: float = 1.0, enlarge_to: int | None = None, latents: int = 1):
    """``(mu, sigma)`` of ``count`` generated images, rendered at ``resolution`` (None: G's) with fade-in
    ``alpha``, and enlarged (nearest) to ``enlarge_to`` when that is larger; each mixed from ``latents``
    latents (Table 2)."""
    batches = sampling.iterate_generated(G, count, seed, batch_size, device, progress, "FID: generated",
                                         resolution, alpha, latents)

    def images():
        for _, _, img in batches:
            if enlarge_to is not None and img.shape[-1] < enlarge_to:
                img = F.interpolate(img, size=(enlarge_to, enlarge_to), mode="nearest")  # [B, 3, R, R]
            yield quantize(img)

    return feature_statistics(extract_features(network, images()))


def fid_metric(spec: Any, G: Any, dataset: Any, *, device: str = "cpu", seed: int = 0, progress: bool = True,
               features: str = "auto", batch_size: int | None = None,
               cache_dir: str | os.PathLike | None = "data", inception_path: str | os.PathLike | None = None,
               resolution: int | None = None, mirror: bool = True) -> dict:
    """FID of ``spec.num_samples`` generated images against the data set (registry: ``fid<count>``; with
    ``fid<count>_mix<k>`` every generated image is mixed from ``spec.latents`` latents, Table 2).

    ``mirror``: mirror a random half of the real images, as the official code does for runs trained with
    mirror augmentation (pass the run's ``config.train.mirror``)."""
    dev = sampling.resolve_device(device)
    res = resolution or G.cfg.resolution
    bs = batch_size or sampling.default_batch_size(dev, res)
    network = feature_network(features, dev, inception_path, res)  # the judge of the images' resolution
    mu_r, sigma_r, n_real, cached = real_statistics(dataset, spec.num_samples, network, res, bs, dev,
                                                    progress, cache_dir, mirror)
    mu_g, sigma_g = generated_statistics(G, spec.num_samples, network, seed, bs, dev, progress, resolution,
                                         latents=spec.latents)
    return dict(value=frechet_distance(mu_r, sigma_r, mu_g, sigma_g), feature_network=network.name,
                distance="frechet", real_count=n_real, real_stats_cached=cached, resolution=res,
                dataset=getattr(dataset, "name", None), mirror=mirror, latents=spec.latents)


class FIDTracker:
    """FID of a generator at any point of its training: the learning curve's measurement.

    ``tracker(G, resolution, alpha)`` renders ``num_samples`` images of ``G`` at the snapshot's resolution and
    fade-in ``alpha``, enlarges them (nearest) to ``G``'s final resolution and compares them with the real
    statistics at that resolution (computed once). At the final resolution with α = 1 the value equals
    ``compute_metric(f"fid{num_samples}", G, dataset, features=features, seed=seed, mirror=mirror)``.
    """

    def __init__(self, dataset: Any, num_samples: int, resolution: int, features: str = "domain",
                 device: str | torch.device = "cpu", seed: int = 0, mirror: bool = True,
                 cache_dir: str | os.PathLike | None = "data") -> None:

        self.device = sampling.resolve_device(device)
        self.num_samples, self.resolution, self.seed = num_samples, resolution, seed
        self.name = metric_name("fid", num_samples)
        self.batch_size = sampling.default_batch_size(self.device, resolution)
        self.network = feature_network(features, self.device, resolution=resolution)  # the final resolution's
        self.mu, self.sigma, _, _ = real_statistics(dataset, num_samples, self.network, resolution,
                                                    self.batch_size, self.device, False, cache_dir, mirror)

    def __call__(self, G: Any, resolution: int | None = None, alpha: float = 1.0) -> dict[str, Any]:
        """``{"value", "seconds"}`` of ``G`` rendered at ``resolution`` (None: the final one) and ``alpha``."""
        start = time.perf_counter()
        mu, sigma = generated_statistics(G, self.num_samples, self.network, self.seed, self.batch_size,
                                         self.device, False, resolution, alpha, enlarge_to=self.resolution)
        value = frechet_distance(self.mu, self.sigma, mu, sigma)
        return {"value": value, "seconds": time.perf_counter() - start}
