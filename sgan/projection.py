"""Projection: the latent that reproduces an image, found by optimisation (beyond the paper; the recipe of the
StyleGAN2 projector, Karras et al. 2020, §5, as in NVlabs/stylegan2-ada-pytorch ``projector.py``).

For each target image x_i, find w_i (in W) or ws_i (one per layer, in W+) and its noise maps n_i minimising

    L_i = d(G(w_i, n_i), x_i) + λ_pix · mean_pixels (G(w_i, n_i) − x_i)² + λ_noise · R(n_i),
    R(n_i) = Σ_maps Σ_pyramid levels [ (mean n · shift_x(n))² + (mean n · shift_y(n))² ]

Every term is per image. A batch minimises Σ_i L_i, and image i's parameters reach only L_i, so each gets the
gradient of its own loss; Adam is elementwise, and every image draws the same random numbers (initial noise
maps, noise on w) that a projection of it alone with the same seed draws. So projecting N images at once gives
what N single projections give, up to float rounding (``tests/test_projection_editing.py`` measures it).
R is StyleGAN2's noise regulariser (the autocorrelation of each noise map at a shift of one pixel in x and y,
on a pyramid down to 8²); after every step each noise map is renormalised to zero mean and unit variance.

The start and the annealed noise on w follow the reference: w starts at the mean of f(z) over 10,000 samples
z of a fixed seed, and gets Gaussian noise of std σ_w · 0.05 · max(0, 1 − t / 0.75)² (σ_w: the root mean
square distance of those samples from their mean). Adam (lr 0.1) with the learning rate ramped up over the
first 5 % of the steps and down with a cosine over the last 25 %; 1,000 steps, as the reference. Measured on
the cpu zoo's F, 8 held-out faces (perceptual distance to the face; W / W+): 100 steps 0.588 / 0.261, 300 steps
0.457 / 0.147, 500 steps 0.427 / 0.129, 1,000 steps 0.400 / 0.097: still improving at 1,000.

The perceptual distance d: always the domain network's LPIPS-style distance (``DomainNet.distance_activations``:
unit-normalised channels, squared differences, summed over its stages at 32² and below; no learned weights),
through the judge of G's resolution (the 32² judge at 16² and 32², the 64² judge at 64²), whatever
else is installed. Departure: the reference uses VGG16 LPIPS. ``metrics/lpips_vgg.py`` has that distance and
PPL uses it when torchvision's VGG16 file is present, but it is not used here: it is absent on a fresh clone
(the projection would change with what is installed), it upsamples our 32² faces to 64² for a network trained
on photographs, and the domain network is the judge that reads these faces' factors.

Departure: the pixel term (λ_pix = 1; the reference has none) helps at 32², where the perceptual network sees
few pixels.
"""

from __future__ import annotations

import math
from contextlib import contextmanager
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from tqdm.auto import tqdm

from sgan.metrics.domain_net import load_domain_net

DEFAULT_STEPS = 1000  # the reference's num_steps
W_AVG_SAMPLES = 10_000  # the reference's w_avg_samples
W_AVG_SEED = 123  # the reference's seed for them (it draws with NumPy, so its samples are not ours)


@dataclass
class Projection:
    """The result: ``ws [N, L, w_dim]`` (W: every layer the same w), ``noise`` (per layer ``[N, 1, r, r]``),
    the projected ``images [N, 3, r, r]``, ``losses`` (each step's loss, the mean over the images of their
    own losses, so its scale does not depend on N) and ``image_losses [steps, N]`` (each image's loss)."""

    ws: torch.Tensor
    noise: list[torch.Tensor]
    images: torch.Tensor
    losses: list[float]
    space: str
    image_losses: torch.Tensor | None = None


