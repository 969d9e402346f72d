"""Perceptual path length (StyleGAN §4.1, Eq. 2–3; official ``metrics/perceptual_path_length.py``).

In W (Eq. 3), for w₁ = f(z₁), w₂ = f(z₂) broadcast to every layer:

    l_W = E[ d(g(lerp(w₁, w₂; t)), g(lerp(w₁, w₂; t + ε))) / ε² ]

In Z (Eq. 2), with slerp between the normalised z₁, z₂ and the mapping applied after:

    l_Z = E[ d(G(slerp(z₁, z₂; t)), G(slerp(z₁, z₂; t + ε))) / ε² ]

ε = 1e-4; "full": t ~ U(0, 1); "end": t = 0 (the path's endpoints), as the official code (U(0, 0)). Both
images of a pair share their noise inputs. Images are cropped to the face (c = H/8: rows 3c:7c, columns
2c:6c; the synthetic faces follow FFHQ's alignment, so the crop holds the face), then d is LPIPS-VGG16 when
its weights are here, else the domain network's LPIPS-style distance through the judge of G's resolution (the
32² judge at 16² and 32², the 64² judge at 64², which enlarges the 32² crops as the 32² judge enlarges the 16²
crops of 32² images; the official code, too, never shrinks the crops below 256²); the result says which.
Distances outside the 1st–99th percentiles (numpy "lower"/"higher", inclusive) are discarded before averaging.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

import numpy as np
import torch

from sgan.metrics import sampling
from sgan.metrics.domain_net import load_domain_net
from sgan.metrics.pretrained import VGG16, weights_available

EPSILON = 1e-4
SPACES, SAMPLINGS, CROPS = ("z", "w"), ("full", "end"), ("face", "none")
Distance = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]


def normalize(v: torch.Tensor) -> torch.Tensor:
    """v / ‖v‖ along the last axis."""
    return v / v.norm(dim=-1, keepdim=True)


def slerp(a: torch.Tensor, b: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
    """Spherical interpolation between the normalised ``a``, ``b`` [N, D] at ``t`` [N, 1] or a scalar (unit norm;
    the PPL in Z and the interpolation figures, ``sgan.viz.figures.interpolate``)."""
    a, b = normalize(a), normalize(b)
    d = (a * b).sum(dim=-1, keepdim=True).clamp(-1.0, 1.0)  # cos θ
    p = t * torch.acos(d)  # t θ
    c = b - d * a
    c = c / c.norm(dim=-1, keepdim=True).clamp_min(1e-12)  # unit vector ⟂ a in the a-b plane (0 when b = a)
    # slerp(a, b; t) = a cos(tθ) + c sin(tθ)
    return normalize(a * torch.cos(p) + c * torch.sin(p))


def lerp(a: torch.Tensor, b: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
    """a + (b − a) t."""
    return a + (b - a) * t


def crop_face(images: torch.Tensor, crop: str = "face") -> torch.Tensor:
    """The official face crop ``[N, 3, H, W] -> [N, 3, H/2, W/2]`` (c = H/8: rows 3c:7c, columns 2c:6c)."""
    if crop == "none":
        return images
    if crop != "face":
        raise ValueError(f"crop={crop!r}: choose one of {CROPS}.")
    c = images.shape[2] // 8
    return images[:, :, 3 * c:7 * c, 2 * c:6 * c]


def resolve_distance(distance: str | Distance, device: torch.device,
                     vgg_path: str | os.PathLike | None = None,
                     resolution: int | None = None) -> tuple[Distance, str, str | None]:
    """``(fn, distance_name, feature_network_name)`` for "auto" | "lpips" | "domain" | a callable;
    "domain" is the judge of ``resolution``² images (G's: its face crops are half that, enlarged by the judge)."""
    if callable(distance):
        return distance, getattr(distance, "name", type(distance).__name__), None
    if distance not in ("auto", "lpips", "domain"):
        raise ValueError(f"distance={distance!r}: choose 'auto', 'lpips', 'domain' or pass a callable.")
    if distance == "auto":
        distance = "lpips" if weights_available(VGG16, vgg_path) else "domain"
    if distance == "lpips":
        from sgan.metrics.lpips_vgg import LPIPSDistance  # torchvision at its top: seconds to import

        return LPIPSDistance.from_pretrained(vgg_path, device), "lpips-vgg16", "vgg16"
    net = load_domain_net(device, resolution=resolution)
    return net.distance, "lpips-style (unit-normalised, unweighted)", net.name


def _pair_latents(G: Any, z: torch.Tensor, t: torch.Tensor, space: str, epsilon: float) -> torch.Tensor:
    """``ws [2B, L, w_dim]``: the B path points at t, then the B points at t + ε."""
    z0, z1 = z[0::2], z[1::2]  # pairs interleaved, as the official code
    if space == "w":
        ws = G.broadcast(G.mapping(z))  # [2B, L, w_dim]
        w0, w1 = ws[0::2], ws[1::2]
        tt = t[:, None, None]
        return torch.cat([lerp(w0, w1, tt), lerp(w0, w1, tt + epsilon)])
    tt = t[:, None]
    zs = torch.cat([slerp(z0, z1, tt), slerp(z0, z1, tt + epsilon)])  # [2B, z_dim]
    return G.broadcast(G.mapping(zs))


@torch.no_grad()
def path_distances(G: Any, n: int, space: str, sampling_: str, distance: Distance, seed: int = 0,
                   batch_size: int = 64, device: str | torch.device = "cpu", epsilon: float = EPSILON,
                   crop: str = "face", progress: bool = True, resolution: int | None = None) -> np.ndarray:
    """The ``n`` per-pair values d(·, ·) / ε² [n] (float64) before percentile filtering."""
    if space not in SPACES or sampling_ not in SAMPLINGS:
        raise ValueError(f"space must be one of {SPACES} and sampling one of {SAMPLINGS}; "
                         f"got {space!r}, {sampling_!r}.")
    dev = sampling.resolve_device(device)
    z_gen, t_gen = sampling.stream(seed, sampling.LATENT_STREAM), sampling.stream(seed, sampling.PPL_T_STREAM)
    noise_gen = sampling.stream(seed, sampling.NOISE_STREAM)
    sampling.check_device(G, dev)
    out = []
    with sampling.eval_mode(G):
        for b in sampling.batches(n, batch_size, progress, f"PPL {space} {sampling_}"):
            z = torch.randn(2 * b, G.cfg.z_dim, generator=z_gen, device="cpu").to(dev)  # [2B, z_dim]
            t = torch.rand(b, generator=t_gen, dtype=torch.float64, device="cpu").to(dev)
            t = (t if sampling_ == "full" else torch.zeros_like(t)).float()  # "end": t = 0 exactly
            ws = _pair_latents(G, z, t, space, epsilon)
            noise = sampling.draw_noise(G, b, noise_gen, dev)
            noise = [torch.cat([x, x]) for x in noise]  # both images of a pair share their noise
            images = sampling.check_images(G.synthesis(ws, resolution=resolution, noise=noise), 2 * b,
                                           "G.synthesis")
            img0, img1 = crop_face(images, crop).chunk(2)
            out.append(distance(img0, img1).double().cpu().numpy() / epsilon**2)
    return np.concatenate(out)


def filtered_mean(values: np.ndarray) -> tuple[float, int]:
    """Mean of ``values`` within their [1st, 99th] percentiles (official rejection of outliers), and the count
    kept."""
    lo = np.percentile(values, 1, method="lower")
    hi = np.percentile(values, 99, method="higher")
    kept = values[(values >= lo) & (values <= hi)]
    return float(kept.mean()), int(kept.size)


def ppl_metric(spec: Any, G: Any, dataset: Any = None, *, device: str = "cpu", seed: int = 0,
               progress: bool = True, distance: str | Distance = "auto", batch_size: int | None = None,
               epsilon: float = EPSILON, crop: str = "face", vgg_path: str | os.PathLike | None = None,
               resolution: int | None = None) -> dict:
    """Registry entry for ``ppl_<space><sampling>[_<count>]`` (``dataset`` is not used)."""
    dev = sampling.resolve_device(device)
    res = resolution or G.cfg.resolution
    bs = batch_size or max(1, sampling.default_batch_size(dev, res) // 2)  # two images per pair
    fn, dist_name, net_name = resolve_distance(distance, dev, vgg_path, res)  # the judge of G's resolution
    values = path_distances(G, spec.num_samples, spec.space, spec.sampling, fn, seed, bs, dev, epsilon, crop,
                            progress, resolution)
    value, kept = filtered_mean(values)
    return dict(value=value, feature_network=net_name, distance=dist_name, space=spec.space,
                sampling=spec.sampling, epsilon=epsilon, crop=crop, kept=kept,
                mean_unfiltered=float(values.mean()), resolution=res)
