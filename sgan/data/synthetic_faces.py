"""Synthetic faces: sgan's default data set, rendered procedurally with known ground-truth factors.

Every image is a deterministic function of (seed, index) and the resolution (a power of two, 8 to 256). Two
independent counter-based random streams are keyed by (seed, index) (see ``hashing.py``):

* the **factor stream** draws the factors in ``FACTORS``, the ground truth a researcher checks disentanglement
  against. They are organised by the scale at which they act, like the paper's coarse / middle / fine styles
  (Karras et al. 2019, §3.1 and Figure 3: coarse 4²–8² = pose, face shape, hair style and eyeglasses; middle
  16²–32² = facial features, eyes open or closed; fine 64²+ = colours). One departure: glasses are grouped
  with the middle factors here. The paper reads its groups off FFHQ's generator; ours are drawn as thin dark
  rims around the eyes, a feature at the eyes' scale (no change to the head's outline), and notebook 06
  measures which styles of a trained F carry them;
* the **detail stream** draws stochastic detail that is *not* a factor and follows no factor: freckle
  positions, hair-strand placement, the fringe's ragged edge, background mottling and speckle. It is what the
  generator's noise inputs (config E, Sec. 3.2) must learn. It is small in amplitude and local.

Faces are drawn as anti-aliased signed-distance shapes (``sdf.py``) in a head frame that is rotated by the
roll and scaled by the head size; yaw moves the facial features across a sphere, x = x₀ cos θ + z₀ sin θ
(``face_layout.py``, ``face_layers.py``). The layout follows FFHQ's alignment, so the paper's
perceptual-path-length crop (rows 3H/8–7H/8, columns H/4–3H/4) holds the face.

Entangled training distributions (``entangle=``), for the paper's Figure 6 argument (a missing or rare
combination of factors forces a warped mapping from Z, while W can undo it):

* ``"none"`` (default): every factor independent.
* ``"missing_combo"``: long hair never occurs with a beard (P(long_hair=1, beard=1) = 0). The two marginals
  are kept: P(long_hair=1) = 0.5 and P(beard=1) = 0.3 as in "none" (the paper's example: long-haired men
  missing).
* ``"correlated"``: the same pair strongly anti-correlated: the combination is ten times rarer than under
  independence, P(1, 1) = 0.1 · 0.5 · 0.3, marginals kept (phi coefficient ≈ −0.59).
* ``"missing_region"``: the continuous version, the paper's Figure 6a drawn literally: two continuous factors
  (``REGION_PAIR``: skin tone and background hue, both uniform on [0, 1] otherwise) are drawn uniformly from
  the unit square less its upper-right quarter (both above the middle of their ranges, ``in_missing_region``):
  an L-shaped distribution with a hole, each marginal now 2/3 below the middle. Every other factor of image i
  is the one it has under "none" (the pair uses only draws of the factor stream that "none" leaves unused).

Changing anything that alters the pixels must bump ``RENDERER_VERSION`` (it keys the on-disk cache).
"""

from __future__ import annotations

import ctypes
import multiprocessing as mp
import os
import sys
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass

import numpy as np
from tqdm.auto import tqdm

from sgan import config
from sgan.data import face_layers, hashing

RENDERER_VERSION = 2  # 1: a draft renderer of 23 Nov (domain nets trained on it must be retrained)
FACTOR_STREAM = 1
DETAIL_STREAM = 2
ENTANGLE_MODES = ("none", "missing_combo", "correlated", "missing_region")
ENTANGLED_PAIR = ("long_hair", "beard")  # the pair that "missing_combo" and "correlated" act on
REGION_PAIR = ("skin_tone", "background_hue")  # the pair that "missing_region" acts on (continuous, uniform)
MIN_RESOLUTION, MAX_RESOLUTION = 8, 256


