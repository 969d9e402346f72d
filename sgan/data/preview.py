"""A labelled preview of the synthetic faces: every factor varied alone, grouped by scale.

Row 1 shows random faces from the data set; then one row per factor (coarse, middle, fine), sweeping it across
its range (continuous: evenly spaced from low to high; binary: off in the left half, on in the right) while
every other factor and the stochastic detail stay fixed; the last row keeps the factors and redraws only the
stochastic detail (freckles, hair strands, fringe, background), what the generator's noise inputs model, and
a final row shows where it changed (the largest channel difference from the first face, ×4, dark = changed).
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from sgan.data import synthetic_faces as sf

SCALE_COLOURS = {"coarse": "#1f5fa8", "middle": "#b5562a", "fine": "#3c8a3c", "": "#333333"}


def sweep(name: str, columns: int = 8, **fixed: float) -> dict[str, np.ndarray]:
    """A factor table of columns faces that differ only in factor name (others: default_factors(**fixed))."""
    f = sf.factor(name)
    table = sf.default_factors(columns, **fixed)
    if f.kind == "binary":
        values = (np.arange(columns) >= columns // 2).astype(np.float32)
    else:
        values = np.linspace(f.low, f.high, columns, dtype=np.float32)
    table[name] = values
    return table


def preview_rows(resolution: int = 64, seed: int = 0, columns: int = 8) -> list[tuple[str, str, np.ndarray]]:
    """[(label, scale, uint8 [columns, 3, R, R])]: random faces, a sweep per factor, the stochastic detail."""
    same = np.zeros(columns, dtype=np.int64)  # one detail draw for every face of a sweep
    rows = [("random faces", "", sf.generate(columns, resolution, seed=seed, progress=False)[0])]
    for scale in sf.SCALES:
        for f in (f for f in sf.FACTORS if f.scale == scale):
            span = "0 | 1" if f.kind == "binary" else f"{f.low:g} .. {f.high:g}"
            rows.append((f"{f.name}  [{span}]", scale,
                         sf.render(sweep(f.name, columns), resolution, seed=seed, detail_indices=same)))
    detail = sf.render(sf.default_factors(columns), resolution, seed=seed, detail_indices=np.arange(columns))
    rows.append(("stochastic detail (noise)", "", detail))
    change = np.abs(detail.astype(np.int16) - detail[:1]).max(axis=1, keepdims=True) * 4  # vs the first face
    rows.append(("detail change vs first, x4", "", np.repeat(255 - np.clip(change, 0, 255), 3, axis=1)
                 .astype(np.uint8)))
    return rows


def preview_grid(resolution: int = 64, seed: int = 0, columns: int = 8) -> Figure:
    """The preview as a matplotlib Figure (no pyplot: safe with any backend, shown inline by Jupyter)."""
    rows = preview_rows(resolution, seed, columns)
    R, pad = resolution, max(1, resolution // 16)
    cell = R + pad
    mosaic = np.full((len(rows) * cell - pad, columns * cell - pad, 3), 255, dtype=np.uint8)
    for r, (_, _, images) in enumerate(rows):
        for c in range(columns):
            mosaic[r * cell:r * cell + R, c * cell:c * cell + R] = images[c].transpose(1, 2, 0)
    inch = max(0.64, R / 100.0)  # per face: one image pixel per figure pixel at dpi=100 (64²)
    width, height = columns * inch + 2.6, len(rows) * inch + 0.7
    fig = Figure(figsize=(width, height))
    FigureCanvasAgg(fig)
    ax = fig.add_axes((2.5 / width, 0.1 / height, columns * inch / width, len(rows) * inch / height))
    ax.imshow(mosaic, interpolation="nearest" if R < 64 else "antialiased")  # small faces: crisp pixels
    ax.set_xticks([])
    ax.set_yticks([r * cell + R / 2 for r in range(len(rows))])
    ax.set_yticklabels([label for label, _, _ in rows], fontsize=8)
    for tick, (_, scale, _) in zip(ax.get_yticklabels(), rows, strict=True):
        tick.set_color(SCALE_COLOURS[scale])
    for side in ("top", "right", "bottom", "left"):
        ax.spines[side].set_visible(False)
    ax.tick_params(length=0)
    ax.set_title(f"synthetic faces {R}²: each factor varied alone\n"
                 "blue: coarse (4²–8²) · orange: middle (16²–32²) · green: fine (64²+)", fontsize=9)
    return fig


def save_preview(path: str | os.PathLike = "docs/preview.png", resolution: int = 64, seed: int = 0,
                 columns: int = 8, dpi: int = 100) -> Path:
    """Write the preview PNG atomically (temporary file, then rename); returns the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        preview_grid(resolution, seed, columns).savefig(tmp, format="png", dpi=dpi)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path
