"""The layout of a synthetic face: where every part sits, how big it is and what colour, per image.

Two frames (both with y pointing down, like pixel rows):

* image frame: x, y in [−1, 1] across the picture; pixel j's centre is at (2j + 1)/R − 1;
* head frame: centred on the face, rotated by the roll and scaled by the head size,
      x_img = F_x + s (X cos ρ − Y sin ρ),   y_img = F_y + s (X sin ρ + Y cos ρ),
  where the face centre F hangs above a fixed neck pivot P, F = P + s R(ρ) (0, −0.42) (the head tilts about
  the neck, so the body stays still).

Yaw turns the head: a feature at (x₀, z₀) on a sphere of the face's half-width a (z towards the viewer)
lands at x = x₀ cos θ + z₀ sin θ, and its width shrinks by cos(φ + θ)/cos φ, φ = asin(x₀/a) its angle on the
sphere.

All per-image values are float64 [n]; ``Layout.p(name)`` gives the float32 [n, 1, 1] used against pixels.
Trigonometry uses a Taylor series (only + and ×), so an image's layout is bit-identical in any batch.
"""

from __future__ import annotations

import numpy as np

from sgan.data import hashing

HEAD_SCALE = 1.1  # head units -> image units at head_size 1
PIVOT_Y = 0.52  # neck pivot (image frame)
FACE_ABOVE_PIVOT = 0.44  # face centre above the pivot (head units)
FACE_A, FACE_B = 0.33, 0.43  # average face half-width and half-height (head units)
EYE_X, EYE_Y = 0.40, -0.05  # eye position: x as a fraction of the half-width; y
EYE_W, EYE_H = 0.072, 0.046  # eye half-width and half-height at eye_size 1
NOSE_Y, MOUTH_Y, MOUTH_W = 0.12, 0.245, 0.10
EAR_Y = 0.01

# colour palettes, interpolated piecewise-linearly along the factor (stops evenly spaced on [0, 1])
SKIN = [(1.00, 0.87, 0.77), (0.95, 0.76, 0.63), (0.80, 0.58, 0.44), (0.58, 0.39, 0.27), (0.38, 0.25, 0.18)]
DARK_HAIR = [(0.07, 0.06, 0.06), (0.16, 0.11, 0.08), (0.30, 0.19, 0.12)]
LIGHT_HAIR = [(0.95, 0.84, 0.57), (0.89, 0.70, 0.40), (0.80, 0.44, 0.21), (0.62, 0.45, 0.29)]
EYE = [(0.25, 0.50, 0.86), (0.28, 0.60, 0.42), (0.56, 0.45, 0.20), (0.36, 0.21, 0.11)]
BACKGROUND = [(0.95, 0.76, 0.79), (0.98, 0.86, 0.71), (0.95, 0.93, 0.72), (0.77, 0.91, 0.78),
              (0.72, 0.87, 0.94), (0.80, 0.81, 0.96), (0.88, 0.78, 0.94)]
SHIRT = [(0.76, 0.17, 0.20), (0.90, 0.52, 0.16), (0.84, 0.76, 0.22), (0.21, 0.58, 0.34),
         (0.14, 0.52, 0.66), (0.20, 0.29, 0.66), (0.48, 0.24, 0.62)]

N_FRECKLES = 12
MOTTLE_GRID = 4
_DETAIL_SLOTS = 1 + 8 + 1 + 4 * N_FRECKLES + MOTTLE_GRID * MOTTLE_GRID