@dataclass(frozen=True)
class Factor:
    """One ground-truth factor of variation.

    kind: "binary" (stored as 0./1.) or "continuous" (in [low, high]); scale: "coarse" | "middle" | "fine",
    the style resolutions it should live in; p: the probability of 1 (binary); dist: "uniform" or
    "triangular" (peaked at the middle of the range; used for pose, which is mostly frontal as in FFHQ).
    """

    name: str
    kind: str
    scale: str
    low: float
    high: float
    doc: str
    p: float = 0.5
    dist: str = "uniform"


def _binary(name: str, scale: str, p: float, doc: str) -> Factor:
    return Factor(name, "binary", scale, 0.0, 1.0, doc, p=p)


def _cont(name: str, scale: str, low: float, high: float, doc: str, dist: str = "uniform") -> Factor:
    return Factor(name, "continuous", scale, low, high, doc, dist=dist)


FACTORS: tuple[Factor, ...] = (
    # coarse: pose, face shape, hair outline
    _cont("yaw", "coarse", -30.0, 30.0, "head turn in degrees; > 0 turns the face toward the image's right",
          "triangular"),
    _cont("roll", "coarse", -15.0, 15.0, "head tilt in degrees about the neck; > 0 tips the crown right",
          "triangular"),
    _cont("face_width", "coarse", 0.85, 1.15, "face width, relative to the average"),
    _cont("face_length", "coarse", 0.9, 1.12, "face elongation (height), relative to the average"),
    _cont("head_size", "coarse", 0.88, 1.12, "size of the whole head in the frame"),
    _binary("long_hair", "coarse", 0.5, "hair falls to the shoulders and covers the ears (0: short hair)"),
    # middle: facial features
    _binary("eyes_open", "middle", 0.75, "eyes open (0: closed, drawn as a curved lid line)"),
    _cont("eye_size", "middle", 0.8, 1.2, "eye size, relative to the average"),
    _binary("smiling", "middle", 0.5, "open smile showing teeth (0: closed mouth)"),
    _binary("glasses", "middle", 0.35, "dark-rimmed glasses around the eyes"),
    _binary("bushy_eyebrows", "middle", 0.5, "thick dark eyebrows (0: thin, light ones)"),
    _binary("beard", "middle", 0.3, "beard and moustache in the hair colour"),
    # fine: colours
    _cont("skin_tone", "fine", 0.0, 1.0, "skin colour from light (0) to dark (1)"),
    _binary("dark_hair", "fine", 0.5, "black / dark-brown hair (0: blond, ginger or light-brown)"),
    _cont("hair_shade", "fine", 0.0, 1.0, "place in the palette (dark: black..brown; light: blond..brown)"),
    _cont("eye_colour", "fine", 0.0, 1.0, "iris colour: blue (0), green, hazel, brown (1)"),
    _cont("background_hue", "fine", 0.0, 1.0, "pastel background colour: rose (0), ..., lavender (1)"),
    _cont("shirt_hue", "fine", 0.0, 1.0, "shirt colour: red (0), ..., violet (1)"),
)
FACTOR_NAMES: tuple[str, ...] = tuple(f.name for f in FACTORS)
BINARY_FACTORS: tuple[str, ...] = tuple(f.name for f in FACTORS if f.kind == "binary")
CONTINUOUS_FACTORS: tuple[str, ...] = tuple(f.name for f in FACTORS if f.kind == "continuous")
SCALES: tuple[str, ...] = ("coarse", "middle", "fine")
_BY_NAME = {f.name: f for f in FACTORS}


def factor(name: str) -> Factor:
    """The ``Factor`` called name (KeyError naming the known ones otherwise)."""
    if name not in _BY_NAME:
        raise KeyError(f"unknown factor {name!r}; known factors: {', '.join(FACTOR_NAMES)}.")
    return _BY_NAME[name]


