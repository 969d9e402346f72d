"""FID sanity on the synthetic faces with the domain network's features; the fid<count> metric end to end."""

import numpy as np
import pytest
import torch
from torchvision.transforms.functional import gaussian_blur

from sgan.metrics.frechet import fid_from_features, frechet_distance, frechet_distance_scipy


@pytest.fixture(scope="module")
def faces():
    from sgan.data.synthetic_faces import generate

    images, _ = generate(600, resolution=32, seed=7, progress=False)
    return torch.from_numpy(images).float() / 127.5 - 1  # [600, 3, 32, 32]


@pytest.fixture(scope="module")
def features_of():
    from sgan.metrics.domain_net import load_domain_net

    net = load_domain_net()
    return lambda x: net.features(x.clamp(-1, 1)).double().numpy()


def test_fid_of_a_set_with_itself_is_zero(faces, features_of):
    f = features_of(faces)
    assert fid_from_features(f, f) == pytest.approx(0.0, abs=1e-9)


def test_disjoint_halves_are_close_and_covariances_agree_with_scipy(faces, features_of):
    # with 300 samples of 208-d features the finite-sample bias alone is a few units
    a, b = features_of(faces[:300]), features_of(faces[300:])
    halves = fid_from_features(a, b)
    noised = fid_from_features(a, features_of(faces[300:] + 0.2 * torch.randn_like(faces[300:])))
    assert 0 < halves < 0.25 * noised
    from sgan.metrics.frechet import feature_statistics

    sa, sb = feature_statistics(a), feature_statistics(b)
    assert frechet_distance(*sa, *sb) == pytest.approx(frechet_distance_scipy(*sa, *sb), rel=1e-6)


def test_fid_grows_with_noise_and_with_blur(faces, features_of):
    reference, other = features_of(faces[:300]), faces[300:]
    g = torch.Generator().manual_seed(0)
    noise = torch.randn(other.shape, generator=g)
    by_noise = [fid_from_features(reference, features_of(other + s * noise))
                for s in (0.0, 0.1, 0.3)]
    by_blur = [fid_from_features(reference, features_of(gaussian_blur(other, 9, s) if s else other))
               for s in (0.0, 1.0, 2.0)]
    assert np.all(np.diff(by_noise) > 0), by_noise
    assert np.all(np.diff(by_blur) > 0), by_blur


@pytest.fixture(scope="module")
def small_dataset(tmp_path_factory):
    from sgan.data.dataset import load_dataset

    root = tmp_path_factory.mktemp("data")
    return load_dataset("synthetic", resolution=16, n=96, root=root, progress=False), root


def test_fid_metric_runs_on_a_tiny_generator_and_caches_real_statistics(small_dataset):
    from sgan.config import make_config
    from sgan.generator import Generator
    from sgan.metrics import compute_metric

    dataset, root = small_dataset
    G = Generator(make_config("F", "smoke").model)
    first = compute_metric("fid64", G, dataset, progress=False, cache_dir=root)
    second = compute_metric("fid64", G, dataset, progress=False, cache_dir=root)
    assert first["metric"] == "fid64" and first["feature_network"].startswith("domain-net-")
    assert first["distance"] == "frechet" and first["real_count"] == 64
    assert first["real_stats_cached"] is False and second["real_stats_cached"] is True
    assert first["value"] == pytest.approx(second["value"]) and first["value"] > 0
    cached = list((root / "fid_stats").iterdir())
    assert len(cached) == 1 and cached[0].suffix == ".npz"  # no temporary file left behind


def test_fid_metric_needs_the_data_set():
    from sgan.config import make_config
    from sgan.generator import Generator
    from sgan.metrics import compute_metric

    with pytest.raises(ValueError, match="data set"):
        compute_metric("fid64", Generator(make_config("F", "smoke").model), None, progress=False)


def test_generated_images_are_rounded_to_8_bit_levels_and_clipped_like_reals():
    from sgan.metrics.fid import quantize

    x = torch.tensor([-1.7, -1.0, 0.0, 0.004, 0.5, 1.0, 3.0])
    levels = torch.round((quantize(x) + 1) * 127.5)
    torch.testing.assert_close((levels / 127.5 - 1), quantize(x))  # exactly on the uint8 grid
    assert quantize(x).min() == -1.0 and quantize(x).max() == 1.0
    torch.testing.assert_close(levels, torch.tensor([0.0, 0.0, 128.0, 128.0, 191.0, 255.0, 255.0]))
