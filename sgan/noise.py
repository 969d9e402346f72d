"""Noise inputs (StyleGAN §3.2, config E on): explicit stochastic variation.

Each synthesis layer receives one single-channel image of uncorrelated Gaussian noise, broadcast to all
feature maps with a learned per-channel scaling factor B (initialised to zero: a new network ignores noise):

    x' = x + B ⊙ n,    n ~ N(0, 1) of shape [N, 1, H, W],   B ∈ R^C
"""

from __future__ import annotations

import torch
from torch import nn


def draw_noise(n: int, resolution: int, generator: torch.Generator | None = None,
               device: torch.device | str = "cpu", dtype: torch.dtype = torch.float32) -> torch.Tensor:
    """Fresh noise ``[n, 1, resolution, resolution]`` ~ N(0, 1) from ``generator`` (global RNG if None)."""
    draw_device = generator.device if generator is not None else device
    noise = torch.randn(n, 1, resolution, resolution, generator=generator, device=draw_device)
    return noise.to(device=device, dtype=dtype)


class NoiseInput(nn.Module):
    """Add per-pixel noise scaled per channel: ``x [N, C, H, W], noise [N or 1, 1, H, W] -> x + B·noise``."""

    def __init__(self, channels: int) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.zeros(channels))  # B, initialised to zero (official)

    def forward(self, x: torch.Tensor, noise: torch.Tensor) -> torch.Tensor:
        n, _, h, w = x.shape
        if noise.ndim != 4 or tuple(noise.shape[1:]) != (1, h, w) or noise.shape[0] not in (1, n):
            raise ValueError(f"NoiseInput: noise must be [{n} or 1, 1, {h}, {w}] for x {tuple(x.shape)}, "
                             f"got {tuple(noise.shape)}.")
        # x' = x + B ⊙ n
        return torch.addcmul(x, noise.to(x.dtype), self.weight.view(1, -1, 1, 1))