def check_resolution(resolution: int, low: int = MIN_RESOLUTION, high: int = MAX_RESOLUTION) -> int:
    """``resolution`` if it is a power of two in [low, high] (the data sets' range), else a ValueError saying so
    (``sgan.config.check_resolution``)."""
    return config.check_resolution(resolution, low, high)


# ----------------------------------------------------------------------------------------------- factors


def _joint_pair(u: np.ndarray, p_a: float, p_b: float, p_both: float) -> tuple[np.ndarray, np.ndarray]:
    """Draw two binary factors with marginals p_a, p_b and P(a=1, b=1) = p_both from one uniform u [n]."""
    probs = np.array([1.0 - p_a - p_b + p_both, p_a - p_both, p_b - p_both, p_both])  # 00, 10, 01, 11
    k = np.searchsorted(np.cumsum(probs)[:-1], u, side="right")
    return (k % 2).astype(np.float32), (k // 2).astype(np.float32)


def sample_factors(n: int, seed: int = 0, entangle: str = "none",
                   start_index: int = 0) -> dict[str, np.ndarray]:
    """Draw the factors of images start_index .. start_index + n − 1: {name: float32 [n]}.

    Deterministic per (seed, index): the factors of image i do not depend on n or on the other images.
    """
    if entangle not in ENTANGLE_MODES:
        raise ValueError(f"entangle={entangle!r}: choose one of {ENTANGLE_MODES}.")
    if n < 0:
        raise ValueError(f"n={n} must be >= 0.")
    index = np.arange(start_index, start_index + n, dtype=np.int64)
    u = hashing.uniforms(seed, FACTOR_STREAM, index, 2 * len(FACTORS))  # [n, 2F]: 2j and 2j+1 for factor j
    out: dict[str, np.ndarray] = {}
    for j, f in enumerate(FACTORS):
        if f.kind == "binary":
            out[f.name] = (u[:, 2 * j] < f.p).astype(np.float32)
        else:
            # triangular: the mean of two independent uniforms
            t = u[:, 2 * j] if f.dist == "uniform" else 0.5 * (u[:, 2 * j] + u[:, 2 * j + 1])
            out[f.name] = (f.low + (f.high - f.low) * t).astype(np.float32)
    if entangle == "missing_region":
        a, b = (_BY_NAME[k] for k in REGION_PAIR)
        ja, jb = FACTOR_NAMES.index(a.name), FACTOR_NAMES.index(b.name)
        cell = np.minimum((3 * u[:, 2 * ja + 1]).astype(np.int64), 2)  # three equal quarters: 00, 10, 01
        ta = 0.5 * (u[:, 2 * ja] + (cell == 1))
        tb = 0.5 * (u[:, 2 * jb] + (cell == 2))
        out[a.name] = (a.low + (a.high - a.low) * ta).astype(np.float32)
        out[b.name] = (b.low + (b.high - b.low) * tb).astype(np.float32)
    elif entangle != "none":
        a, b = (_BY_NAME[k] for k in ENTANGLED_PAIR)
        p_both = 0.0 if entangle == "missing_combo" else 0.1 * a.p * b.p
        out[a.name], out[b.name] = _joint_pair(u[:, 2 * FACTOR_NAMES.index(a.name)], a.p, b.p, p_both)
    return out


def in_missing_region(factors: dict[str, np.ndarray]) -> np.ndarray:
    """bool [n]: which faces lie in the region that ``entangle="missing_region"`` leaves out (both factors of
    ``REGION_PAIR`` above the middle of their ranges)."""
    a, b = (_BY_NAME[k] for k in REGION_PAIR)
    return ((np.asarray(factors[a.name]) > 0.5 * (a.low + a.high))
            & (np.asarray(factors[b.name]) > 0.5 * (b.low + b.high)))


def check_factors(factors: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Validate a factor table (all names, same length, in range, binaries 0/1); return float32 copies."""
    missing = [k for k in FACTOR_NAMES if k not in factors]
    unknown = [k for k in factors if k not in _BY_NAME]
    if missing or unknown:
        raise ValueError(f"factor table: missing {missing}, unknown {unknown}; "
                         f"use sample_factors() or default_factors() for a complete table.")
    out = {k: np.atleast_1d(np.asarray(factors[k], dtype=np.float32)) for k in FACTOR_NAMES}
    n = len(out[FACTOR_NAMES[0]])
    for f in FACTORS:
        v = out[f.name]
        if v.shape != (n,):
            raise ValueError(f"factor {f.name!r} has shape {v.shape}; every factor must have shape [{n}].")
        if f.kind == "binary" and not np.isin(v, (0.0, 1.0)).all():
            raise ValueError(f"binary factor {f.name!r} must be 0 or 1.")
        if v.size and not (f.low - 1e-6 <= v.min() and v.max() <= f.high + 1e-6):
            raise ValueError(f"factor {f.name!r} must lie in [{f.low}, {f.high}]; "
                             f"got [{v.min()}, {v.max()}].")
    return out


def default_factors(n: int = 1, **values: float) -> dict[str, np.ndarray]:
    """A table of n identical, typical faces (continuous factors at mid-range), with some set by keyword."""
    base = {f.name: (f.p >= 0.5) * 1.0 if f.kind == "binary" else 0.5 * (f.low + f.high) for f in FACTORS}
    base.update(smiling=1.0, glasses=0.0, beard=0.0, skin_tone=0.3, hair_shade=0.4, eye_colour=0.2,
                background_hue=0.55, shirt_hue=0.65)
    for k, v in values.items():
        factor(k)
        base[k] = v
    return check_factors({k: np.full(n, v, dtype=np.float32) for k, v in base.items()})


# ----------------------------------------------------------------------------------------------- render


def render(factors: dict[str, np.ndarray], resolution: int, seed: int = 0, start_index: int = 0,
           detail_indices: np.ndarray | None = None) -> np.ndarray:
    """Draw faces with the given factors: uint8 [n, 3, resolution, resolution].

    The stochastic detail of face i comes from the detail stream keyed by (seed, start_index + i), or by
    (seed, detail_indices[i]) when given (e.g. all zeros: the same freckles and strands on every face).
    """
    resolution = check_resolution(resolution)
    table = check_factors(factors)
    n = len(table[FACTOR_NAMES[0]])
    index = (np.arange(start_index, start_index + n, dtype=np.int64) if detail_indices is None
             else np.asarray(detail_indices, dtype=np.int64).reshape(n))
    return _render_range(table, index, seed, resolution)


def generate(n: int, resolution: int = 32, seed: int = 0, entangle: str = "none", progress: bool = True,
             out: np.ndarray | None = None,
             workers: int | None = None) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Sample the factors of images 0..n−1 and render them: (uint8 [n, 3, H, W], {name: float32 [n]}).

    out: an array to fill (e.g. a memory-mapped file), else a new one. workers: processes for a large job
    (default: the CPU count, at most 8; Linux only, else one); the bytes do not depend on it.
    """
    resolution = check_resolution(resolution)
    factors = sample_factors(n, seed=seed, entangle=entangle)
    shape = (n, 3, resolution, resolution)
    if out is None:
        out = np.empty(shape, dtype=np.uint8)
    elif out.shape != shape or out.dtype != np.uint8:
        raise ValueError(f"out must be uint8 {shape}; got {out.dtype} {out.shape}.")
    workers = min(8, os.cpu_count() or 1) if workers is None else workers
    _render_chunks(out, factors, np.arange(n, dtype=np.int64), seed, resolution, progress, workers)
    return out, factors


def chunk_size(resolution: int) -> int:
    """Images drawn together: about 2^17 pixels (fewer numpy calls per image, arrays still cache-sized)."""
    return max(1, 2**17 // (resolution * resolution))


POOL_MIN_PIXELS = 2**22  # below ~1000 images at 64², starting worker processes costs more than it saves


def pose_order(factors: dict[str, np.ndarray]) -> np.ndarray:
    """An order that puts faces of similar pose and hair length next to each other.

    Images are drawn in chunks of this order: the layers' windows (the union over a chunk) stay small. An
    image's pixels never depend on its chunk, so the order changes the speed only.
    """
    roll_bin = np.round(factors["roll"] / 2.5)
    yaw_bin = np.round(factors["yaw"] / 2.5)
    return np.lexsort((factors["head_size"], yaw_bin, roll_bin, factors["long_hair"]))


def _render_range(factors: dict[str, np.ndarray], index: np.ndarray, seed: int, resolution: int,
                  bar: tqdm | None = None) -> np.ndarray:
    """Draw images chunk by chunk (in pose order) in this process: uint8 [len(index), 3, R, R]."""
    n, step = len(index), chunk_size(resolution)
    out = np.empty((n, 3, resolution, resolution), dtype=np.uint8)
    order = pose_order(factors)
    for i0 in range(0, n, step):
        sel = order[i0:i0 + step]
        out[sel] = face_layers.draw({k: v[sel] for k, v in factors.items()}, index[sel], seed, resolution,
                                    DETAIL_STREAM)
        if bar is not None:
            bar.update(len(sel))
    return out


def _worker_init() -> None:
    """In a worker process only: keep 64 MB of freed heap (glibc M_TOP_PAD) instead of returning it to the
    OS after every numpy temporary and page-faulting it back (about 2x faster drawing). Never done in the
    caller's process, where it would slow PyTorch's large allocations down."""
    try:
        ctypes.CDLL("libc.so.6").mallopt(-2, 64 << 20)  # M_TOP_PAD = -2
    except (OSError, AttributeError):
        pass


def _render_chunks(out: np.ndarray, factors: dict[str, np.ndarray], index: np.ndarray, seed: int,
                   resolution: int, progress: bool, workers: int) -> None:
    n = len(index)
    bar = tqdm(total=n, desc=f"synthetic faces {resolution}²", unit="img", disable=not progress)
    try:
        pooled = (workers > 1 and n * resolution**2 >= POOL_MIN_PIXELS and sys.platform == "linux"
                  and "fork" in mp.get_all_start_methods())
        if not pooled:
            out[:] = _render_range(factors, index, seed, resolution, bar)
            return
        job = max(chunk_size(resolution), POOL_MIN_PIXELS // resolution**2)  # images per job (~12 MB at 64²)
        order = pose_order(factors)  # jobs of similar poses: tight windows in every chunk
        jobs = [order[j:j + job] for j in range(0, n, job)]
        # fork: the workers need nothing from the caller's __main__ (spawn would re-import it)
        context = mp.get_context("fork")
        with ProcessPoolExecutor(workers, mp_context=context, initializer=_worker_init) as pool:
            futures = {pool.submit(_render_range, {k: v[sel] for k, v in factors.items()}, index[sel], seed,
                                   resolution): sel for sel in jobs}
            try:
                for fut in as_completed(futures):
                    images = fut.result()
                    out[np.sort(futures[fut])] = images[np.argsort(futures[fut])]
                    bar.update(len(images))
            except BaseException:
                pool.shutdown(wait=False, cancel_futures=True)
                raise
    finally:
        bar.close()


def landmarks(factors: dict[str, np.ndarray], resolution: int) -> dict[str, np.ndarray]:
    """Pixel coordinates (x, y) [n, 2] of the face centre, both eyes, the nose tip and the mouth centre."""
    resolution = check_resolution(resolution)
    return face_layers.landmarks(check_factors(factors), resolution)


def fingerprint() -> dict:
    """What the pixels depend on besides the arguments: part of every cache key."""
    return {"renderer_version": RENDERER_VERSION, "factors": [f.name for f in FACTORS]}

