"""Truncation trick in W (StyleGAN §3.2 / appendix B): trade variety for average-image quality at inference.

With w̄ the centre of mass of W (tracked during training as w̄ ← lerp(batch mean of w, w̄, 0.995)):

    w' = w̄ + ψ (w − w̄)

applied to the layers before ``cutoff`` only (official: the 8 layers of 4²-32²); later layers keep w.
ψ = 1 is the identity, ψ = 0 gives w̄. Never used during training or for metrics.
"""

from __future__ import annotations

import torch


def truncate(ws: torch.Tensor, w_avg: torch.Tensor, psi: float, cutoff: int | None = None) -> torch.Tensor:
    """Pull ``ws [N, L, w_dim]`` towards ``w_avg [w_dim]`` by ``psi`` on layers [0, cutoff) (None: all)."""
    if ws.ndim != 3 or w_avg.shape != ws.shape[2:]:
        raise ValueError(f"truncate expects ws [N, L, w_dim] and w_avg [w_dim], got {tuple(ws.shape)} and "
                         f"{tuple(w_avg.shape)}.")
    cutoff = ws.shape[1] if cutoff is None else cutoff
    if cutoff < 0:
        raise ValueError(f"cutoff={cutoff} must be >= 0 (the number of leading layers to truncate).")
    out = ws.clone()
    # w' = w̄ + ψ (w − w̄)   (torch.lerp is exact at ψ = 0 and ψ = 1)
    out[:, :cutoff] = torch.lerp(w_avg.to(ws.dtype), ws[:, :cutoff], float(psi))
    return out
