"""A real data set that works offline: scikit-learn's bundled handwritten digits (UCI "optdigits").

1,797 greyscale images of 8×8 pixels (values 0..16, ten classes), drawn here as dark ink on white paper and
upscaled to the training resolution with bicubic interpolation, as RGB uint8 [N, 3, R, R]. Small and blurry,
but real: the real-data path (folder-like images without factors) is exercised in tests and notebooks with no
download.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import torch
import torch.nn.functional as F


@lru_cache(maxsize=4)
def load_digits_images(resolution: int) -> tuple[np.ndarray, np.ndarray]:
    """(uint8 [1797, 3, R, R], labels int64 [1797]) at the given power-of-two resolution (read-only arrays,
    kept for the next call)."""
    from sklearn.datasets import load_digits

    bunch = load_digits()
    ink = torch.from_numpy(bunch.images.astype(np.float32) / 16.0)[:, None]  # [N, 1, 8, 8] in [0, 1]
    if resolution != ink.shape[-1]:
        ink = F.interpolate(ink, size=(resolution, resolution), mode="bicubic", align_corners=False)
    paper = (1.0 - ink.clamp(0.0, 1.0)) * 255.0  # dark ink on white
    grey = (paper + 0.5).floor().to(torch.uint8).numpy()  # [N, 1, R, R]
    images, labels = np.ascontiguousarray(np.repeat(grey, 3, axis=1)), bunch.target.astype(np.int64)
    images.setflags(write=False)
    labels.setflags(write=False)
    return images, labels
