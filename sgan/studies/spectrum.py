"""Frequency analysis: how much fine detail images carry, and how much of it the discriminator looks at.

Beyond the paper: the tool that explains what config B's blur does to small images. For images x [N, C, H, W]
the radially averaged power spectrum is

    P(f) = mean over images, channels and the frequencies (u, v) with round(√(u² + v²)) = f of |X(u, v)|²,
    X = FFT₂(x − mean(x)),   f = 0, 1, …, H/2 cycles per image (H/2: the Nyquist frequency)

and the *high band* is f ≥ H/4, the upper octave that a 2× up-sampled image must fill in itself (the
[1,2,1] blur passes cos²(π f / H) of the amplitude: ½ at H/4, 0 at H/2).

* ``hf_ratio(fakes, reals)``: the generator's high-band power over the data's (1: as sharp as the data).
* ``gradient_spectrum(D, reals)``: the spectrum of D's input gradient ∇ₓ D(x) at real images, i.e. which
  frequencies D's score reacts to; ``hf_share`` of it is the part of D's sensitivity in the high band.
* ``blur_sensitivity(D, reals)``: how far D's score falls when the real faces are blurred, in units of the
  spread of its scores: whether D can tell a sharp face from a soft one, and so ask G for sharp ones.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from sgan.config import RunConfig
from sgan.discriminator import Discriminator
from sgan.metrics import sampling
from sgan.nn.resample import blur
from sgan.training.checkpoint import load_checkpoint, load_generator
from sgan.training.device import device_of


def _check(images: torch.Tensor) -> None:
    if images.ndim != 4 or images.shape[-1] != images.shape[-2] or images.shape[-1] < 4:
        raise ValueError(f"expected square images [N, C, H, H] with H >= 4, got {tuple(images.shape)}.")


def radial_power_spectrum(images: torch.Tensor) -> np.ndarray:
    """``P [H/2 + 1]``: the power at f = 0 … H/2 cycles per image, averaged over images, channels and the
    frequencies of each ring (see the module docstring); the image means are removed first."""
    _check(images)
    x = images.detach().double().cpu()
    x = x - x.mean(dim=(-2, -1), keepdim=True)
    h = x.shape[-1]
    # |X(u, v)|², averaged over images and channels: [H, H]
    power = torch.fft.fft2(x).abs().square().mean(dim=(0, 1)).numpy()
    u = np.fft.fftfreq(h, d=1.0 / h)  # integer frequencies, cycles per image
    radius = np.rint(np.hypot(u[:, None], u[None, :])).astype(int)
    keep = radius <= h // 2
    totals = np.bincount(radius[keep], weights=power[keep], minlength=h // 2 + 1)
    counts = np.bincount(radius[keep], minlength=h // 2 + 1)
    return totals / np.maximum(counts, 1)


def high_band(resolution: int) -> slice:
    """The rings f ≥ H/4 (the upper octave) of a spectrum of ``resolution``² images."""
    return slice(resolution // 4, resolution // 2 + 1)


def hf_ratio(fakes: torch.Tensor, reals: torch.Tensor) -> float:
    """High-band power of ``fakes`` over that of ``reals`` (same resolution): < 1 means blurrier than the data."""
    if fakes.shape[1:] != reals.shape[1:]:
        raise ValueError(f"fakes {tuple(fakes.shape)} and reals {tuple(reals.shape)} differ in shape.")
    band = high_band(reals.shape[-1])
    return float(radial_power_spectrum(fakes)[band].sum() / radial_power_spectrum(reals)[band].sum())


def gradient_spectrum(D: torch.nn.Module, reals: torch.Tensor, resolution: int | None = None) -> np.ndarray:
    """The radial power spectrum of ∇ₓ Σ D(x) at ``reals`` ``[N, C, H, H]``: what D's score reacts to."""
    _check(reals)
    x = reals.detach().clone().requires_grad_(True)
    with torch.enable_grad():
        (grad,) = torch.autograd.grad(D(x, resolution=resolution or reals.shape[-1]).sum(), x)
    return radial_power_spectrum(grad)


@torch.no_grad()
def blur_sensitivity(D: torch.nn.Module, reals: torch.Tensor, resolution: int | None = None) -> float:
    """How far D's score falls when real images are blurred once (the [1,2,1] filter), in units of the spread
    of its scores over those images: mean(D(x) − D(blur(x))) / std(D(x)). Large: D tells sharp faces from
    soft ones and pushes G towards sharp; near 0: a soft fake passes for real."""
    _check(reals)
    res = resolution or reals.shape[-1]
    sharp, soft = D(reals, resolution=res).flatten(), D(blur(reals), resolution=res).flatten()
    # (mean D(x) − D(blur x)) / std D(x)
    return float((sharp - soft).mean() / sharp.std().clamp_min(1e-12))


def hf_share(spectrum: np.ndarray) -> float:
    """The share of a spectrum's power (f ≥ 1) that lies in the high band f ≥ H/4."""
    resolution = 2 * (len(spectrum) - 1)
    return float(spectrum[high_band(resolution)].sum() / spectrum[1:].sum())


def run_spectra(run_dir: Any, dataset: Any, n: int = 512, seed: int = 0) -> dict[str, Any]:
    """For a finished run: the spectra of its EMA generator's images and of the data, their high-band ratio,
    and the spectrum and high-band share of its D's input gradient at real images."""
    G = load_generator(run_dir)  # on the run's device; D, the fakes and the reals follow it
    device = device_of(G)
    state = load_checkpoint(run_dir)
    D = Discriminator(RunConfig.from_json(state["config"]).model, seed=None)
    D.load_state_dict(state["D"])
    D.requires_grad_(False).eval().to(device)
    res = G.cfg.resolution
    n = min(n, len(dataset))
    fakes = torch.cat([img for _, _, img in sampling.iterate_generated(G, n, seed, 128, device, False)]).clamp(-1, 1)
    index, _ = sampling.real_indices(len(dataset), n, seed)
    reals = dataset.batch(index, mirror=False, device=device)
    if reals.shape[-1] != res:
        reals = torch.nn.functional.avg_pool2d(reals, reals.shape[-1] // res)
    grad = gradient_spectrum(D, reals[:256])
    return {"fake": radial_power_spectrum(fakes), "real": radial_power_spectrum(reals), "grad": grad,
            "hf_ratio": hf_ratio(fakes, reals), "grad_hf_share": hf_share(grad),
            "blur_sensitivity": blur_sensitivity(D, reals)}
