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


def test_real_images_are_a_seeded_random_draw_mirrored_in_half():
    from sgan.metrics.sampling import real_indices

    first, no_flip = real_indices(10, 4, None)
    assert first.tolist() == [0, 1, 2, 3] and not no_flip.any()
    index, flip = real_indices(1000, 600, 0)
    assert len(set(index.tolist())) == 600 and index.max() < 1000  # without replacement
    assert index.tolist() != list(range(600))  # not the first images in order
    assert 0.4 < flip.mean() < 0.6  # a coin per image
    again, flip_again = real_indices(1000, 600, 0)
    assert (again == index).all() and (flip_again == flip).all()
    cycled, _ = real_indices(5, 12, 1)  # more images than the data set: every one twice before any thrice
    assert sorted(cycled[:10].tolist()) == sorted(list(range(5)) * 2)


def test_iterate_real_flips_exactly_the_drawn_images(small_dataset):
    from sgan.metrics.sampling import iterate_real, real_indices

    dataset, _ = small_dataset
    index, flip = real_indices(len(dataset), 40, 3)
    images = torch.cat(list(iterate_real(dataset, 40, 16, torch.device("cpu"), False, seed=3, mirror=True)))
    for i in range(40):  # a naive loop as the oracle
        expected = dataset.batch([index[i]], mirror=False)[0]
        torch.testing.assert_close(images[i], expected.flip(2) if flip[i] else expected)


def test_fid_caches_mirrored_and_plain_statistics_apart(small_dataset, tmp_path):
    from sgan.config import make_config
    from sgan.generator import Generator
    from sgan.metrics import compute_metric

    dataset, _ = small_dataset
    G = Generator(make_config("F", "smoke").model)
    mirrored = compute_metric("fid64", G, dataset, progress=False, cache_dir=tmp_path)
    plain = compute_metric("fid64", G, dataset, progress=False, cache_dir=tmp_path, mirror=False)
    assert mirrored["mirror"] is True and plain["mirror"] is False
    assert not plain["real_stats_cached"] and mirrored["value"] != plain["value"]
    assert len(list((tmp_path / "fid_stats").iterdir())) == 2


def test_tracker_at_the_final_resolution_is_the_fid_metric(small_dataset, tmp_path):
    from sgan.config import make_config
    from sgan.generator import Generator
    from sgan.metrics import compute_metric
    from sgan.metrics.fid import FIDTracker

    dataset, _ = small_dataset
    G = Generator(make_config("F", "smoke").model, seed=3).eval()
    tracker = FIDTracker(dataset, 64, 16, "domain", seed=5, cache_dir=tmp_path)
    metric = compute_metric("fid64", G, dataset, seed=5, progress=False, features="domain", cache_dir=tmp_path)
    assert tracker(G)["value"] == pytest.approx(metric["value"], rel=1e-12)
    assert tracker.name == "fid64"
    low = tracker(G, resolution=8)["value"]  # a snapshot at 8², enlarged to 16² before the features
    assert np.isfinite(low) and low != metric["value"]


def test_snapshots_below_the_final_resolution_are_enlarged_by_nearest(small_dataset):
    import torch.nn.functional as F

    from sgan.config import make_config
    from sgan.generator import Generator
    from sgan.metrics.fid import generated_statistics
    from sgan.metrics.sampling import iterate_generated

    dataset, _ = small_dataset
    G = Generator(make_config("F", "smoke").model, seed=3).eval()
    seen = []

    class Recorder:  # a feature network that keeps what it is given
        name, dim = "recorder", 3

        def __call__(self, images):
            seen.append(images)
            return images.mean(dim=(2, 3))

    generated_statistics(G, 8, Recorder(), 0, 8, torch.device("cpu"), False, resolution=8, alpha=0.5,
                         enlarge_to=16)
    (_, _, low), = iterate_generated(G, 8, 0, 8, torch.device("cpu"), False, resolution=8, alpha=0.5)
    from sgan.metrics.fid import quantize

    torch.testing.assert_close(seen[0], quantize(F.interpolate(low, scale_factor=2, mode="nearest")))
