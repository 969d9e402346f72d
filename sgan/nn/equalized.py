"""Equalized learning rate (Karras et al. 2018, ProGAN §4.1; used unchanged by StyleGAN).

Weights are stored with a trivial initialisation and scaled at run time by the He constant, so every layer
learns at the same speed under Adam whatever its fan-in:

    v ~ N(0, 1/lrmul²)          (stored parameter)
    W = v · gain / √fan_in · lrmul   (effective weight used in the forward pass)
    b = b_stored · lrmul        (b_stored starts at bias_init / lrmul)

so the effective weight has std ``gain / √fan_in`` at init for any ``lrmul``, while the gradient that Adam
sees for ``v`` is scaled by ``gain / √fan_in · lrmul``. The learning-rate multiplier ``lrmul`` (0.01 for the
mapping network) slows a layer down. Gains: √2 before a leaky ReLU (slope 0.2, ``lrelu`` below), 1 for style
affines, ToRGB and D's output.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

SQRT2 = math.sqrt(2.0)
LRELU_SLOPE = 0.2


def lrelu(x: torch.Tensor) -> torch.Tensor:
    """Leaky ReLU with slope 0.2, the activation of every hidden layer of G and D (its gain is √2)."""
    return F.leaky_relu(x, LRELU_SLOPE)


class EqualizedLinear(nn.Module):
    """Dense layer with equalized learning rate: ``y = x Wᵀ + b``, W and b scaled at run time."""

    def __init__(self, in_features: int, out_features: int, gain: float = SQRT2, lrmul: float = 1.0,
                 bias: bool = True, bias_init: float = 0.0) -> None:
        super().__init__()
        if lrmul <= 0:
            raise ValueError(f"lrmul={lrmul!r} must be positive (e.g. 1.0, or 0.01 for the mapping network).")
        self.in_features, self.out_features, self.lrmul = in_features, out_features, lrmul
        # v ~ N(0, 1/lrmul²)
        self.weight = nn.Parameter(torch.randn(out_features, in_features) / lrmul)
        # runtime scale: gain / √fan_in · lrmul
        self.weight_scale = gain / math.sqrt(in_features) * lrmul
        self.bias = nn.Parameter(torch.full((out_features,), bias_init / lrmul)) if bias else None

    def effective_weight(self) -> torch.Tensor:
        return self.weight * self.weight_scale  # [out, in]

    def effective_bias(self) -> torch.Tensor | None:
        return None if self.bias is None else self.bias * self.lrmul  # [out]

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # [N, in] -> [N, out]
        if x.shape[-1] != self.in_features:
            raise ValueError(f"EqualizedLinear expects [..., {self.in_features}], got {tuple(x.shape)}.")
        return F.linear(x, self.effective_weight(), self.effective_bias())

    def extra_repr(self) -> str:
        return f"{self.in_features}, {self.out_features}, scale={self.weight_scale:.4g}, lrmul={self.lrmul}"


class EqualizedConv2d(nn.Module):
    """2-D convolution (stride 1, 'same' zero padding) with equalized learning rate; fan_in = C_in · k²."""

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int, gain: float = SQRT2,
                 lrmul: float = 1.0, bias: bool = True) -> None:
        super().__init__()
        if kernel_size % 2 != 1:
            raise ValueError(f"kernel_size={kernel_size} must be odd (1 or 3) for 'same' padding.")
        if lrmul <= 0:
            raise ValueError(f"lrmul={lrmul!r} must be positive.")
        self.in_channels, self.out_channels, self.kernel_size, self.lrmul = (
            in_channels, out_channels, kernel_size, lrmul)
        # v ~ N(0, 1/lrmul²)
        self.weight = nn.Parameter(torch.randn(out_channels, in_channels, kernel_size, kernel_size) / lrmul)
        # runtime scale: gain / √(C_in k²) · lrmul
        self.weight_scale = gain / math.sqrt(in_channels * kernel_size**2) * lrmul
        self.bias = nn.Parameter(torch.zeros(out_channels)) if bias else None

    def effective_weight(self) -> torch.Tensor:
        return self.weight * self.weight_scale  # [C_out, C_in, k, k]

    def effective_bias(self) -> torch.Tensor | None:
        return None if self.bias is None else self.bias * self.lrmul  # [C_out]

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # [N, C_in, H, W] -> [N, C_out, H, W]
        if x.ndim != 4 or x.shape[1] != self.in_channels:
            raise ValueError(f"EqualizedConv2d expects [N, {self.in_channels}, H, W], got {tuple(x.shape)}.")
        return F.conv2d(x, self.effective_weight(), self.effective_bias(), padding=self.kernel_size // 2)

    def extra_repr(self) -> str:
        return (f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
                f"scale={self.weight_scale:.4g}, lrmul={self.lrmul}")
