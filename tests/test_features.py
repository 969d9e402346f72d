"""Feature networks: finding and verifying pretrained files, FID Inception, LPIPS-VGG16, the domain net."""

import dataclasses
import hashlib
import json
import warnings
from pathlib import Path

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from sgan.metrics.domain_net import JudgeResolutionWarning
from sgan.metrics.pretrained import (
    INCEPTION,
    VGG16,
    ChecksumError,
    WeightsMissingError,
    locate_weights,
    weights_available,
)


@pytest.fixture
def empty_hub(tmp_path, monkeypatch):
    """A torch hub cache with nothing in it, and no SGAN_* variables."""
    monkeypatch.setattr(torch.hub, "get_dir", lambda: str(tmp_path / "hub"))
    monkeypatch.delenv("SGAN_INCEPTION", raising=False)
    monkeypatch.delenv("SGAN_VGG16", raising=False)
    return tmp_path / "hub" / "checkpoints"


# ---------------------------------------------------------------------------------- pretrained weights


@pytest.mark.parametrize("spec", [INCEPTION, VGG16], ids=lambda s: s.key)
def test_missing_weights_say_which_file_where_and_how(empty_hub, spec):
    with pytest.raises(WeightsMissingError) as info:
        locate_weights(spec)
    message = str(info.value)
    assert spec.filenames[0] in message and spec.url in message and spec.env_var in message
    assert str(empty_hub) in message and "curl" in message
    assert not weights_available(spec)


def test_a_file_with_the_wrong_checksum_is_rejected(empty_hub):
    empty_hub.mkdir(parents=True)
    fake = empty_hub / INCEPTION.filenames[0]
    fake.write_bytes(b"not the inception weights")
    with pytest.raises(ChecksumError, match="6726825d"):
        locate_weights(INCEPTION)
    with pytest.raises(ChecksumError):  # present but corrupt: an error, never a silent fallback
        weights_available(INCEPTION)


def test_environment_variable_and_argument_take_precedence(empty_hub, tmp_path, monkeypatch):
    fake = tmp_path / "my_vgg.pth"
    fake.write_bytes(b"weights")
    prefix = hashlib.sha256(b"weights").hexdigest()[:8]
    spec = dataclasses.replace(VGG16, sha256_prefix=prefix)
    assert locate_weights(spec, fake) == fake
    monkeypatch.setenv("SGAN_VGG16", str(fake))
    assert locate_weights(spec) == fake
    monkeypatch.setenv("SGAN_VGG16", str(tmp_path / "nowhere.pth"))
    with pytest.raises(WeightsMissingError, match="SGAN_VGG16"):
        locate_weights(spec)


def test_auto_features_fall_back_to_the_domain_network_offline(empty_hub):
    from sgan.metrics.features import feature_network

    net = feature_network("auto")
    assert net.name.startswith("domain-net-")
    with pytest.raises(WeightsMissingError):
        feature_network("inception")


# ---------------------------------------------------------------------------------- Inception (FID)


def test_tf1_resize_matches_a_naive_loop():
    from sgan.metrics.inception import tf1_resize_bilinear

    x = torch.randn(1, 2, 5, 7, dtype=torch.float64)
    out = tf1_resize_bilinear(x, 9)
    expected = torch.zeros(1, 2, 9, 9, dtype=torch.float64)
    for i in range(9):
        for j in range(9):
            sy, sx = i * 5 / 9, j * 7 / 9  # TF1: no half-pixel offset
            y0, x0 = int(sy), int(sx)
            y1, x1 = min(y0 + 1, 4), min(x0 + 1, 6)
            fy, fx = sy - y0, sx - x0
            top = x[..., y0, x0] * (1 - fx) + x[..., y0, x1] * fx
            bottom = x[..., y1, x0] * (1 - fx) + x[..., y1, x1] * fx
            expected[..., i, j] = top * (1 - fy) + bottom * fy
    torch.testing.assert_close(out, expected)