def sincos(angle: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """sin and cos by Taylor series to x¹⁵ (error < 1e-12 for |x| < 1), element-wise arithmetic only."""
    x = np.asarray(angle, dtype=np.float64)
    x2 = x * x
    s, c = np.zeros_like(x), np.zeros_like(x)
    term_s, term_c = x.copy(), np.ones_like(x)
    for k in range(8):
        s = s + term_s
        c = c + term_c
        term_s = -term_s * x2 / ((2 * k + 2) * (2 * k + 3))
        term_c = -term_c * x2 / ((2 * k + 1) * (2 * k + 2))
    return s, c


def palette(stops: list[tuple[float, float, float]], t: np.ndarray) -> np.ndarray:
    """Piecewise-linear colour ramp: t [n] in [0, 1] -> rgb [n, 3]."""
    stops_arr = np.asarray(stops, dtype=np.float64)
    grid = np.linspace(0.0, 1.0, len(stops))
    return np.stack([np.interp(t, grid, stops_arr[:, c]) for c in range(3)], axis=1)


class Layout:
    """Per-image geometry and colours derived from a factor table (see the module docstring)."""

    def __init__(self, f: dict[str, np.ndarray]):
        v: dict[str, np.ndarray] = {}
        g = {k: np.asarray(x, dtype=np.float64) for k, x in f.items()}
        self.n = len(g["yaw"])
        s = v["s"] = HEAD_SCALE * g["head_size"]
        v["sin_r"], v["cos_r"] = sincos(g["roll"] * (np.pi / 180.0))
        st, ct = sincos(g["yaw"] * (np.pi / 180.0))
        v["sin_t"], v["cos_t"] = st, ct
        a = v["a"] = FACE_A * g["face_width"]
        v["b"] = FACE_B * g["face_length"]
        v["Fx"] = s * FACE_ABOVE_PIVOT * v["sin_r"]
        v["Fy"] = PIVOT_Y - s * FACE_ABOVE_PIVOT * v["cos_r"]
        v["cos_s"], v["sin_s"] = v["cos_r"] / s, v["sin_r"] / s
        # features on the sphere of radius a: x = x0 cos(yaw) + z0 sin(yaw)
        z_eye = a * np.sqrt(1.0 - EYE_X**2)
        v["exL"] = -EYE_X * a * ct + z_eye * st
        v["exR"] = EYE_X * a * ct + z_eye * st
        tan_eye = EYE_X / np.sqrt(1.0 - EYE_X**2)
        v["wfL"] = np.minimum(ct + tan_eye * st, 1.0)  # foreshortening, never wider than frontal
        v["wfR"] = np.minimum(ct - tan_eye * st, 1.0)
        v["ye"] = np.full(self.n, EYE_Y)
        v["ew"], v["eh"] = EYE_W * g["eye_size"], EYE_H * g["eye_size"]
        v["xn"] = 1.12 * a * st
        v["xm"] = 0.98 * a * st
        v["mwf"] = 0.55 + 0.45 * ct
        v["earL"] = -0.98 * a - 0.35 * a * st
        v["earR"] = 0.98 * a - 0.35 * a * st
        v["hair_dx"] = -0.10 * a * st
        v["part_x"] = 0.9 * a * st
        v["hair_a"] = a * (1.10 + 0.12 * g["long_hair"]) + 0.03
        v["hair_b"] = v["b"] * 1.02 + 0.07 + 0.03 * g["long_hair"]
        for k in ("long_hair", "eyes_open", "smiling", "glasses", "bushy_eyebrows", "beard"):
            v[k] = g[k]
        self.v = v
        hair = np.where(g["dark_hair"][:, None] > 0.5, palette(DARK_HAIR, g["hair_shade"]),
                        palette(LIGHT_HAIR, g["hair_shade"]))
        self.colours = {
            "skin": palette(SKIN, g["skin_tone"]),
            "hair": hair,
            "eye": palette(EYE, g["eye_colour"]),
            "bg": palette(BACKGROUND, g["background_hue"]),
            "shirt": palette(SHIRT, g["shirt_hue"]),
        }
        self._cache: dict[str, np.ndarray] = {}

    def take(self, idx: np.ndarray) -> Layout:
        """The layout of a subset of the images (idx [k] into 0..n−1)."""
        sub = object.__new__(Layout)
        sub.n = len(idx)
        sub.v = {k: x[idx] for k, x in self.v.items()}
        sub.colours = {k: x[idx] for k, x in self.colours.items()}
        sub._cache = {}
        return sub

    def p(self, name: str) -> np.ndarray:
        """A per-image value as float32 [n, 1, 1] (broadcasts against pixels [n, h, w])."""
        if name not in self._cache:
            self._cache[name] = self.v[name].astype(np.float32)[:, None, None]
        return self._cache[name]

    def col(self, name: str, scale: float = 1.0) -> np.ndarray:
        """A per-image colour as float32 [n, 3, 1, 1], optionally scaled (darker < 1 < lighter)."""
        key = f"{name}*{scale}"
        if key not in self._cache:
            rgb = np.clip(self.colours[name] * scale, 0.0, 1.0).astype(np.float32)
            self._cache[key] = rgb[:, :, None, None]
        return self._cache[key]

    def to_image(self, X: np.ndarray, Y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Head-frame points [n] -> image-frame points [n]."""
        v = self.v
        x = v["Fx"] + v["s"] * (X * v["cos_r"] - Y * v["sin_r"])
        y = v["Fy"] + v["s"] * (X * v["sin_r"] + Y * v["cos_r"])
        return x, y


class Detail:
    """The stochastic detail of each image, from the detail stream keyed by (seed, index), not the factors."""

    def __init__(self, seed: int, index: np.ndarray, stream: int):
        u = hashing.uniforms(seed, stream, index, _DETAIL_SLOTS)  # [n, slots] in [0, 1)
        self.n = len(index)
        self.speckle_key = (u[:, 0] * 2.0**32).astype(np.uint32)[:, None, None]
        # hair strands: three triangle waves in the strand coordinate (frequency, phase) + a waviness
        self.strand_freq = np.array([4.0, 8.0, 14.0]) * (1.0 + 0.5 * u[:, 1:4])
        self.strand_phase = u[:, 4:7]
        self.wave_freq, self.wave_phase = 1.5 + 2.0 * u[:, 7], u[:, 8]
        # freckles on the cheeks: count, then (x side-fraction, y, radius, opacity) each
        self.freckle_count = np.floor(u[:, 9] * (N_FRECKLES + 1))
        fr = u[:, 10:10 + 4 * N_FRECKLES].reshape(self.n, N_FRECKLES, 4)
        side = np.where(np.arange(N_FRECKLES) % 2 == 0, -1.0, 1.0)
        self.freckle_x = side * (0.22 + 0.5 * fr[..., 0])  # fraction of the face half-width
        self.freckle_y = 0.035 + 0.13 * fr[..., 1]
        active = np.arange(N_FRECKLES)[None, :] < self.freckle_count[:, None]
        self.freckle_r = np.where(active, 0.010 + 0.010 * fr[..., 2], 0.0)
        self.freckle_alpha = 0.25 + 0.3 * fr[..., 3]
        start = 10 + 4 * N_FRECKLES
        self.mottle = 2.0 * u[:, start:start + MOTTLE_GRID**2].reshape(self.n, MOTTLE_GRID, MOTTLE_GRID) - 1.0

    def p(self, values: np.ndarray) -> np.ndarray:
        """[n] -> float32 [n, 1, 1]."""
        return np.asarray(values, dtype=np.float32)[:, None, None]


def pixel_coords(x: np.ndarray, resolution: int) -> np.ndarray:
    """Image-frame coordinate -> pixel coordinate (pixel j's centre at j)."""
    return (np.asarray(x) + 1.0) * (resolution / 2.0) - 0.5


def landmarks(lay: Layout, resolution: int) -> dict[str, np.ndarray]:
    """Pixel (x, y) [n, 2] of the face centre, the eyes, the nose tip and the mouth centre."""
    v = lay.v
    points = {"face": (np.zeros(lay.n), np.zeros(lay.n)), "left_eye": (v["exL"], v["ye"]),
              "right_eye": (v["exR"], v["ye"]), "nose": (v["xn"], np.full(lay.n, NOSE_Y)),
              "mouth": (v["xm"], np.full(lay.n, MOUTH_Y))}
    out = {}
    for name, (X, Y) in points.items():
        x, y = lay.to_image(X, Y)
        out[name] = np.stack([pixel_coords(x, resolution), pixel_coords(y, resolution)], axis=1)
    return out