def perceptual_distance(net: torch.nn.Module, a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """``[N]`` LPIPS-style distances through ``net``'s stages, differentiable (``DomainNet.distance`` is not)."""
    total = torch.zeros(a.shape[0], device=a.device, dtype=a.dtype)
    for act in net.distance_activations(torch.cat([a, b])):  # [2N, C_l, r_l, r_l] per stage
        f = act / (act.square().sum(dim=1, keepdim=True).sqrt() + 1e-10)  # unit-normalised channels
        f0, f1 = f.chunk(2)
        total = total + (f0 - f1).square().sum(dim=1).mean(dim=(1, 2))
    return total


def noise_regularization(noise: list[torch.Tensor]) -> torch.Tensor:
    """StyleGAN2's regulariser of each image's noise maps, ``[N]``: Σ over maps and pyramid levels (down to
    8²) of the squared autocorrelation at a shift of one pixel, each map ``[N, 1, r, r]`` averaged over its
    own pixels only (the reference: per noise buffer, one image), so images cannot cancel each other."""
    total = torch.zeros(noise[0].shape[0], device=noise[0].device, dtype=noise[0].dtype)
    for n in noise:
        while True:
            # R_i += (mean_pixels n_i · roll_x(n_i))² + (mean_pixels n_i · roll_y(n_i))²
            total = total + ((n * n.roll(1, dims=3)).mean(dim=(1, 2, 3)).square()
                             + (n * n.roll(1, dims=2)).mean(dim=(1, 2, 3)).square())
            if n.shape[2] <= 8:
                break
            n = F.avg_pool2d(n, 2)
    return total


def _learning_rate(step: int, steps: int, lr: float, ramp_down: float = 0.25, ramp_up: float = 0.05) -> float:
    t = step / steps
    down = min(1.0, (1.0 - t) / ramp_down)
    return lr * 0.5 * (1 - math.cos(down * math.pi)) * min(1.0, t / ramp_up)


def ramp_up_steps(steps: int, ramp_up: float = 0.05) -> int:
    """The first step at which the learning rate is at its full value (before it, Adam barely moves)."""
    return math.ceil(ramp_up * steps)


def w_statistics(G, n: int = W_AVG_SAMPLES, seed: int = W_AVG_SEED, batch: int = 1000) -> tuple[torch.Tensor, float]:
    """``(w_mean [w_dim], σ_w)``: the mean of f(z) over ``n`` samples z of ``seed`` (the projection's start),
    and σ_w = sqrt(mean ‖f(z) − w_mean‖²), the scale of the annealed noise on w, both as the reference.

    Not G's tracked w̄ (the reference does not use it either): on the cpu zoo's F the two lie 0.06 apart, with
    σ_w = 3.90, so the choice hardly matters there, but the sample mean is defined for any G."""
    if n < 2:
        raise ValueError(f"w_statistics needs at least 2 samples, got n={n}.")
    gen = torch.Generator().manual_seed(seed)
    device, dtype = G.w_avg.device, G.w_avg.dtype
    with torch.no_grad():
        z = [torch.randn(min(batch, n - i), G.cfg.z_dim, generator=gen, device="cpu") for i in range(0, n, batch)]
        w = torch.cat([G.mapping(part.to(device, dtype)) for part in z])  # [n, w_dim]
    mean = w.mean(dim=0)
    # σ_w = sqrt(1/n Σ_s ‖w_s − w_mean‖²)
    return mean, float((w - mean).square().sum(dim=1).mean().sqrt())


def w_spread(G, n: int = W_AVG_SAMPLES, seed: int = W_AVG_SEED) -> float:
    """σ_w of ``w_statistics``: the root mean square distance of f(z) from its sample mean."""
    return w_statistics(G, n, seed)[1]


def project(G, images: torch.Tensor, space: str = "w", steps: int = DEFAULT_STEPS, lr: float = 0.1, seed: int = 0,
            pixel_weight: float = 1.0, noise_weight: float = 1e5, net: torch.nn.Module | None = None,
            progress: bool = True) -> Projection:
    """Project ``images [N, 3, r, r]`` (in [-1, 1], at G's resolution) into ``space`` "w" or "w+" of ``G``.

    Each image is projected independently (see the module docstring): image i of a batch gets what
    ``project(G, images[i:i+1], ...)`` gives, to float rounding. Deterministic given ``seed`` (the initial noise
    maps and the noise on w, the same draws for every image). ``net``: the perceptual network (default: the
    domain network). Runs on G's device; G's weights are not changed."""
    if space not in ("w", "w+"):
        raise ValueError(f"space={space!r}: project into 'w' (one w per image) or 'w+' (one per layer).")
    r = G.cfg.resolution
    if images.ndim != 4 or images.shape[1:] != (3, r, r) or images.shape[0] < 1:
        raise ValueError(f"project expects images [N, 3, {r}, {r}] (G's resolution), got {tuple(images.shape)}.")
    if steps < 1:
        raise ValueError(f"steps={steps}: run at least one optimisation step.")
    device, dtype = G.w_avg.device, G.w_avg.dtype
    images = images.to(device=device, dtype=dtype)
    # the perceptual network follows G, and sees its resolution (the 64² judge at 64²)
    net = net.to(device) if net is not None else load_domain_net(device, resolution=r)
    net.requires_grad_(False)
    n, L = images.shape[0], G.num_layers
    w_mean, sigma_w = w_statistics(G)
    w = w_mean.view(1, 1, -1).repeat(n, 1 if space == "w" else L, 1).requires_grad_(True)  # [N, 1 or L, w]
    gen = torch.Generator().manual_seed(seed)
    # one image's draws, shared by every image: image i starts as a projection of it alone would
    noise = [m.to(dtype).expand(n, -1, -1, -1).clone().requires_grad_(True)
             for m in G.synthesis.make_noise(1, gen, device)]  # [N, 1, r_i, r_i] per layer
    opt = torch.optim.Adam([w, *noise], betas=(0.9, 0.999), lr=lr)
    image_losses = torch.zeros(steps, n, dtype=torch.float64, device="cpu")
    with _frozen(G):
        for step in tqdm(range(steps), desc=f"projecting into {space.upper()}", disable=not progress, leave=False):
            for group in opt.param_groups:
                group["lr"] = _learning_rate(step, steps, lr)
            # w noise std: σ_w · 0.05 · max(0, 1 − t / 0.75)²
            jitter = sigma_w * 0.05 * max(0.0, 1 - step / (0.75 * steps)) ** 2
            draw = torch.randn(w.shape[1:], generator=gen, device="cpu").to(device, dtype)  # the same for every image
            w_in = w + draw * jitter
            fake = G.synthesis(w_in.expand(n, L, -1), noise=noise)  # [N, 3, r, r]
            # L_i = d(G(w_i, n_i), x_i) + λ_pix · mean_pixels (G − x_i)² + λ_noise · R(n_i)
            per_image = (perceptual_distance(net, fake, images)
                         + pixel_weight * (fake - images).square().mean(dim=(1, 2, 3))
                         + noise_weight * noise_regularization(noise))  # [N]
            opt.zero_grad(set_to_none=True)
            per_image.sum().backward()  # Σ_i L_i: image i's parameters get ∂L_i only
            opt.step()
            image_losses[step] = per_image.detach().cpu()
            with torch.no_grad():
                for m in noise:  # every image's map back to zero mean, unit variance
                    m -= m.mean(dim=(1, 2, 3), keepdim=True)
                    m *= m.square().mean(dim=(1, 2, 3), keepdim=True).rsqrt()
    ws = w.detach().expand(n, L, -1).clone()
    noise = [m.detach().clone() for m in noise]
    with torch.no_grad():
        out = G.synthesis(ws, noise=noise)
    return Projection(ws=ws, noise=noise, images=out, losses=image_losses.mean(dim=1).tolist(), space=space,
                      image_losses=image_losses)


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
