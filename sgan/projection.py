"""Projection: the latent that reproduces an image, found by optimisation (beyond the paper; the recipe of the
StyleGAN2 projector, Karras et al. 2020, §5).

For target images x, find w (one per image, in W) or ws (one per layer, in W+) and the noise maps n minimising

    L = d(G(w, n), x) + λ_pix · mean (G(w, n) − x)² + λ_noise · Σ_scales Σ_shifts (mean n · shift(n))²

where d is the LPIPS-style distance of the domain network (``DomainNet.stage_activations``: unit-normalised
channels, squared differences, every stage; the StyleGAN2 projector uses VGG16 LPIPS, not available offline),
the last term StyleGAN2's noise regulariser (the autocorrelation of every noise map at a shift of one pixel in
x and y, on a pyramid down to 8²), and after every step each noise map is renormalised to zero mean and unit
variance. w starts at w̄; Adam with a learning rate ramped up over the first 5 % of the steps and down with a
cosine over the last 25 %; w gets Gaussian noise of std σ_w · 0.05 · max(0, 1 − t / 0.75)² (σ_w: the spread
of f(z)), which anneals away. Departs from StyleGAN2: the pixel term (λ_pix, 0 there) helps at 32², where the
perceptual network sees few pixels.
"""

from __future__ import annotations

import math
from contextlib import contextmanager
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from tqdm.auto import tqdm


@dataclass
class Projection:
    """The result: ``ws [N, L, w_dim]`` (W: every layer the same w), ``noise`` (per layer ``[N, 1, r, r]``),
    the projected ``images [N, 3, r, r]``, and the loss of each step."""

    ws: torch.Tensor
    noise: list[torch.Tensor]
    images: torch.Tensor
    losses: list[float]
    space: str


def perceptual_distance(net: torch.nn.Module, a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """``[N]`` LPIPS-style distances through ``net``'s stages, differentiable (``DomainNet.distance`` is not)."""
    total = torch.zeros(a.shape[0], device=a.device)
    for act in net.stage_activations(torch.cat([a, b])):
        f = act / (act.square().sum(dim=1, keepdim=True).sqrt() + 1e-10)  # unit-normalised channels
        f0, f1 = f.chunk(2)
        total = total + (f0 - f1).square().sum(dim=1).mean(dim=(1, 2))
    return total


def noise_regularization(noise: list[torch.Tensor]) -> torch.Tensor:
    """StyleGAN2's: Σ over maps and pyramid levels (down to 8²) of the squared autocorrelation at shift 1."""
    total = torch.zeros((), device=noise[0].device)
    for n in noise:
        while True:
            total = total + (n * n.roll(1, dims=3)).mean().square() + (n * n.roll(1, dims=2)).mean().square()
            if n.shape[2] <= 8:
                break
            n = F.avg_pool2d(n, 2)
    return total


def _learning_rate(step: int, steps: int, lr: float, ramp_down: float = 0.25, ramp_up: float = 0.05) -> float:
    t = step / steps
    down = min(1.0, (1.0 - t) / ramp_down)
    return lr * 0.5 * (1 - math.cos(down * math.pi)) * min(1.0, t / ramp_up)


def w_spread(G, n: int = 2000, seed: int = 0) -> float:
    """σ_w: the root mean square distance of f(z) from w̄ (the scale of the annealed noise on w)."""
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        w = G.mapping(torch.randn(n, G.cfg.z_dim, generator=gen, device="cpu").to(G.w_avg.device))
    return float((w - G.w_avg).square().sum(dim=1).mean().sqrt())


def project(G, images: torch.Tensor, space: str = "w", steps: int = 300, lr: float = 0.1, seed: int = 0,
            pixel_weight: float = 1.0, noise_weight: float = 1e5, net: torch.nn.Module | None = None,
            progress: bool = True) -> Projection:
    """Project ``images [N, 3, r, r]`` (in [-1, 1], at G's resolution) into ``space`` "w" or "w+" of ``G``.

    Deterministic given ``seed`` (the initial noise maps and the noise on w). ``net``: the perceptual network
    (default: the domain network). G's weights are not changed."""
    from sgan.metrics.domain_net import load_domain_net

    if space not in ("w", "w+"):
        raise ValueError(f"space={space!r}: project into 'w' (one w per image) or 'w+' (one per layer).")
    r = G.cfg.resolution
    if images.ndim != 4 or images.shape[1:] != (3, r, r):
        raise ValueError(f"project expects images [N, 3, {r}, {r}] (G's resolution), got {tuple(images.shape)}.")
    if steps < 1:
        raise ValueError(f"steps={steps}: run at least one optimisation step.")
    net = net if net is not None else load_domain_net(G.w_avg.device)  # the perceptual network follows G
    net.requires_grad_(False)
    n, L = images.shape[0], G.num_layers
    gen = torch.Generator().manual_seed(seed)
    sigma_w = w_spread(G, seed=seed)
    start = G.w_avg.detach().clone().view(1, 1, -1).repeat(n, 1 if space == "w" else L, 1)  # [N, 1 or L, w]
    w = start.requires_grad_(True)
    device = G.w_avg.device
    noise = [m.requires_grad_(True) for m in G.synthesis.make_noise(n, gen, device)]  # [N, 1, r_i, r_i] per layer
    opt = torch.optim.Adam([w, *noise], betas=(0.9, 0.999), lr=lr)
    losses = []
    with _frozen(G):
        for step in tqdm(range(steps), desc=f"projecting into {space.upper()}", disable=not progress, leave=False):
            for group in opt.param_groups:
                group["lr"] = _learning_rate(step, steps, lr)
            jitter = sigma_w * 0.05 * max(0.0, 1 - step / (0.75 * steps)) ** 2
            w_in = w + torch.randn(w.shape, generator=gen, device="cpu").to(device) * jitter
            fake = G.synthesis(w_in.expand(n, L, -1), noise=noise)  # [N, 3, r, r]
            loss = (perceptual_distance(net, fake, images).sum() + pixel_weight * (fake - images).square().mean()
                    + noise_weight * noise_regularization(noise))
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            losses.append(float(loss.detach()))
            with torch.no_grad():
                for m in noise:  # every image's map back to zero mean, unit variance
                    m -= m.mean(dim=(1, 2, 3), keepdim=True)
                    m *= m.square().mean(dim=(1, 2, 3), keepdim=True).rsqrt()
    ws = w.detach().expand(n, L, -1).clone()
    noise = [m.detach().clone() for m in noise]
    with torch.no_grad():
        out = G.synthesis(ws, noise=noise)
    return Projection(ws=ws, noise=noise, images=out, losses=losses, space=space)


@contextmanager
def _frozen(G):
    """G's weights get no gradients inside (they would only cost time and leave ``.grad`` behind)."""
    trainable = [p for p in G.parameters() if p.requires_grad]
    G.requires_grad_(False)
    try:
        yield
    finally:
        for p in trainable:
            p.requires_grad_(True)
