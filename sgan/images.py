"""Images as arrays: the one home of the conversions every figure, grid, widget and PNG uses.

Images are tensors ``[N, C, H, W]`` in [-1, 1] (C = 3, or 1 for a map); pictures are ``uint8`` arrays
``[H, W, C]``. The conversion onto 256 levels is ``round(x · 127.5 + 127.5)`` clipped to [0, 255], as the
official ``convert_images_to_uint8`` (``dnnlib/tflib/tfutil.py``) maps [-1, 1]; written in this order (not
``(x + 1) · 127.5``, which rounds about 1 value in 10⁶ differently) because the zoo's fixed-seed image
checks (``sgan.studies.model_zoo``) were hashed with it.
"""

from __future__ import annotations

import io
import math
import os
import tempfile
from pathlib import Path

import numpy as np
import torch
from PIL import Image


def to_uint8(images: torch.Tensor) -> np.ndarray:
    """Images ``[N, C, H, W]`` in [-1, 1] (C = 3 or 1) -> ``uint8 [N, H, W, C]`` (clamped, rounded)."""
    if images.ndim != 4 or images.shape[1] not in (1, 3):
        raise ValueError(f"to_uint8 expects images [N, 3, H, W] (or 1 channel), got {tuple(images.shape)}.")
    x = (images.detach().float().cpu() * 127.5 + 127.5).round().clamp(0, 255)  # [-1, 1] -> [0, 255]
    return x.to(torch.uint8).permute(0, 2, 3, 1).numpy()


def image_grid(images: np.ndarray | torch.Tensor, ncols: int | None = None, pad: int = 1,
               pad_value: int = 255) -> np.ndarray:
    """Tile images (uint8 ``[N, H, W, C]`` or a tensor ``[N, C, H, W]`` in [-1, 1]) into one uint8 picture.

    ``ncols`` defaults to N (one row); rows are filled left to right with ``pad`` pixels of ``pad_value``
    between images. A one-channel grid comes back ``[H, W]``.
    """
    if isinstance(images, torch.Tensor):
        images = to_uint8(images)
    if images.ndim != 4 or images.shape[-1] not in (1, 3) or len(images) == 0:
        raise ValueError(f"image_grid expects uint8 images [N, H, W, 3] with N >= 1, got {images.shape}.")
    n, h, w, c = images.shape
    ncols = n if ncols is None else ncols
    nrows = math.ceil(n / ncols)
    grid = np.full((nrows * (h + pad) - pad, ncols * (w + pad) - pad, c), pad_value, dtype=np.uint8)
    for i, img in enumerate(images):
        r, k = divmod(i, ncols)
        grid[r * (h + pad): r * (h + pad) + h, k * (w + pad): k * (w + pad) + w] = img
    return grid[..., 0] if c == 1 else grid


def upscale(image: np.ndarray, size: int) -> np.ndarray:
    """Enlarge a uint8 ``[H, W, C]`` image (nearest, integer factor) to a height of about ``size``."""
    factor = max(1, size // image.shape[0])
    return image.repeat(factor, axis=0).repeat(factor, axis=1)


def save_image(array: np.ndarray, path: str | Path) -> Path:
    """Write a ``uint8`` image array as PNG, atomically (temporary file, then ``os.replace``)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)  # swept if orphaned
    os.close(fd)
    try:
        Image.fromarray(array).save(tmp, format="PNG")
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def to_png(image: np.ndarray) -> bytes:
    """PNG bytes of a uint8 ``[H, W, 3]`` image (what an ``ipywidgets.Image`` shows)."""
    buf = io.BytesIO()
    Image.fromarray(image).save(buf, format="png")
    return buf.getvalue()
