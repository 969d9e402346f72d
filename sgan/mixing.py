"""Style mixing (StyleGAN §3.1): different latents control different synthesis layers.

Because every synthesis layer reads its own w, mixing k latents is a choice of which layers read which one.
With crossover points c_1 ≤ ... ≤ c_{k-1}, layer l reads

    ws[:, l] = w_j[:, l]   for the largest j with c_j ≤ l   (w_0 below c_1)

so layers < c_1 depend on w_0 only. Mixing regularization (config F) draws, during training, with probability
p (0.9) a crossover uniformly in [1, L − 1] per image; the others use one latent (crossover = L).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch

SCALES = ("coarse", "middle", "fine")
# The paper's split (Figure 3) at 1024²: coarse 4²–8², middle 16²–32², fine 64²–1024².
_PAPER_SCALE_RESOLUTIONS = {"coarse": (4, 8), "middle": (16, 32)}


def mix_styles(ws: Sequence[torch.Tensor], crossovers: Sequence[int | torch.Tensor]) -> torch.Tensor:
    """Combine latents ``ws[j]`` ([N, L, w_dim], or [N, w_dim] for all layers) into one ``[N, L, w_dim]``.

    ``crossovers[j-1]`` is the first layer that reads ``ws[j]``: an int (the same for every image) or an int
    tensor ``[N]`` (one per image). E.g. ``mix_styles([wa, wb], [4])``: coarse layers 0-3 from a, the rest
    from b; ``mix_styles([wa, wb, wa], [4, 8])``: only the middle layers 4-7 from b.
    """
    if len(ws) < 1 or len(crossovers) != len(ws) - 1:
        raise ValueError(f"mix_styles needs k latents and k-1 crossovers, got {len(ws)} and "
                         f"{len(crossovers)}.")
    ws = [w.unsqueeze(1) if w.ndim == 2 else w for w in ws]
    num_layers = max(w.shape[1] for w in ws)
    shape = torch.broadcast_shapes(*(w.shape for w in ws))
    if len(shape) != 3:
        shapes = [tuple(w.shape) for w in ws]
        raise ValueError(f"mix_styles expects latents [N, L, w_dim] or [N, w_dim], got {shapes}.")
    _check_order(crossovers, num_layers)
    layer = torch.arange(num_layers, device=ws[0].device).view(1, -1, 1)  # [1, L, 1]
    out = ws[0].expand(shape)
    for w, c in zip(ws[1:], crossovers, strict=True):
        c = torch.as_tensor(c, device=layer.device).reshape(-1, 1, 1)  # [N or 1, 1, 1]
        # layers l >= c read the next latent
        out = torch.where(layer >= c, w, out)
    return out if len(ws) > 1 else out.clone()  # a fresh tensor, safe to edit in place


def _check_order(crossovers: Sequence[int | torch.Tensor], num_layers: int) -> None:
    previous = None
    for c in crossovers:
        c = c if isinstance(c, torch.Tensor) else torch.as_tensor(c, device="cpu")
        if c.is_floating_point() or (c < 0).any() or (c > num_layers).any():
            raise ValueError(f"crossover {c.tolist()} must be integer layer indices in [0, {num_layers}].")
        if previous is not None and (c < previous).any():
            raise ValueError("crossovers must be non-decreasing (c_1 <= c_2 <= ...).")
        previous = c


def draw_crossovers(n: int, num_layers: int, prob: float, generator: torch.Generator | None = None,
                    device: torch.device | str = "cpu") -> torch.Tensor:
    """Mixing regularization: per image, with probability ``prob`` a crossover uniform in [1, num_layers − 1],
    else ``num_layers`` (no mixing). Returns int64 ``[n]``.

    Departs from the official code, which draws one decision and one crossover per minibatch; per image
    gives the paper's "p% of training images" with less variance for the small CPU batches.
    """
    draw_device = generator.device if generator is not None else device
    if num_layers < 2 or prob <= 0.0:
        return torch.full((n,), num_layers, dtype=torch.long, device=device)
    mixed = torch.rand(n, generator=generator, device=draw_device) < prob
    crossover = torch.randint(1, num_layers, (n,), generator=generator, device=draw_device)
    return torch.where(mixed, crossover, torch.full_like(crossover, num_layers)).to(device)


def draw_test_crossovers(n: int, num_layers: int, latents: int, generator: torch.Generator | None = None
                         ) -> list[torch.Tensor]:
    """Table 2's stress test: per image, ``latents − 1`` distinct crossovers drawn uniformly from
    [1, num_layers − 1] and sorted, so that each of the ``latents`` latents drives at least one layer.
    Returns ``latents − 1`` int64 tensors ``[n]`` (the ``crossovers`` of ``mix_styles``), on the CPU."""
    if not 1 <= latents <= num_layers:
        raise ValueError(f"cannot mix {latents} latents over {num_layers} layers: use 1 to {num_layers}.")
    keys = torch.rand(n, num_layers - 1, generator=generator, device="cpu")  # [n, L − 1]
    # a random subset of the L − 1 possible crossovers, in order
    chosen = keys.argsort(dim=1)[:, :latents - 1].sort(dim=1).values + 1  # [n, latents − 1]
    return list(chosen.unbind(dim=1))


def scale_resolutions(resolution: int) -> dict[str, tuple[int, ...]]:
    """The resolutions of the coarse, middle and fine styles at a final ``resolution``.

    The paper's split at 1024² is coarse 4²–8², middle 16²–32², fine 64²–1024². Our profiles stop at 16² or
    32² (departs from the paper: small images), so the split is kept where it exists and otherwise shifted
    down so that every scale has at least one resolution:
    32² -> (4, 8), (16,), (32,);  16² -> (4,), (8,), (16,).
    """
    res = [2**k for k in range(2, int(math.log2(resolution)) + 1)]
    if len(res) < 3:
        raise ValueError(f"resolution={resolution}: coarse/middle/fine styles need at least 16x16 images.")
    groups = {name: [r for r in res if r in keep] for name, keep in _PAPER_SCALE_RESOLUTIONS.items()}
    groups["fine"] = [r for r in res if r >= 64]
    for small, large in (("middle", "fine"), ("coarse", "middle")):
        if not groups[large]:
            groups[large].insert(0, groups[small].pop())
    return {name: tuple(groups[name]) for name in SCALES}


def style_ranges(G: torch.nn.Module) -> dict[str, range]:
    """Synthesis layer indices of the coarse, middle and fine styles of ``G`` (see ``scale_resolutions``)."""
    out = {}
    for name, resolutions in scale_resolutions(G.cfg.resolution).items():
        layers = [i for i in range(G.num_layers) if G.layer_resolution(i) in resolutions]
        out[name] = range(layers[0], layers[-1] + 1)
    return out
