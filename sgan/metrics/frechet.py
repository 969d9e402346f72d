"""The Fréchet distance between two Gaussians fitted to feature sets (the "F" and "D" of FID).

For N(μ₁, Σ₁) and N(μ₂, Σ₂) (Heusel et al. 2017; the paper's §2 and Table 1; official
metrics/frechet_inception_distance.py):

    d² = ‖μ₁ − μ₂‖² + Tr(Σ₁ + Σ₂ − 2 (Σ₁Σ₂)^½)

Only the trace of (Σ₁Σ₂)^½ is needed, never the matrix itself. For any B with B Bᵀ = Σ₁,
Σ₁Σ₂ = B (Bᵀ Σ₂ B) B⁻¹ is similar to the symmetric positive semi-definite M = Bᵀ Σ₂ B, hence

    Tr (Σ₁Σ₂)^½ = Σᵢ √λᵢ(M)

B is the Cholesky factor L of Σ₁ when Σ₁ is positive definite (fast), else V Λ^½ from Σ₁ = V Λ Vᵀ (a
singular covariance, e.g. fewer samples than feature dimensions); ``eigvalsh`` then gives the λᵢ(M) exactly,
in float64.
``frechet_distance_scipy`` is the textbook route through ``scipy.linalg.sqrtm`` (a Schur decomposition of the
non-symmetric Σ₁Σ₂), kept as the reference the fast path is tested and benchmarked against.
"""

from __future__ import annotations

import numpy as np


def feature_statistics(features: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Mean [D] and unbiased covariance [D, D] (float64) of features [N, D], as the official FID."""
    x = np.asarray(features, dtype=np.float64)  # [N, D]
    if x.ndim != 2 or x.shape[0] < 2:
        raise ValueError(f"features must be [N, D] with N >= 2 samples; got shape {x.shape}.")
    if not np.all(np.isfinite(x)):
        raise ValueError("features contain NaN or inf: check the images fed to the feature network.")
    mu = x.mean(axis=0)  # [D]
    sigma = np.cov(x, rowvar=False)  # [D, D], divides by N - 1 like np.cov in the official code
    return mu, np.atleast_2d(sigma)


def _check(mu1: np.ndarray, sigma1: np.ndarray, mu2: np.ndarray, sigma2: np.ndarray) -> tuple:
    mu1, mu2 = (np.atleast_1d(np.asarray(m, np.float64)) for m in (mu1, mu2))
    sigma1, sigma2 = (np.atleast_2d(np.asarray(s, np.float64)) for s in (sigma1, sigma2))
    d = mu1.shape[0]
    if mu1.shape != (d,) or mu2.shape != (d,) or sigma1.shape != (d, d) or sigma2.shape != (d, d):
        raise ValueError(
            f"Shapes do not match: mu1 {mu1.shape}, mu2 {mu2.shape}, sigma1 {sigma1.shape}, "
            f"sigma2 {sigma2.shape}; "
            "expected [D], [D], [D, D], [D, D] from features of the same network."
        )
    return mu1, sigma1, mu2, sigma2


def _square_root_factor(sigma: np.ndarray) -> np.ndarray:
    """B [D, D] with B Bᵀ = Σ: Cholesky when Σ is positive definite, else V Λ^½ from Σ = V Λ Vᵀ."""
    try:
        return np.linalg.cholesky(sigma)
    except np.linalg.LinAlgError:
        lam, v = np.linalg.eigh(sigma)  # Σ = V Λ Vᵀ, Λ >= 0 up to rounding
        return v * np.sqrt(np.clip(lam, 0.0, None))


def trace_sqrt_product(sigma1: np.ndarray, sigma2: np.ndarray) -> float:
    """Tr (Σ₁Σ₂)^½ for symmetric positive semi-definite Σ₁, Σ₂ [D, D], from one symmetric eigensolve."""
    s1 = np.asarray(sigma1, np.float64)
    s2 = np.asarray(sigma2, np.float64)
    b = _square_root_factor((s1 + s1.T) / 2)  # [D, D], B Bᵀ = Σ₁
    m = b.T @ s2 @ b  # M = Bᵀ Σ₂ B: similar to Σ₁Σ₂, symmetric PSD
    lam = np.linalg.eigvalsh((m + m.T) / 2)
    # Tr (Σ₁Σ₂)^½ = Σᵢ √λᵢ(M)   (rounding can make tiny λᵢ negative: clip them to 0)
    return float(np.sqrt(np.clip(lam, 0.0, None)).sum())


def frechet_distance(mu1: np.ndarray, sigma1: np.ndarray, mu2: np.ndarray, sigma2: np.ndarray) -> float:
    """d² = ‖μ₁ − μ₂‖² + Tr(Σ₁ + Σ₂ − 2 (Σ₁Σ₂)^½), in float64 (the fast, exact eigen path)."""
    mu1, sigma1, mu2, sigma2 = _check(mu1, sigma1, mu2, sigma2)
    diff = mu1 - mu2
    # d² = ‖μ₁ − μ₂‖² + Tr Σ₁ + Tr Σ₂ − 2 Tr (Σ₁Σ₂)^½
    value = diff @ diff + np.trace(sigma1) + np.trace(sigma2) - 2.0 * trace_sqrt_product(sigma1, sigma2)
    return float(max(value, 0.0))  # a distance; only rounding can push it below zero


def frechet_distance_scipy(mu1: np.ndarray, sigma1: np.ndarray, mu2: np.ndarray, sigma2: np.ndarray) -> float:
    """The same distance through ``scipy.linalg.sqrtm(Σ₁Σ₂)`` (real part), the reference implementation."""
    from scipy import linalg

    mu1, sigma1, mu2, sigma2 = _check(mu1, sigma1, mu2, sigma2)
    covmean = linalg.sqrtm(sigma1 @ sigma2)
    diff = mu1 - mu2
    return float(diff @ diff + np.trace(sigma1) + np.trace(sigma2) - 2.0 * np.trace(covmean).real)


def fid_from_features(features1: np.ndarray, features2: np.ndarray) -> float:
    """FID between two feature sets [N1, D] and [N2, D]."""
    return frechet_distance(*feature_statistics(features1), *feature_statistics(features2))
