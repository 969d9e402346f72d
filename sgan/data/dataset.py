"""Image data sets for training and evaluation: a uint8 array in memory or memory-mapped from the cache.

``load_dataset(name, resolution)`` returns an ``ImageDataset``; ``batch(indices)`` turns a set of images into
the networks' input, float32 [B, 3, H, W] in [-1, 1]:

    x = u8 · 2/255 − 1

with one fancy-indexing read and one conversion (fast enough never to bound training: see
``benchmarks/bench_data.py``), and optional mirror augmentation (the paper's FFHQ setting) applied to a random
half of the batch drawn from the caller's ``torch.Generator``.

Data sets by name:

* ``"synthetic"`` (default): the synthetic faces with their ground-truth factors (``synthetic_faces.py``),
  70,000 images unless ``n`` is given, cached under ``root``;
* ``"digits"``: scikit-learn's bundled 8×8 handwritten digits (1,797 real images, offline), upscaled;
* a path to a folder of images (e.g. FFHQ thumbnails or CelebA, see ``data/README.md``), cached under
  ``root``.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import numpy as np
import torch

from sgan.data import cache, digits, folder, synthetic_faces

DATASET_NAMES = ("synthetic", "digits")
SYNTHETIC_SIZE = 70_000  # FFHQ's size


class ImageDataset:
    """Images uint8 [N, 3, H, W] (square, power-of-two H) with optional ground-truth factors.

    name: what it is; factors: {name: float32 [N]} for the synthetic faces, else None; labels: the class of
    each image where there is one (digits); files: source file names (image folders); mirror: the default
    of ``batch(mirror=None)``.
    """

    def __init__(self, images: np.ndarray, name: str, factors: dict[str, np.ndarray] | None = None,
                 mirror: bool = False, labels: np.ndarray | None = None, files: list[str] | None = None):
        if images.ndim != 4 or images.shape[1] != 3 or images.dtype != np.uint8:
            raise ValueError(f"images must be uint8 [N, 3, H, W]; got {images.dtype} {images.shape}.")
        h, w = images.shape[2:]
        if h != w or h & (h - 1):
            raise ValueError(f"images must be square with a power-of-two side; got {h}x{w}.")
        for key, values in (factors or {}).items():
            if len(values) != len(images):
                raise ValueError(f"factor {key!r} has {len(values)} values for {len(images)} images.")
        self.images, self.name, self.factors = images, name, factors
        self.mirror, self.labels, self.files = bool(mirror), labels, files

    @property
    def resolution(self) -> int:
        return int(self.images.shape[-1])

    def __len__(self) -> int:
        return int(self.images.shape[0])

    def __repr__(self) -> str:
        extra = f", factors={len(self.factors)}" if self.factors else ""
        return f"ImageDataset({self.name!r}, n={len(self)}, resolution={self.resolution}{extra})"

    def _indices(self, indices) -> np.ndarray:
        if isinstance(indices, torch.Tensor):
            indices = indices.detach().cpu().numpy()
        idx = np.asarray(indices).reshape(-1)
        if idx.size and not np.issubdtype(idx.dtype, np.integer):
            raise TypeError(f"indices must be integers; got {idx.dtype}.")
        idx = idx.astype(np.int64)
        if idx.size and (idx.min() < 0 or idx.max() >= len(self)):
            raise IndexError(f"indices must lie in [0, {len(self)}); got [{idx.min()}, {idx.max()}].")
        return idx

    def batch(self, indices, mirror: bool | None = None, generator: torch.Generator | None = None,
              device: str | torch.device = "cpu") -> torch.Tensor:
        """Images at indices as float32 [B, 3, H, W] in [-1, 1] on device.

        mirror (None: the data set's default): flip a random half of the images left-right, chosen by
        ``mirror_mask(B, generator)``, so the same generator state flips the same images.
        """
        idx = self._indices(indices)
        x = np.asarray(self.images[idx])  # uint8 [B, 3, H, W], one gather (reads only these rows of a memmap)
        if self.mirror if mirror is None else mirror:
            flip = mirror_mask(len(idx), generator).numpy()
            x[flip] = x[flip, :, :, ::-1]
        device = torch.device(device)
        if device.type == "cpu":
            # x = u8 · 2/255 − 1, in numpy: one thread (torch's threads only slow a copy this small down)
            out = np.multiply(x, np.float32(2.0 / 255.0), dtype=np.float32)
            return torch.from_numpy(np.subtract(out, np.float32(1.0), out=out))
        t = torch.from_numpy(x).to(device, non_blocking=True)  # uint8 travels: 4x less than float32
        return t.to(torch.float32).mul_(2.0 / 255.0).sub_(1.0)

    def sample(self, batch_size: int, generator: torch.Generator, mirror: bool | None = None,
               device: str | torch.device = "cpu") -> torch.Tensor:
        """A batch of batch_size images drawn uniformly with replacement, using generator."""
        if generator is None:
            raise ValueError("sample() needs a torch.Generator (e.g. torch.Generator().manual_seed(0)).")
        idx = torch.randint(len(self), (batch_size,), generator=generator, device=generator.device)
        return self.batch(idx, mirror=mirror, generator=generator, device=device)


def mirror_mask(batch_size: int, generator: torch.Generator | None) -> torch.Tensor:
    """Which images of a batch to flip: bool [B], each True with probability 1/2, drawn from generator."""
    if generator is None:
        raise ValueError("mirror augmentation draws which images to flip: pass "
                         "generator=torch.Generator(...) (or mirror=False).")
    return torch.rand(batch_size, generator=generator, device=generator.device) < 0.5


def _stem(*parts: object) -> str:
    return re.sub(r"[^A-Za-z0-9_-]+", "_", "-".join(str(p) for p in parts))


def _synthetic_entry(resolution: int, n: int, seed: int, entangle: str) -> tuple[str, dict]:
    params = {"kind": "synthetic", "n": n, "resolution": resolution, "seed": seed, "entangle": entangle,
              **synthetic_faces.fingerprint()}
    stem = _stem("synthetic", f"{resolution}px", f"n{n}", f"seed{seed}", entangle, cache.cache_key(params))
    return stem, params


def _larger_entry(root: str | os.PathLike, resolution: int, n: int, seed: int, entangle: str):
    """A cached synthetic set with the same parameters and more images: image i is keyed by (seed, i), so its
    first n images are exactly the set of n."""
    for path in sorted(Path(root).glob(f"synthetic-{resolution}px-n*-seed{seed}-{_stem(entangle)}-*.npy")):
        found = re.search(r"-n(\d+)-", path.name)
        if found and int(found.group(1)) > n:
            stem, params = _synthetic_entry(resolution, int(found.group(1)), seed, entangle)
            entry = cache.load(root, stem, params) if path.name == f"{stem}.npy" else None
            if entry is not None:
                return entry[0][:n], {k: v[:n] for k, v in entry[1].items()}
    return None


def _synthetic(resolution: int, n: int, seed: int, root: str | os.PathLike, entangle: str,
               progress: bool) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    stem, params = _synthetic_entry(resolution, n, seed, entangle)
    entry = cache.load(root, stem, params)
    if entry is None and Path(root).is_dir():
        entry = _larger_entry(root, resolution, n, seed, entangle)
    if entry is None:
        def fill(out: np.ndarray) -> tuple[int, dict[str, np.ndarray]]:
            _, factors = synthetic_faces.generate(n, resolution, seed=seed, entangle=entangle,
                                                  progress=progress, out=out)
            return n, factors

        entry = cache.build(root, stem, params, (n, 3, resolution, resolution), fill)
    images, table = entry
    return images, {k: table[k] for k in synthetic_faces.FACTOR_NAMES}


def load_dataset(name: str | os.PathLike = "synthetic", resolution: int = 32, n: int | None = None,
                 seed: int = 0, root: str | os.PathLike = "data", entangle: str = "none",
                 mirror: bool = False, progress: bool = True, upscale: bool = False) -> ImageDataset:
    """The data set called name at resolution (see the module docstring), cached under root.

    n: how many images (synthetic: default 70,000, read from a larger cached set with the same seed when
    there is one, as image i depends only on (seed, i); digits and folders: the first n, default all); seed
    and entangle: the synthetic faces' (see ``synthetic_faces``); mirror: the default of
    ``batch(mirror=None)``;
    upscale: let an image folder enlarge images smaller than the resolution (else an error lists them).
    """
    if n is not None and (not isinstance(n, int | np.integer) or n < 1):
        raise ValueError(f"n={n!r} must be a positive integer (or None for the whole data set).")
    if str(name) == "synthetic":
        resolution = synthetic_faces.check_resolution(resolution)
        count = SYNTHETIC_SIZE if n is None else int(n)
        images, factors = _synthetic(resolution, count, seed, root, entangle, progress)
        return ImageDataset(images, "synthetic" if entangle == "none" else f"synthetic-{entangle}", factors,
                            mirror=mirror)
    if entangle != "none":
        raise ValueError(f"entangle={entangle!r} applies to the synthetic faces only, not to {str(name)!r}.")
    resolution = synthetic_faces.check_resolution(resolution, high=folder.MAX_RESOLUTION)
    if str(name) == "digits":
        images, labels = digits.load_digits_images(resolution)
        if n is not None and n > len(images):
            raise ValueError(f"digits has {len(images)} images; n={n} asks for more.")
        return ImageDataset(images[:n], "digits", mirror=mirror, labels=labels[:n])
    path = Path(name).expanduser()
    if not path.exists():
        raise FileNotFoundError(f"unknown data set {str(name)!r}: use one of {DATASET_NAMES} or the path of "
                                f"an image folder (no file or folder {path.resolve()} exists; see "
                                f"data/README.md).")
    images, files = folder.load_folder(path, resolution, root=root, upscale=upscale, progress=progress)
    if n is not None and n > len(images):
        raise ValueError(f"{path} has {len(images)} usable images; n={n} asks for more.")
    return ImageDataset(images[:n], path.name, mirror=mirror, files=files[:n])
