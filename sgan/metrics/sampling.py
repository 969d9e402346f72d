"""Drawing latents, noise and images for the metrics: reproducible from a seed, batched, with progress bars.

Every draw happens on the CPU from a ``torch.Generator`` seeded from (seed, stream), then moves to the device,
so a metric gives the same samples on CPU and GPU. Streams: ``LATENT_STREAM`` for z, ``NOISE_STREAM`` for the
per-layer noise images, ``PPL_T_STREAM`` for path-length positions, ``REAL_STREAM`` for which real images FID
draws and which of them it mirrors, ``MIX_STREAM`` for the extra latents and crossovers of Table 2's mixed
images. The generator runs in eval mode, without
truncation (ψ = 1, as for every metric in the paper).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import numpy as np
import torch
from tqdm.auto import tqdm

from sgan.mixing import draw_test_crossovers, mix_styles
from sgan.training.device import resolve_device  # noqa: F401 (the metrics' name for it; its home is sgan.training.device)

LATENT_STREAM, NOISE_STREAM, PPL_T_STREAM, REAL_STREAM, MIX_STREAM = 0, 1, 2, 3, 4


def default_batch_size(device: torch.device, resolution: int) -> int:
    """Images per batch: 64 on CPU (32 above 32²), 256 on GPU (64 above 128²)."""
    if device.type == "cuda":
        return 256 if resolution <= 128 else 64
    return 64 if resolution <= 32 else 32


def stream(seed: int, which: int) -> torch.Generator:
    """A CPU ``torch.Generator`` for stream ``which`` of ``seed`` (independent streams per purpose)."""
    state = np.random.SeedSequence(entropy=int(seed), spawn_key=(int(which),)).generate_state(2, np.uint64)
    return torch.Generator().manual_seed(int(state[0] >> np.uint64(1)))


def check_device(module: torch.nn.Module, device: torch.device) -> None:
    """A clear error when ``module``'s weights are not on ``device`` (metrics never move a caller's model)."""
    p = next(iter(module.parameters()), None)
    if p is None:
        return
    if p.device.type != device.type or (device.index is not None and p.device.index != device.index):
        raise ValueError(f"The generator is on {p.device} but the metric runs on {device}: move it first "
                         f"(G.to('{device}')) or pass device='{p.device}'.")


@contextlib.contextmanager
def eval_mode(module: torch.nn.Module) -> Iterator[torch.nn.Module]:
    """Put ``module`` in eval mode for the block, then restore its previous mode."""
    was_training = module.training
    module.eval()
    try:
        yield module
    finally:
        module.train(was_training)


def draw_noise(G: Any, n: int, generator: torch.Generator, device: torch.device) -> list[torch.Tensor]:
    """One noise image per synthesis layer: ``[n, 1, r_i, r_i]`` with r_i = ``G.layer_resolution(i)``; the same
    draws as ``G.synthesis.make_noise``, but asking ``G`` only for ``num_layers`` and ``layer_resolution``, so
    the metrics also run on generator-like objects whose ``synthesis`` is a plain function (tests/test_ppl.py)."""
    out = []
    for i in range(G.num_layers):
        r = G.layer_resolution(i)
        out.append(torch.randn(n, 1, r, r, generator=generator, device=generator.device).to(device))
    return out


def check_images(images: torch.Tensor, n: int, where: str) -> torch.Tensor:
    """``images`` if they are [n, 3, H, W], else an error naming ``where`` they came from."""
    if images.ndim != 4 or images.shape[0] != n or images.shape[1] != 3:
        raise ValueError(f"{where}: expected images [{n}, 3, H, W], got {tuple(images.shape)}.")
    return images


def batches(total: int, batch_size: int, progress: bool, desc: str) -> Iterator[int]:
    """Sizes of consecutive batches summing to ``total``, with a tqdm bar counting items."""
    bar = tqdm(total=total, desc=desc, unit="img", disable=not progress, leave=False)
    done = 0
    while done < total:
        b = min(batch_size, total - done)
        yield b
        done += b
        bar.update(b)
    bar.close()


@torch.no_grad()
def iterate_generated(G: Any, n: int, seed: int, batch_size: int, device: torch.device, progress: bool = True,
                      desc: str = "generating", resolution: int | None = None, alpha: float = 1.0,
                      latents: int = 1) -> Iterator[tuple[torch.Tensor, torch.Tensor, torch.Tensor]]:
    """Batches ``(z [B, z_dim], w [B, w_dim], images [B, 3, r, r])`` of ``n`` fresh samples of ``G``:
    z ~ N(0, I), w = f(z), random noise, no truncation; rendered at ``resolution`` (None: G's own) with the
    fade-in weight ``alpha`` (a snapshot taken while a resolution fades in). ``latents > 1``: every image
    mixes ``w`` with ``latents − 1`` more latents at random crossovers (``mix_test_ws``; z, w are the first)."""
    check_device(G, device)
    if latents > 1 and not G.cfg.use_styles:
        raise ValueError(f"mixing {latents} latents needs a style-based generator (configs C-F); this one "
                         "(use_styles=False) reads a single latent.")
    z_gen, noise_gen = stream(seed, LATENT_STREAM), stream(seed, NOISE_STREAM)
    mix_gen = stream(seed, MIX_STREAM)
    with eval_mode(G):
        for b in batches(n, batch_size, progress, desc):
            z = torch.randn(b, G.cfg.z_dim, generator=z_gen, device="cpu").to(device)  # [B, z_dim]
            w = G.mapping(z)  # [B, w_dim]
            noise = draw_noise(G, b, noise_gen, device)
            ws = G.broadcast(w) if latents == 1 else mix_test_ws(G, w, latents, mix_gen, device)
            images = G.synthesis(ws, resolution=resolution, alpha=alpha, noise=noise)
            yield z, w, check_images(images, b, "G.synthesis")


def mix_test_ws(G: Any, w: torch.Tensor, latents: int, generator: torch.Generator, device: torch.device
                ) -> torch.Tensor:
    """``ws [B, L, w_dim]`` mixing ``w [B, w_dim]`` with ``latents − 1`` fresh latents f(z), z ~ N(0, I), at
    distinct random crossovers (``sgan.mixing.draw_test_crossovers``): Table 2's "latents during testing"."""
    b = w.shape[0]
    others = [G.mapping(torch.randn(b, G.cfg.z_dim, generator=generator, device="cpu").to(device))
              for _ in range(latents - 1)]  # each [B, w_dim]
    crossovers = [c.to(device) for c in draw_test_crossovers(b, G.num_layers, latents, generator)]
    return mix_styles([G.broadcast(w), *(G.broadcast(o) for o in others)], crossovers)


def real_indices(dataset_size: int, n: int, seed: int | None) -> tuple[np.ndarray, np.ndarray]:
    """``(indices [n], flip [n] bool)`` of the real images a metric reads.

    ``seed`` None: the first ``n`` images, none flipped. Otherwise the official procedure (random minibatches
    of a shuffled, repeating data set, mirror-augmented): a seeded permutation of the data set, cycled when
    ``n`` exceeds it, and a seeded coin per image for the flip (the caller applies it only when the run
    trained with mirror augmentation)."""
    if dataset_size < 1 or n < 0:
        raise ValueError(f"cannot draw {n} images from a data set of {dataset_size}.")
    if seed is None:
        return np.arange(n) % dataset_size, np.zeros(n, dtype=bool)
    gen = stream(seed, REAL_STREAM)
    rounds = -(-n // dataset_size)
    order = torch.cat([torch.randperm(dataset_size, generator=gen, device="cpu") for _ in range(rounds)])[:n]
    flip = torch.rand(n, generator=gen, device="cpu") < 0.5
    return order.numpy(), flip.numpy()


@torch.no_grad()
def iterate_real(dataset: Any, n: int, batch_size: int, device: torch.device, progress: bool = True,
                 desc: str = "real images", seed: int | None = None, mirror: bool = False
                 ) -> Iterator[torch.Tensor]:
    """``n`` images of ``dataset``, ``[B, 3, H, W]`` in [-1, 1]: the first ``n`` in order (``seed`` None), or
    a seeded random draw (``real_indices``), of which a random half is flipped left-right when ``mirror``."""
    indices, flip = real_indices(len(dataset), n, seed)
    start = 0
    for b in batches(n, batch_size, progress, desc):
        images = dataset.batch(indices[start:start + b], mirror=False, device=device)
        if mirror:
            flipped = torch.from_numpy(flip[start:start + b]).to(device).view(-1, 1, 1, 1)
            images = torch.where(flipped, images.flip(3), images)
        start += b
        yield check_images(images, b, "dataset.batch")