def test_fid_inception_blocks_pool_like_tensorflow():
    from torchvision.models.inception import InceptionA

    from sgan.metrics.inception import TFInceptionA

    torch.manual_seed(0)
    ours, ref = TFInceptionA(8, pool_features=4).eval(), InceptionA(8, pool_features=4).eval()
    ref.load_state_dict(ours.state_dict())
    x = torch.randn(2, 8, 5, 5)
    manual = ref.branch_pool(F.avg_pool2d(x, 3, 1, 1, count_include_pad=False))  # TF: padding not counted
    torch.testing.assert_close(ours(x)[:, -4:], manual)
    assert not torch.allclose(ref(x)[:, -4:], manual)  # torchvision counts the padding


@pytest.mark.slow
def test_inception_loads_a_state_dict_with_the_official_layout_and_gives_2048_features(tmp_path, monkeypatch):
    from torchvision.models.inception import Inception3

    from sgan.metrics import inception

    # the pytorch-fid file is torchvision's Inception3(num_classes=1008, aux_logits=False) state dict
    with torch.device("meta"):
        official = Inception3(num_classes=1008, aux_logits=False, init_weights=False).state_dict()
    ours = inception.InceptionFeatures()
    state = ours.net.state_dict()
    assert {k: v.shape for k, v in state.items()} == {k: v.shape for k, v in official.items()}
    path = tmp_path / INCEPTION.filenames[0]
    torch.save(state, path)  # a fresh model draws other initial weights: equality below proves the load
    prefix = hashlib.sha256(path.read_bytes()).hexdigest()[:8]
    monkeypatch.setattr(inception, "INCEPTION", dataclasses.replace(INCEPTION, sha256_prefix=prefix))
    net = inception.InceptionFeatures.from_pretrained(path)
    saved = torch.load(path, weights_only=True)
    assert torch.equal(net.net.Mixed_7c.branch_pool.conv.weight, saved["Mixed_7c.branch_pool.conv.weight"])
    out = net(torch.rand(2, 3, 16, 16) * 2 - 1)
    assert out.shape == (2, 2048) and torch.isfinite(out).all()


# ---------------------------------------------------------------------------------- LPIPS-VGG16


@pytest.mark.slow
def test_lpips_distance_equals_the_lpips_package():
    import warnings

    import lpips
    from torchvision.models import vgg

    from sgan.metrics.lpips_vgg import LPIPSDistance

    torch.manual_seed(0)
    trunk = {f"features.{k}": v for k, v in vgg.make_layers(vgg.cfgs["D"]).state_dict().items()}
    ours = LPIPSDistance(trunk)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = lpips.LPIPS(net="vgg", pnet_rand=True, verbose=False)
    for block in (ref.net.slice1, ref.net.slice2, ref.net.slice3, ref.net.slice4, ref.net.slice5):
        for index, layer in block.named_children():
            for name, p in layer.named_parameters():
                p.data.copy_(trunk[f"features.{index}.{name}"])
    g = torch.Generator().manual_seed(1)
    x = torch.rand(3, 3, 64, 64, generator=g) * 2 - 1
    y = (x + 0.3 * torch.randn(3, 3, 64, 64, generator=g)).clamp(-1, 1)
    with torch.no_grad():
        torch.testing.assert_close(ours(x, y), ref(x, y).flatten(), rtol=1e-4, atol=1e-6)
    assert torch.all(ours(x, x) == 0)
    assert ours(x[:, :, :16, :16], y[:, :, :16, :16]).shape == (3,)  # small crops are upsampled to 64²


# ---------------------------------------------------------------------------------- domain network


@pytest.fixture(scope="module")
def domain_net():
    from sgan.metrics.domain_net import load_domain_net

    return load_domain_net()


@pytest.fixture(scope="module")
def domain_net_64():
    from sgan.metrics.domain_net import load_domain_net

    return load_domain_net(resolution=64)


