"""Adaptive instance normalisation (AdaIN): the styles of StyleGAN (§2, config C on).

A learned affine map A (one per synthesis layer, gain 1) turns w into a style y = (y_s, y_b), two numbers per
channel. After instance normalisation each channel is scaled and shifted by its style:

    AdaIN(x_i, y) = y_s,i · (x_i − μ(x_i)) / σ(x_i) + y_b,i

The official code parameterises the scale as (y_s + 1) with A's bias initialised to 0, so every layer starts
as the identity on normalised features:

    x'_i = IN(x_i) · (y_s,i + 1) + y_b,i
"""

from __future__ import annotations

import torch
from torch import nn

from sgan.nn.equalized import EqualizedLinear
from sgan.nn.norm import instance_norm


class StyleAffine(nn.Module):
    """The learned affine transform A: ``w [N, w_dim] -> (y_s [N, C], y_b [N, C])``."""

    def __init__(self, w_dim: int, channels: int) -> None:
        super().__init__()
        self.channels = channels
        self.affine = EqualizedLinear(w_dim, 2 * channels, gain=1.0)  # bias 0: scale starts at y_s + 1 = 1

    def forward(self, w: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        y = self.affine(w)  # [N, 2C]
        return y[:, : self.channels], y[:, self.channels:]  # y_s, y_b: [N, C] each


def style_modulation(x: torch.Tensor, y_s: torch.Tensor, y_b: torch.Tensor) -> torch.Tensor:
    """``x [N, C, H, W] · (y_s + 1) + y_b`` with per-image, per-channel styles ``[N, C]``."""
    # x' = x · (y_s + 1) + y_b
    return torch.addcmul(y_b[:, :, None, None], x, (y_s + 1.0)[:, :, None, None])


class AdaIN(nn.Module):
    """Instance norm (when ``normalize``) followed by style modulation from w: ``(x, w) -> x'``.

    ``normalize=False`` keeps only the modulation (a style-based generator without instance norm).
    """

    def __init__(self, w_dim: int, channels: int, normalize: bool = True) -> None:
        super().__init__()
        self.normalize = normalize
        self.style = StyleAffine(w_dim, channels)

    def forward(self, x: torch.Tensor, w: torch.Tensor) -> torch.Tensor:  # [N,C,H,W], [N,w_dim] -> [N,C,H,W]
        if w.ndim != 2 or w.shape[0] != x.shape[0]:
            raise ValueError(f"AdaIN expects w [N={x.shape[0]}, w_dim] for x {tuple(x.shape)}, "
                             f"got {tuple(w.shape)}.")
        if self.normalize:
            x = instance_norm(x)
        y_s, y_b = self.style(w)
        return style_modulation(x, y_s, y_b)
