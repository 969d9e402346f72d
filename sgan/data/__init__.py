"""Data: the synthetic faces (sgan's default data, with ground-truth factors), real image folders, digits.

    from sgan.data import load_dataset
    data = load_dataset("synthetic", resolution=32)      # 70,000 faces, cached under data/
    x = data.batch(range(64), mirror=True, generator=g)  # float32 [64, 3, 32, 32] in [-1, 1]
    data.factors["smiling"]                              # the ground truth of every image
"""

from sgan.data.dataset import DATASET_NAMES, ImageDataset, load_dataset, mirror_mask
from sgan.data.synthetic_faces import (
    BINARY_FACTORS,
    CONTINUOUS_FACTORS,
    ENTANGLE_MODES,
    FACTORS,
    RENDERER_VERSION,
    Factor,
    generate,
    render,
    sample_factors,
)

__all__ = [
    "BINARY_FACTORS",
    "CONTINUOUS_FACTORS",
    "DATASET_NAMES",
    "ENTANGLE_MODES",
    "FACTORS",
    "RENDERER_VERSION",
    "Factor",
    "ImageDataset",
    "generate",
    "load_dataset",
    "mirror_mask",
    "preview_grid",
    "render",
    "sample_factors",
    "save_preview",
]


def __getattr__(name: str):
    if name in ("preview_grid", "save_preview"):  # matplotlib is imported only when a preview is drawn
        from sgan.data import preview

        return getattr(preview, name)
    raise AttributeError(f"module 'sgan.data' has no attribute {name!r}")