@pytest.mark.parametrize("internal", [32, 64])
def test_domain_net_ships_with_its_config_and_held_out_scores(internal):
    from sgan.data.synthetic_faces import BINARY_FACTORS, CONTINUOUS_FACTORS
    from sgan.metrics.domain_net import load_domain_net, weights_dir, weights_names

    weights_name, config_name = weights_names(internal)
    meta = json.loads((weights_dir() / config_name).read_text())
    assert (weights_dir() / weights_name).stat().st_size < 400 * 1024  # small enough to ship (issue 29: < 1 MB)
    net = load_domain_net(resolution=internal)
    assert tuple(net.binary) == BINARY_FACTORS and tuple(net.continuous) == CONTINUOUS_FACTORS
    assert net.internal_resolution == meta["architecture"]["internal_resolution"] == internal
    assert set(meta["accuracy"]["all"]) == set(BINARY_FACTORS) and set(meta["accuracy"]) >= {"32", "64"}
    assert set(meta["r2"]["all"]) == set(CONTINUOUS_FACTORS)
    tag = "" if internal == 32 else f"{internal}-"
    assert net.name == f"domain-net-{tag}{meta['sha256'][:8]}"


@pytest.mark.parametrize("resolution", [16, 32, 64])
def test_domain_net_reads_the_true_factors_at_every_course_resolution(domain_net, domain_net_64, resolution):
    from sgan.data.synthetic_faces import generate

    images, factors = generate(96, resolution=resolution, seed=123, progress=False)
    x = torch.from_numpy(images).float() / 127.5 - 1
    judges = [domain_net] + ([domain_net_64] if resolution >= 32 else [])  # the 64² judge: 32² PPL crops too
    for net in judges:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", JudgeResolutionWarning)  # the 32² judge at 64²: checked elsewhere
            pred = net.predict(x)
            assert net.features(x).shape == (96, net.feature_dim)
        for name in ("long_hair", "glasses", "beard", "dark_hair"):  # the large binary factors
            accuracy = np.mean((pred[name].numpy() > 0.5) == (factors[name] > 0.5))
            assert accuracy > 0.85, (net.name, name, resolution, accuracy)


def test_train_domain_net_builds_either_judge(tmp_path):
    """A few steps of scripts/train_domain_net.py: ``--internal-resolution 64`` writes ``domain_net_64.*``
    beside the 32² judge's files, each loads by resolution from that folder."""
    import importlib.util

    from sgan.metrics.domain_net import load_domain_net

    path = Path(__file__).resolve().parents[1] / "scripts" / "train_domain_net.py"
    spec = importlib.util.spec_from_file_location("train_domain_net", path)
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    tiny = ["--out", str(tmp_path), "--steps", "2", "--batch", "4", "--train-per-res", "8", "--test-per-res", "8"]
    script.main(tiny)
    script.main([*tiny, "--internal-resolution", "64"])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["domain_net.json", "domain_net.pt", "domain_net_64.json",
                                                          "domain_net_64.pt"]
    again = tmp_path / "again"
    script.main([*tiny, "--internal-resolution", "64", "--out", str(again)])
    assert (again / "domain_net_64.pt").read_bytes() == (tmp_path / "domain_net_64.pt").read_bytes()  # a seed
    j32, j64 = (load_domain_net("cpu", tmp_path, resolution=r) for r in (32, 64))
    assert (j32.internal_resolution, j64.internal_resolution) == (32, 64)
    meta = json.loads((tmp_path / "domain_net_64.json").read_text())
    assert meta["training"]["resolutions"] == [32, 64] and meta["training"]["train_seeds"] == [1001, 1002]
    assert "internal_resolution" not in json.loads((tmp_path / "domain_net.json").read_text())["training"]


def test_domain_distance_is_zero_on_equal_images_and_grows_with_the_change(domain_net):
    g = torch.Generator().manual_seed(0)
    x = torch.rand(4, 3, 32, 32, generator=g) * 2 - 1
    noise = torch.randn(4, 3, 32, 32, generator=g)
    assert torch.all(domain_net.distance(x, x) == 0)
    small, large = domain_net.distance(x, x + 0.05 * noise), domain_net.distance(x, x + 0.5 * noise)
    assert torch.all(small > 0) and torch.all(large > small)


def test_a_domain_net_trained_on_another_renderer_version_warns(monkeypatch):
    from sgan.data import synthetic_faces
    from sgan.metrics.domain_net import load_domain_net

    monkeypatch.setattr(synthetic_faces, "RENDERER_VERSION", 10_000)
    with pytest.warns(UserWarning, match="train_domain_net.py"):
        load_domain_net()
