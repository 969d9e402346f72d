"""The Fréchet distance: closed forms, the scipy.linalg.sqrtm reference, and the singular-covariance path."""

import numpy as np
import pytest
from sklearn.datasets import load_digits

from sgan.metrics.frechet import (
    feature_statistics,
    fid_from_features,
    frechet_distance,
    frechet_distance_scipy,
    trace_sqrt_product,
)


def _random_spd(rng: np.random.Generator, d: int, n: int) -> np.ndarray:
    return np.cov(rng.standard_normal((n, d)) @ rng.standard_normal((d, d)), rowvar=False)


def test_identical_gaussians_are_at_distance_zero():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((400, 32)) @ rng.standard_normal((32, 32))
    mu, sigma = feature_statistics(x)
    assert frechet_distance(mu, sigma, mu, sigma) == pytest.approx(0.0, abs=1e-9 * np.trace(sigma))
    assert fid_from_features(x, x) == pytest.approx(0.0, abs=1e-9 * np.trace(sigma))


def test_diagonal_covariances_match_the_closed_form():
    # d² = Σ (μ₁ᵢ − μ₂ᵢ)² + Σ (√aᵢ − √bᵢ)² for Σ₁ = diag(a), Σ₂ = diag(b)
    rng = np.random.default_rng(1)
    mu1, mu2 = rng.standard_normal(10), rng.standard_normal(10)
    a, b = rng.uniform(0.1, 3, 10), rng.uniform(0.1, 3, 10)
    expected = np.sum((mu1 - mu2) ** 2) + np.sum((np.sqrt(a) - np.sqrt(b)) ** 2)
    assert frechet_distance(mu1, np.diag(a), mu2, np.diag(b)) == pytest.approx(expected, rel=1e-12)


def test_one_dimensional_case():
    assert frechet_distance(np.array([1.0]), np.array([[4.0]]), np.array([3.0]), np.array([[9.0]])) == (
        pytest.approx(4.0 + 1.0))


@pytest.mark.parametrize("d", [2, 16, 128])
def test_fast_path_equals_scipy_sqrtm_on_random_covariances(d):
    rng = np.random.default_rng(d)
    s1, s2 = _random_spd(rng, d, 3 * d), _random_spd(rng, d, 3 * d)
    mu1, mu2 = rng.standard_normal(d), rng.standard_normal(d)
    ours, ref = frechet_distance(mu1, s1, mu2, s2), frechet_distance_scipy(mu1, s1, mu2, s2)
    assert ours == pytest.approx(ref, rel=1e-6)


def test_fast_path_equals_scipy_sqrtm_on_real_covariances():
    # real data: scikit-learn's handwritten digits (8×8 pixels), two halves and a noised copy
    x = load_digits().data.astype(np.float64)
    x = x[:, x.std(axis=0) > 0.5]  # drop the constant border pixels (a singular covariance)
    noisy = x[1::2] + np.random.default_rng(0).normal(0.0, 2.0, x[1::2].shape)
    for other in (x[1::2], noisy):
        a, b = feature_statistics(x[::2]), feature_statistics(other)
        assert frechet_distance(*a, *b) == pytest.approx(frechet_distance_scipy(*a, *b), rel=1e-6)


def test_singular_covariance_uses_the_eigen_path_and_stays_symmetric():
    # fewer samples than dimensions: Σ₁ is singular (no Cholesky); Tr (Σ₁Σ₂)^½ = Tr (Σ₂Σ₁)^½ must still hold
    rng = np.random.default_rng(3)
    s1 = np.cov(rng.standard_normal((10, 40)), rowvar=False)  # rank 9
    s2 = _random_spd(rng, 40, 200)
    with pytest.raises(np.linalg.LinAlgError):
        np.linalg.cholesky(s1)
    forward, backward = trace_sqrt_product(s1, s2), trace_sqrt_product(s2, s1)
    assert np.isfinite(forward) and forward > 0
    assert forward == pytest.approx(backward, rel=1e-8)


def test_trace_sqrt_product_of_commuting_matrices():
    # Σ₁ = Q diag(a) Qᵀ, Σ₂ = Q diag(b) Qᵀ commute: Tr (Σ₁Σ₂)^½ = Σ √(aᵢ bᵢ)
    rng = np.random.default_rng(4)
    q, _ = np.linalg.qr(rng.standard_normal((12, 12)))
    a, b = rng.uniform(0.0, 2.0, 12), rng.uniform(0.5, 2.0, 12)
    a[:3] = 0.0  # singular Σ₁ too
    value = trace_sqrt_product(q @ np.diag(a) @ q.T, q @ np.diag(b) @ q.T)
    assert value == pytest.approx(np.sum(np.sqrt(a * b)), rel=1e-7)  # √ of rounding-level λ: ~1e-8


def test_feature_statistics_match_numpy():
    x = np.random.default_rng(5).standard_normal((50, 6)).astype(np.float32)
    mu, sigma = feature_statistics(x)
    assert mu.dtype == np.float64 and sigma.shape == (6, 6)
    np.testing.assert_allclose(mu, x.astype(np.float64).mean(0))
    np.testing.assert_allclose(sigma, np.cov(x.astype(np.float64), rowvar=False))


def test_bad_inputs_raise_clear_errors():
    with pytest.raises(ValueError, match="Shapes do not match"):
        frechet_distance(np.zeros(3), np.eye(3), np.zeros(4), np.eye(4))
    with pytest.raises(ValueError, match="N >= 2"):
        feature_statistics(np.zeros((1, 3)))
    with pytest.raises(ValueError, match="NaN"):
        feature_statistics(np.array([[0.0, np.nan], [1.0, 2.0]]))
