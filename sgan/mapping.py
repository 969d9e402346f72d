"""Mapping network f: Z → W (StyleGAN §2, config C on).

The input latent is first pixel-normalised, then passed through an MLP of L layers:

    w = f(z) = φ_L( ... φ_1( z / √(mean(z²) + ε) ) ),   φ_l(h) = lrelu(W_l h + b_l)

with width 512 and equalized learning rate slowed by lrmul = 0.01 (weights and biases). Every layer, the last
included, ends with the leaky ReLU (as in the official code). With L = 0 (configs A, B, and Table 4's
"0 layers") w is the normalised z.
"""

from __future__ import annotations

import torch
from torch import nn

from sgan.nn.equalized import SQRT2, EqualizedLinear, lrelu
from sgan.nn.norm import pixel_norm


class MappingNetwork(nn.Module):
    """``z [N, z_dim] -> w [N, w_dim]`` through ``num_layers`` dense layers of ``width`` units."""

    def __init__(self, z_dim: int, w_dim: int, num_layers: int = 8, width: int = 512,
                 lrmul: float = 0.01) -> None:
        super().__init__()
        if num_layers == 0 and w_dim != z_dim:
            raise ValueError(f"A 0-layer mapping returns the normalised z: w_dim ({w_dim}) must equal "
                             f"z_dim ({z_dim}).")
        self.z_dim, self.w_dim, self.num_layers = z_dim, w_dim, num_layers
        sizes = [z_dim] + [width] * (num_layers - 1) + [w_dim] if num_layers else []
        self.layers = nn.ModuleList(
            EqualizedLinear(a, b, gain=SQRT2, lrmul=lrmul) for a, b in zip(sizes[:-1], sizes[1:], strict=True)
        )

    def forward(self, z: torch.Tensor) -> torch.Tensor:  # [N, z_dim] -> [N, w_dim]
        if z.ndim != 2 or z.shape[1] != self.z_dim:
            raise ValueError(f"MappingNetwork expects z of shape [N, {self.z_dim}], got {tuple(z.shape)}.")
        # z / √(mean(z²) + ε)
        x = pixel_norm(z)
        for layer in self.layers:
            # φ_l(h) = lrelu(W_l h + b_l)
            x = lrelu(layer(x))
        return x
