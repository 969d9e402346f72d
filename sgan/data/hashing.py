"""Counter-based random numbers: every value is a pure function of (seed, stream, index, slot).

The synthetic faces need two properties a sequential generator cannot give cheaply:

* image ``i`` is identical whether it is made alone or inside a batch of 70,000 (keyed by (seed, index));
* two *independent* streams per image: the factors (what the face is) and the stochastic detail (freckles,
  hair strands, background speckle), so changing one never moves the other.

A splitmix64 finaliser (a bijective 64-bit mixer) hashes the key; its top 53 bits give a uniform double:

    u = (mix64(mix64(mix64(mix64(seed) ^ stream) ^ index) ^ slot) >> 11) · 2⁻⁵³  ∈ [0, 1)

Per-pixel speckle uses a cheaper 32-bit mixer (``hash32``, "lowbias32") on uint32 lanes.
Only integer arithmetic is used, so the values are bit-identical on every machine.
"""

from __future__ import annotations

import numpy as np

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_H1 = np.uint32(0x7FEB352D)
_H2 = np.uint32(0x846CA68B)


def mix64(x: np.ndarray) -> np.ndarray:
    """splitmix64 finaliser on a uint64 array (wrapping arithmetic)."""
    x = np.asarray(x, dtype=np.uint64) + _GOLDEN
    x = (x ^ (x >> np.uint64(30))) * _M1
    x = (x ^ (x >> np.uint64(27))) * _M2
    return x ^ (x >> np.uint64(31))


def keys(seed: int, stream: int, index: np.ndarray) -> np.ndarray:
    """uint64 key per index [n] for one (seed, stream)."""
    if int(seed) < 0:
        raise ValueError(f"seed={seed} must be a non-negative integer.")
    head = mix64(np.array([int(seed) % 2**64], dtype=np.uint64))
    head = mix64(head ^ np.uint64(stream))
    index = np.asarray(index, dtype=np.int64)
    if index.size and index.min() < 0:
        raise ValueError("image indices must be non-negative.")
    return mix64(head ^ index.astype(np.uint64))


def uniforms(seed: int, stream: int, index: np.ndarray, slots: int) -> np.ndarray:
    """Uniform doubles in [0, 1), shape [n, slots]; column j depends only on (seed, stream, index, j)."""
    k = keys(seed, stream, index)[:, None]  # [n, 1]
    j = (np.arange(1, slots + 1, dtype=np.uint64) * _GOLDEN)[None, :]  # [1, slots]
    bits = mix64(k ^ j) >> np.uint64(11)
    return bits.astype(np.float64) * 2.0**-53


def hash32(x: np.ndarray) -> np.ndarray:
    """"lowbias32" integer hash on a uint32 array (wrapping arithmetic)."""
    x = np.asarray(x, dtype=np.uint32)
    x = (x ^ (x >> np.uint32(16))) * _H1
    x = (x ^ (x >> np.uint32(15))) * _H2
    return x ^ (x >> np.uint32(16))


def unit32(h: np.ndarray) -> np.ndarray:
    """uint32 hash -> float32 in [0, 1) (top 24 bits)."""
    return (h >> np.uint32(8)).astype(np.float32) * np.float32(2.0**-24)
