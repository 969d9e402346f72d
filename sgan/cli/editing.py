"""The ``project`` and ``edit`` commands of ``python -m sgan`` (registered in ``sgan.cli.main.COMMANDS``).

    python -m sgan project --run runs/F --image face.png --out w.npy          # [N, L, w_dim], one per image
    python -m sgan edit --run runs/F --w w.npy --factor beard --steps -3,3 --out strip.png

``project`` writes the latents to ``--out`` and the projected noise maps beside them (``w.noise.npz``, one
array ``[N, 1, r, r]`` per layer); ``edit`` renders with those maps, so its α = 0 frame is the projection's
image.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import torch

from sgan.data.synthetic_faces import FACTOR_NAMES
from sgan.editing import edit, factor_directions
from sgan.metrics.domain_net import load_domain_net
from sgan.projection import DEFAULT_STEPS, project
from sgan.sample import save_grid
from sgan.studies.model_zoo import load_run
from sgan.usage import UsageError


def noise_path(latents_path: str | Path) -> Path:
    """Where ``project`` writes the noise maps of the latents at ``latents_path``: ``w.npy`` → ``w.noise.npz``."""
    path = Path(latents_path)
    return path.with_name(path.stem + ".noise.npz")


def save_noise(path: str | Path, noise: list[torch.Tensor]) -> Path:
    """Write noise maps (per layer ``[N, 1, r, r]``) as ``layer_0``, ``layer_1``, ... of one ``.npz``."""
    np.savez(path, **{f"layer_{i}": m.detach().cpu().numpy() for i, m in enumerate(noise)})
    return Path(path)


def load_noise(path: str | Path, G, n: int) -> list[torch.Tensor]:
    """The noise maps of ``save_noise``, checked against ``G``'s layers and the ``n`` latents; on G's device."""
    with np.load(path) as archive:
        maps = [torch.from_numpy(archive[f"layer_{i}"]).float() for i in range(len(archive.files))]
    expected = [(n, 1, layer.resolution, layer.resolution) for layer in G.synthesis.layers]
    if [tuple(m.shape) for m in maps] != expected:
        raise UsageError(f"{path} holds noise maps {[tuple(m.shape) for m in maps]}, expected {expected} "
                           "(the maps `python -m sgan project` wrote with these latents, for this generator).")
    return [m.to(G.w_avg.device) for m in maps]


def load_image(path: str | Path, resolution: int) -> torch.Tensor:
    """A PNG/JPEG as ``[1, 3, r, r]`` in [-1, 1]; a larger square image is box-filtered down to ``r``."""
    from PIL import Image

    image = np.asarray(Image.open(path).convert("RGB"), dtype=np.float32) / 127.5 - 1  # [H, W, 3]
    h, w, _ = image.shape
    if h != w or h < resolution or h % resolution:
        raise UsageError(f"{path} is {w}×{h}: give a square image of {resolution}² (or a multiple of it), "
                           "as the generator draws.")
    x = torch.from_numpy(image).permute(2, 0, 1).unsqueeze(0)  # [1, 3, H, W]
    return torch.nn.functional.avg_pool2d(x, h // resolution) if h > resolution else x


def add_project_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--run", required=True, help="run directory, checkpoint file, or zoo:<config>[@profile]")
    p.add_argument("--image", required=True, nargs="+", help="image file(s) to project")
    p.add_argument("--out", required=True, help=".npy file for the latents [N, layers, w_dim]; the noise maps go "
                   "beside it (w.npy: w.noise.npz)")
    p.add_argument("--space", default="w", choices=("w", "w+"))
    p.add_argument("--steps", type=int, default=DEFAULT_STEPS, help=f"optimisation steps (default {DEFAULT_STEPS})")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--preview", default=None, help="PNG: targets (top) and projections (bottom)")


def run_project(args: argparse.Namespace) -> int:
    if args.steps < 1:
        raise UsageError(f"--steps {args.steps}: give at least one step.")
    G = load_run(args.run, device=args.device)
    images = torch.cat([load_image(p, G.cfg.resolution) for p in args.image]).to(args.device)
    result = project(G, images, args.space, steps=args.steps, seed=args.seed)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    np.save(out, result.ws.cpu().numpy())
    noise_file = save_noise(noise_path(out), result.noise)
    if args.preview:
        save_grid(torch.cat([images, result.images.clamp(-1, 1)]), args.preview, columns=len(images))
    error = float((result.images - images).abs().mean())
    print(f"{len(images)} image(s) projected into {args.space.upper()} ({args.steps} steps, mean |Δ| per pixel "
          f"{error:.3f}); latents written to {out}, noise maps to {noise_file}")
    return 0


def add_edit_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--run", required=True, help="run directory, checkpoint file, or zoo:<config>[@profile]")
    p.add_argument("--w", required=True, help=".npy latents from `project` ([N, layers, w_dim])")
    p.add_argument("--noise", default=None, help="their noise maps (default: the .noise.npz `project` wrote "
                   "beside --w; without one, zero noise)")
    p.add_argument("--factor", required=True, help="the factor to edit, e.g. beard, smiling, yaw")
    p.add_argument("--steps", default="-3,3", help="first,last edit strength in population stds (default -3,3)")
    p.add_argument("--frames", type=int, default=7, help="images in the strip (default 7)")
    p.add_argument("--remove", default="", help="factors to hold still (conditional edit), e.g. smiling,glasses")
    p.add_argument("--layers", default=None, help="layers to edit, e.g. 0-3 (default: all)")
    p.add_argument("--fit", type=int, default=2000, help="generated images to fit the directions on")
    p.add_argument("--out", required=True, help="PNG: one row per latent, the edit left to right")


def _range(text: str, n_layers: int) -> range:
    lo, sep, hi = text.partition("-")
    try:
        first, last = int(lo), int(hi if sep else lo)
    except ValueError:
        raise UsageError(f"--layers {text!r}: write first-last, e.g. 0-3.") from None
    if not 0 <= first <= last < n_layers:
        raise UsageError(f"--layers {text!r}: layers run from 0 to {n_layers - 1}.")
    return range(first, last + 1)


def run_edit(args: argparse.Namespace) -> int:
    if args.factor not in FACTOR_NAMES:
        raise UsageError(f"--factor {args.factor!r}: choose one of {', '.join(FACTOR_NAMES)}.")
    remove = tuple(f for f in args.remove.split(",") if f)
    unknown = [f for f in remove if f not in FACTOR_NAMES or f == args.factor]
    if unknown:
        raise UsageError(f"--remove {','.join(unknown)}: give other factors, from {', '.join(FACTOR_NAMES)}.")
    try:
        first, last = (float(v) for v in args.steps.split(","))
    except ValueError:
        raise UsageError(f"--steps {args.steps!r}: write first,last, e.g. -3,3.") from None
    if args.frames < 2:
        raise UsageError(f"--frames {args.frames}: give at least 2.")
    G = load_run(args.run, device=args.device)
    ws = torch.from_numpy(np.load(args.w)).float().to(args.device)
    if ws.ndim != 3 or ws.shape[1:] != (G.num_layers, G.cfg.w_dim):
        raise UsageError(f"{args.w} holds {tuple(ws.shape)}: expected [N, {G.num_layers}, {G.cfg.w_dim}] "
                           "latents of this generator (from `python -m sgan project`).")
    ws = ws.to(G.w_avg.device)
    given = args.noise is not None
    maps = Path(args.noise) if given else noise_path(args.w)
    if given and not maps.is_file():
        raise UsageError(f"--noise {maps}: no such file (give the .noise.npz that `project` wrote).")
    noise = load_noise(maps, G, len(ws)) if maps.is_file() else "zero"
    layers = _range(args.layers, G.num_layers) if args.layers else None
    dirs = factor_directions(G, load_domain_net(args.device, resolution=G.cfg.resolution), "w", n=args.fit)
    unvaried = tuple(f for f in remove if f in dirs.degenerate)  # G hardly varies them: no direction to hold
    remove = tuple(f for f in remove if f not in unvaried)
    try:
        d = dirs.conditional(args.factor, remove) if remove else dirs.direction(args.factor)
    except ValueError as error:
        raise UsageError(str(error)) from None
    sigma = dirs.sigma_along(d)  # the population std along the direction edited (a conditional one too)
    frames = []
    for alpha in np.linspace(first, last, args.frames):
        with torch.no_grad():
            frames.append(G.synthesis(edit(ws, d, float(alpha), sigma, layers), noise=noise))
    strip = torch.stack(frames, dim=1).flatten(0, 1).clamp(-1, 1)  # [N · frames, 3, r, r], row by row
    path = save_grid(strip, args.out, columns=args.frames)
    print(f"{len(ws)} latent(s) edited along {args.factor} from {first:g} to {last:g} stds "
          f"({'all layers' if layers is None else f'layers {layers.start}-{layers.stop - 1}'}"
          f"{', holding ' + ', '.join(remove) if remove else ''}"
          f"{', not holding ' + ', '.join(unvaried) + ' (degenerate: G hardly varies it)' if unvaried else ''}; "
          f"{f'noise maps {maps}' if isinstance(noise, list) else f'zero noise: no noise maps at {maps}'})"
          f"; strip written to {path}")
    return 0
