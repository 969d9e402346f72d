"""Signed distances and anti-aliased coverage: the drawing primitives of the synthetic faces.

A shape is a signed distance d(p) (negative inside, in head units). Its coverage of a pixel is the analytic
box-filter approximation: the fraction of a one-pixel-wide ramp centred on the edge,

    coverage = clip(1/2 − d · (pixels per unit), 0, 1),

so a 32² image has smooth edges and sub-pixel features fade instead of flickering. Layers are composited
back to front with the "over" operator, rgb ← rgb · (1 − coverage) + colour · coverage (exact at
coverage 0 and 1: an uncovered pixel keeps its bytes, a covered one takes the colour's).

Every function is element-wise on float32 arrays (only +, −, ×, ÷, √, min, max), so a pixel's value does
not depend on which other pixels or images share the array: rendering image i alone or in a batch gives the
same bytes.
"""

from __future__ import annotations

import numpy as np

BIG = np.float32(1e3)  # added to a distance to switch a shape off for some images (branch-free)


def length(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    return np.sqrt(x * x + y * y)


def circle(x: np.ndarray, y: np.ndarray, r) -> np.ndarray:
    """Exact distance to a circle of radius r at the origin."""
    return length(x, y) - r


def ellipse(x: np.ndarray, y: np.ndarray, a, b) -> np.ndarray:
    """Approximate distance to the ellipse (x/a)² + (y/b)² = 1: d ≈ k0 (k0 − 1) / k1.

    k0 = |(x/a, y/b)|, k1 = |(x/a², y/b²)| (first-order correction of the level set; exact on the boundary).
    """
    xa, yb = x / a, y / b
    k0 = length(xa, yb)
    k1 = np.maximum(length(xa / a, yb / b), np.float32(1e-6))
    return k0 * (k0 - 1.0) / k1


def rounded_box(x: np.ndarray, y: np.ndarray, hx, hy, r) -> np.ndarray:
    """Exact distance to a box of half-sizes (hx, hy) whose corners are rounded with radius r."""
    qx = np.abs(x) - (hx - r)
    qy = np.abs(y) - (hy - r)
    outside = length(np.maximum(qx, 0.0), np.maximum(qy, 0.0))
    inside = np.minimum(np.maximum(qx, qy), 0.0)
    return outside + inside - r


def band(x: np.ndarray, y: np.ndarray, top, bottom, half_width) -> np.ndarray:
    """Region between two curves y = top(x) and y = bottom(x), |x| < half_width (curves of small slope)."""
    return np.maximum(np.maximum(top - y, y - bottom), np.abs(x) - half_width)


def stroke(d: np.ndarray, half_thickness) -> np.ndarray:
    """The outline of a shape, of the given half thickness."""
    return np.abs(d) - half_thickness


def coverage(d: np.ndarray, px_per_unit, soft: float = 1.0) -> np.ndarray:
    """Box-filtered coverage clip(1/2 − d·px_per_unit/soft, 0, 1); soft > 1 widens the ramp (shading)."""
    t = d * (px_per_unit / soft if soft != 1.0 else px_per_unit)
    np.subtract(np.float32(0.5), t, out=t)
    return np.clip(t, 0.0, 1.0, out=t)


def tri(t: np.ndarray) -> np.ndarray:
    """Triangle wave of period 1 in [-1, 1] (a cheap, exactly reproducible stand-in for a sine)."""
    return 4.0 * np.abs(t - np.floor(t) - 0.5) - 1.0


def over(rgb: np.ndarray, cov: np.ndarray, colour: np.ndarray) -> None:
    """In place: rgb [n, 3, h, w] ← rgb · (1 − cov) + colour [n, 3, 1|h, 1|w] · cov [n, h, w]."""
    c = cov[:, None]
    rgb *= 1.0 - c
    rgb += colour * c
