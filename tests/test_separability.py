"""Linear separability: conditional entropy closed forms, linear and independent labels, official pruning."""

import math

import numpy as np
import pytest
import torch

from sgan.metrics.separability import (
    attribute_entropy,
    conditional_entropy,
    entropy_bits,
    separability_score,
)


def _naive_conditional_entropy(joint):
    p = np.asarray(joint, float) / np.sum(joint)
    h = 0.0
    for x in range(p.shape[0]):
        px = p[x].sum()
        for y in range(p.shape[1]):
            if p[x, y] > 0:
                h -= p[x, y] * math.log2(p[x, y] / px)  # −Σ p(x, y) log₂ p(y|x)
    return h


@pytest.mark.parametrize(
    "joint, expected",
    [
        ([[25, 25], [25, 25]], 1.0),  # Y independent of X, fair coin
        ([[50, 0], [0, 50]], 0.0),  # Y = X
        ([[0, 50], [50, 0]], 0.0),  # Y = not X: still fully determined
        ([[100, 0], [0, 0]], 0.0),  # a single cell
    ],
)
def test_conditional_entropy_closed_forms(joint, expected):
    assert conditional_entropy(np.array(joint)) == pytest.approx(expected, abs=1e-12)


def test_conditional_entropy_matches_the_definition():
    joint = np.array([[30, 10], [5, 55]])
    assert conditional_entropy(joint) == pytest.approx(_naive_conditional_entropy(joint), rel=1e-12)
    assert entropy_bits([0.5, 0.25, 0.25]) == pytest.approx(1.5)


def test_labels_linear_in_the_latent_have_zero_entropy():
    rng = np.random.default_rng(0)
    z = rng.standard_normal((2000, 8))
    prob = 1 / (1 + np.exp(-5.0 * (z @ rng.standard_normal(8) + 0.3)))  # a linear attribute
    assert attribute_entropy(z, prob) < 0.02


def test_labels_independent_of_the_latent_have_one_bit():
    rng = np.random.default_rng(1)
    z = rng.standard_normal((2000, 8))
    prob = rng.uniform(size=2000)  # labels and confidences unrelated to z
    assert attribute_entropy(z, prob) > 0.95


def test_only_the_most_confident_half_is_kept():
    # confident samples follow a linear rule; the unconfident half is random: pruning leaves H ≈ 0
    rng = np.random.default_rng(2)
    z = rng.standard_normal((1000, 4))
    z[:500, 0] += np.sign(z[:500, 0])  # a margin around the confident samples' boundary z₀ = 0
    prob = np.where(z[:, 0] > 0, 0.99, 0.01)
    prob[500:] = rng.uniform(0.4, 0.6, 500)  # unconfident, random side
    assert attribute_entropy(z, prob) == pytest.approx(0.0, abs=1e-9)
    assert attribute_entropy(z, prob, keep=1000) > 0.3  # keeping all lets the noise in


def test_a_single_class_counts_as_perfect():
    z = np.random.default_rng(3).standard_normal((100, 3))
    assert attribute_entropy(z, np.full(100, 0.9)) == 0.0


def test_score_is_two_to_the_summed_entropy():
    assert separability_score({"a": 1.0, "b": 0.5}) == pytest.approx(2**1.5)
    assert separability_score({"a": 0.0}) == 1.0


def test_ls_metric_with_a_supplied_classifier_on_a_tiny_generator():
    from sgan.config import make_config
    from sgan.generator import Generator
    from sgan.metrics import compute_metric

    G = Generator(make_config("F", "smoke").model)

    def brightness(images: torch.Tensor) -> dict[str, torch.Tensor]:
        return {"bright": torch.sigmoid(20 * images.mean(dim=(1, 2, 3)))}

    result = compute_metric("ls64", G, progress=False, classifier=brightness)
    assert result["metric"] == "ls64" and result["feature_network"] == "brightness"
    assert 1.0 <= result["value_z"] <= 2.0 and 1.0 <= result["value_w"] <= 2.0
    assert result["value"] == result["value_w"] == 2 ** result["entropies_w"]["bright"]


# ---------------------------------------------------------------------------------- linear probes


def test_probes_read_linear_factors_perfectly_and_independent_ones_not_at_all():
    from sgan.metrics.probes import linear_probes

    rng = np.random.default_rng(4)
    z = rng.standard_normal((800, 6))
    factors = {
        "linear": z @ rng.standard_normal(6),  # exactly linear: R² = 1
        "independent": rng.standard_normal(800),  # unrelated to z: R² ≈ 0
        "side": (z[:, 0] - z[:, 1] > 0).astype(np.float32),  # a linear boundary: accuracy ≈ 1
        "coin": (rng.uniform(size=800) > 0.5).astype(np.float32),  # accuracy ≈ 0.5
        "constant": np.full(800, 0.3),  # no variation: R² undefined
    }
    scores = linear_probes(z, factors, binary=("side", "coin"), test_fraction=0.25)
    assert scores["linear"] > 0.999 and abs(scores["independent"]) < 0.05
    assert scores["side"] > 0.97 and 0.35 < scores["coin"] < 0.65
    assert scores["constant"] is None


def test_probes_metric_reports_every_factor_in_both_spaces():
    from sgan.config import make_config
    from sgan.data.synthetic_faces import BINARY_FACTORS, CONTINUOUS_FACTORS
    from sgan.generator import Generator
    from sgan.metrics import compute_metric

    result = compute_metric("probes64", Generator(make_config("F", "smoke").model), progress=False)
    for space in ("z", "w"):
        assert set(result[f"r2_{space}"]) == set(CONTINUOUS_FACTORS)
        assert set(result[f"accuracy_{space}"]) == set(BINARY_FACTORS)
    assert result["value"] == result["mean_r2_w"] and result["feature_network"].startswith("domain-net-")
