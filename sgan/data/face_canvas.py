"""The canvas the face layers (``sgan.data.face_layers``) paint on: a chunk of images with their coordinates,
and windows (``View``) of it.

Speed without changing a pixel: each layer evaluates its signed distances only inside a window that bounds it
in every image of the chunk (plus a margin of a few pixels; chunks hold faces of similar pose, see
``synthetic_faces.pose_order``), and the rarer parts (beard, glasses) only for the images that have them.
Outside a window the coverage is exactly zero, so this changes the speed and never the bytes
(``USE_WINDOWS = False`` draws everything on the full frame; a test compares the two).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from sgan.data import hashing
from sgan.data import sdf as S
from sgan.data.face_layout import (
    Layout,
)

USE_WINDOWS = True
MARGIN_PX = 3.0
F32 = np.float32
_PIXEL_HASH: dict[int, np.ndarray] = {}


def rgb(*c: float) -> np.ndarray:
    """A constant colour as float32 [1, 3, 1, 1]."""
    return np.array(c, dtype=F32)[None, :, None, None]


class View:
    """A window of the canvas for all images (or a subset sel): contiguous copies of its coordinates, and,
    inside ``with view:``, a contiguous copy of its pixels (``view.rgb``) written back on exit."""

    def __init__(self, canvas: Canvas, rows: slice, cols: slice, sel: np.ndarray | None = None):
        self.canvas, self.rows, self.cols, self.sel = canvas, rows, cols, sel
        self.X = np.ascontiguousarray(self.take(canvas.X))  # head frame [n, h, w]
        self.Y = np.ascontiguousarray(self.take(canvas.Y))
        self.x = canvas.x[:, :, cols]  # image frame [1, 1, w]
        self.y = canvas.y[:, rows, :]  # image frame [1, h, 1]
        self.px = canvas.px if sel is None else canvas.px[sel]  # pixels per head unit [n, 1, 1]
        self.empty = self.X.size == 0
        self.rgb: np.ndarray | None = None

    def take(self, full: np.ndarray) -> np.ndarray:
        """The window of a full-frame array [n, (3,) R, R] (for this view's images)."""
        window = full[..., self.rows, self.cols]
        return window if self.sel is None else window[self.sel]

    def own(self, window_array: np.ndarray) -> np.ndarray:
        """This view's images of an array computed on the same window for all images."""
        return window_array if self.sel is None else window_array[self.sel]

    def subset(self, sel: np.ndarray) -> View:
        return View(self.canvas, self.rows, self.cols, sel)

    def __enter__(self) -> View:
        self.rgb = np.ascontiguousarray(self.take(self.canvas.rgb))  # [n, 3, h, w]
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is None:
            if self.sel is None:
                self.canvas.rgb[..., self.rows, self.cols] = self.rgb
            else:
                self.canvas.rgb[self.sel, :, self.rows, self.cols] = self.rgb
        self.rgb = None

    def cover(self, d: np.ndarray, soft: float = 1.0) -> np.ndarray:
        return S.coverage(d, self.px, soft)

    def paint(self, cov: np.ndarray, colour: np.ndarray) -> None:
        S.over(self.rgb, cov, colour)


class Canvas:
    """The pixels of a chunk of images and their coordinates in both frames."""

    def __init__(self, lay: Layout, resolution: int):
        R = resolution
        c = ((2.0 * np.arange(R) + 1.0) / R - 1.0).astype(F32)
        self.x, self.y = c[None, None, :], c[None, :, None]  # [1, 1, R], [1, R, 1]
        dx, dy = self.x - lay.p("Fx"), self.y - lay.p("Fy")  # [n, 1, R], [n, R, 1]
        # X = ((x − Fx) cos ρ + (y − Fy) sin ρ) / s,  Y = ((y − Fy) cos ρ − (x − Fx) sin ρ) / s
        self.X = dx * lay.p("cos_s") + dy * lay.p("sin_s")  # [n, R, R]
        self.Y = dy * lay.p("cos_s") - dx * lay.p("sin_s")
        self.px = lay.p("s") * F32(R / 2.0)
        self.rgb = np.empty((lay.n, 3, R, R), dtype=F32)
        self.R, self.lay = R, lay

    def full(self) -> View:
        return View(self, slice(0, self.R), slice(0, self.R))

    def around(self, cx: np.ndarray, cy: np.ndarray, radius: np.ndarray | float) -> View:
        """The window holding the head-frame discs (cx, cy, radius) [n] of every image, plus a margin."""
        x, y = self.lay.to_image(np.asarray(cx, dtype=np.float64), np.asarray(cy, dtype=np.float64))
        rad = self.lay.v["s"] * radius + MARGIN_PX * 2.0 / self.R
        return self.image_window(x - rad, x + rad, y - rad, y + rad)

    def around_box(self, x0, x1, y0, y1) -> View:
        """The window holding the head-frame boxes [x0, x1] × [y0, y1] ([n] or scalars) once rotated."""
        lay = self.lay
        cx, cy = 0.5 * (np.asarray(x0) + x1), 0.5 * (np.asarray(y0) + y1)
        hx, hy = 0.5 * (np.asarray(x1) - x0), 0.5 * (np.asarray(y1) - y0)
        x, y = lay.to_image(cx + np.zeros(lay.n), cy + np.zeros(lay.n))
        c, sn, s = np.abs(lay.v["cos_r"]), np.abs(lay.v["sin_r"]), lay.v["s"]
        margin = MARGIN_PX * 2.0 / self.R
        ex, ey = s * (hx * c + hy * sn) + margin, s * (hx * sn + hy * c) + margin
        return self.image_window(x - ex, x + ex, y - ey, y + ey)

    def image_window(self, x0, x1, y0, y1) -> View:
        """The window holding the image-frame boxes [x0, x1] × [y0, y1] (scalars or [n])."""
        if not USE_WINDOWS:
            return self.full()
        half = self.R / 2.0

        def span(lo, hi) -> slice:
            a = int(np.clip(np.floor((np.min(lo) + 1.0) * half - 0.5), 0, self.R))
            b = int(np.clip(np.ceil((np.max(hi) + 1.0) * half - 0.5) + 1, 0, self.R))
            return slice(a, max(a, b))

        return View(self, span(y0, y1), span(x0, x1))

    def subset(self, view: View, flag: str, draw: Callable[[View, Layout], None]) -> None:
        """Run draw(view, layout) only for the images whose binary factor flag is 1."""
        if view.empty:
            return
        on = self.lay.v[flag] > 0.5
        if not USE_WINDOWS or on.all():
            with view:
                draw(view, self.lay)
            return
        idx = np.flatnonzero(on)
        if idx.size:
            with view.subset(idx) as sub:
                draw(sub, self.lay.take(idx))

    def to_uint8(self) -> np.ndarray:
        out = self.rgb * F32(255.0)
        out += F32(0.5)
        np.clip(out, 0.0, 255.0, out=out)
        return out.astype(np.uint8)


def pixel_hash(resolution: int) -> np.ndarray:
    """hash32 of every pixel's number, [1, R, R] uint32 (a per-resolution constant)."""
    if resolution not in _PIXEL_HASH:
        ids = np.arange(resolution * resolution, dtype=np.uint32).reshape(1, resolution, resolution)
        _PIXEL_HASH[resolution] = hashing.hash32(ids * np.uint32(0x9E3779B1) + np.uint32(0x632BE5AB))
    return _PIXEL_HASH[resolution]


def hat_weights(coords: np.ndarray, count: int) -> np.ndarray:
    """Bilinear interpolation weights [count, len(coords)] for control points evenly spaced on [-1, 1]."""
    centres = np.linspace(-1.0, 1.0, count)[:, None]
    return np.maximum(0.0, 1.0 - np.abs(coords.ravel()[None, :] - centres) * ((count - 1) / 2.0)).astype(F32)
