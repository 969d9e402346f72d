"""Normalisations: pixel norm (ProGAN, configs A-B) and instance norm (the "IN" of AdaIN, configs C-F).

Pixel norm rescales each pixel's feature vector to unit mean square across channels:

    b_{x,y} = a_{x,y} / √( (1/C) Σ_c (a^c_{x,y})² + ε )

Instance norm normalises each channel of each image over its spatial positions:

    IN(x_i) = (x_i − μ(x_i)) / √(σ²(x_i) + ε)     (μ, σ² over H×W; σ² the biased variance)

ε = 1e-8 as in the official code. Pixel norm also normalises the input latent z (over its features).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

EPS = 1e-8


def pixel_norm(x: torch.Tensor, eps: float = EPS) -> torch.Tensor:
    """Unit mean square over dim 1: ``[N, C, H, W]`` per pixel, or ``[N, D]`` per latent."""
    if x.ndim < 2:
        raise ValueError(f"pixel_norm expects [N, C, ...], got {tuple(x.shape)}.")
    # b = a / √(mean_c a² + ε)
    return x * torch.rsqrt(x.square().mean(dim=1, keepdim=True) + eps)


def instance_norm(x: torch.Tensor, eps: float = EPS) -> torch.Tensor:
    """Zero mean, unit (biased) variance per image and channel over H×W: ``[N, C, H, W]``."""
    if x.ndim != 4:
        raise ValueError(f"instance_norm expects [N, C, H, W], got {tuple(x.shape)}.")
    # IN(x) = (x − μ) / √(σ² + ε): torch's fused kernel computes exactly this (biased σ² over H×W, no
    # affine, no running statistics); tests check it against the formula written out.
    return F.instance_norm(x, eps=eps)


class PixelNorm(nn.Module):
    def __init__(self, eps: float = EPS) -> None:
        super().__init__()
        self.eps = eps

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return pixel_norm(x, self.eps)


class InstanceNorm(nn.Module):
    def __init__(self, eps: float = EPS) -> None:
        super().__init__()
        self.eps = eps

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return instance_norm(x, self.eps)
