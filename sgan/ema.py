"""The exponential moving average of the generator's weights (ProGAN §A.1, StyleGAN's ``Gs``).

Every sample and metric of the paper comes from a running average of G's weights rather than G itself. After
each minibatch of ``batch`` images:

    β = 0.5^(batch / (ema_kimg · 1000))          (half-life of ``ema_kimg`` thousand images; 10 in the paper)
    θ_ema ← lerp(θ, θ_ema, β) = θ + β · (θ_ema − θ)

Buffers (the tracked w̄ above all) are copied, as the official code does for non-trainable variables
(``beta_nontrainable = 0``), so the EMA generator truncates towards the same w̄ as G.

The level of detail at which G_ema renders during progressive growing is averaged with the same β:

    lod_ema ← lerp(lod, lod_ema, β)        (``ema_lod``; G_ema renders at ``schedule.view_of(lod_ema)``)

This departs from the official code, which copies ``lod`` into Gs like any non-trainable variable. G_ema's
weights are an average over G's recent past, trained at the α of that past; rendered at today's α they mix two
paths in a proportion no G was trained for. With the paper's half-life of 10 kimg against a 600 kimg fade the
two hardly differ. With a half-life that is a sizeable part of the fade (the cpu profile: 1 kimg against 2) the
copied lod made G_ema's FID jump at the end of each fade-in while G's own did not, and the averaged lod keeps
G_ema's FID as smooth as G's: the controlled experiment is ``scripts/fade_in_study.py`` (``results/cpu/fade_in``).
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


# Closer than this, lod_ema becomes lod: a blend weight 1e-4 away from G's moves a pixel in [-1, 1] by at most
# 2e-4, under a fortieth of one 8-bit level, and the last ticks then render exactly as the final metrics do.
LOD_SNAP = 1e-4


def ema_lod(lod_ema: float | None, lod: float, beta: float) -> float:
    """lod_ema ← lerp(lod, lod_ema, β): the level of detail G_ema's averaged weights were trained at
    (``None``, before the first step: ``lod`` itself; within ``LOD_SNAP`` of ``lod``: ``lod``)."""
    if lod_ema is None:
        return lod
    # lod_ema ← lod + β · (lod_ema − lod)
    lod_ema = lod + beta * (lod_ema - lod)
    return lod if abs(lod_ema - lod) < LOD_SNAP else lod_ema
