"""The exponential moving average of the generator's weights (ProGAN §A.1, StyleGAN's ``Gs``).

Every sample and metric of the paper comes from a running average of G's weights rather than G itself. After
each minibatch of ``batch`` images:

    β = 0.5^(batch / (ema_kimg · 1000))          (half-life of ``ema_kimg`` thousand images; 10 in the paper)
    θ_ema ← lerp(θ, θ_ema, β) = θ + β · (θ_ema − θ)

Buffers (the tracked w̄ above all) are copied, as the official code does for non-trainable variables
(``beta_nontrainable = 0``), so the EMA generator truncates towards the same w̄ as G.
"""

from __future__ import annotations

import copy

import torch
from torch import nn


def ema_beta(batch: int, ema_kimg: float) -> float:
    """β = 0.5^(batch / (ema_kimg·1000)); ``ema_kimg = 0`` means no averaging (β = 0: a plain copy)."""
    if batch < 1:
        raise ValueError(f"batch={batch!r} must be >= 1.")
    if ema_kimg < 0:
        raise ValueError(f"ema_kimg={ema_kimg!r} must be >= 0.")
    if ema_kimg == 0:
        return 0.0
    # β = 0.5^(batch / (ema_kimg · 1000))
    return 0.5 ** (batch / (ema_kimg * 1000.0))


def make_ema(model: nn.Module) -> nn.Module:
    """A frozen copy of ``model`` (eval mode, no gradients) to average into."""
    ema = copy.deepcopy(model).eval()
    ema.requires_grad_(False)
    return ema


@torch.no_grad()
def update_ema(ema: nn.Module, model: nn.Module, beta: float) -> None:
    """θ_ema ← lerp(θ, θ_ema, β) for parameters; buffers (w̄) copied from ``model``."""
    if not 0.0 <= beta <= 1.0:
        raise ValueError(f"beta={beta!r} must lie in [0, 1].")
    ema_params = dict(ema.named_parameters())
    for name, param in model.named_parameters():
        # θ_ema ← θ + β · (θ_ema − θ)
        ema_params[name].copy_(torch.lerp(param.detach(), ema_params[name], beta))
    ema_buffers = dict(ema.named_buffers())
    for name, buf in model.named_buffers():
        ema_buffers[name].copy_(buf)
