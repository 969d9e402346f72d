"""The metric registry: names carry their sample counts; profiles map to names; compute_metric's record."""

import json

import pytest
import torch

from sgan.config import make_config
from sgan.metrics import (
    UnknownMetricError,
    compute_metric,
    list_metrics,
    metric_name,
    metric_names_for,
    parse_metric_name,
)


@pytest.mark.parametrize(
    "name, kind, count, official, canonical",
    [
        ("fid50k", "fid", 50_000, True, "fid50k"),
        ("fid2k", "fid", 2000, False, "fid2k"),
        ("fid2000", "fid", 2000, False, "fid2k"),
        ("fid256", "fid", 256, False, "fid256"),
        ("ppl_wend", "ppl", 100_000, True, "ppl_wend"),
        ("ppl_zfull_1k", "ppl", 1000, False, "ppl_zfull_1k"),
        ("ppl_wfull_128", "ppl", 128, False, "ppl_wfull_128"),
        ("ppl_wend_100k", "ppl", 100_000, True, "ppl_wend"),
        ("ls", "ls", 200_000, True, "ls"),
        ("ls2k", "ls", 2000, False, "ls2k"),
        ("probes2k", "probes", 2000, False, "probes2k"),
        ("attrs2000", "attrs", 2000, False, "attrs2k"),
    ],
)
def test_names_parse_to_their_sample_counts(name, kind, count, official, canonical):
    spec = parse_metric_name(name)
    assert (spec.kind, spec.num_samples, spec.official_count, spec.name) == (kind, count, official, canonical)


def test_ppl_names_carry_space_and_sampling():
    spec = parse_metric_name("ppl_zend_1k")
    assert (spec.space, spec.sampling) == ("z", "end")


@pytest.mark.parametrize("name", ["fid", "fid0", "fid50K", "ppl_wmid", "ppl_wend1k", "probes", "LS", "is50k"])
def test_malformed_names_raise_an_error_that_lists_the_grammar(name):
    with pytest.raises(UnknownMetricError, match="fid50k"):
        parse_metric_name(name)


def test_every_listed_name_round_trips():
    for name in list_metrics():
        spec = parse_metric_name(name)
        assert metric_name(spec.kind, spec.num_samples, spec.space, spec.sampling) == name


@pytest.mark.parametrize(
    "profile, expected",
    [
        ("smoke", ["fid256", "ppl_zfull_128", "ppl_wfull_128", "ppl_zend_128", "ppl_wend_128", "ls512"]),
        ("cpu", ["fid2k", "ppl_zfull_1k", "ppl_wfull_1k", "ppl_zend_1k", "ppl_wend_1k", "ls2k"]),
        ("gpu", ["fid10k", "ppl_zfull_10k", "ppl_wfull_10k", "ppl_zend_10k", "ppl_wend_10k", "ls20k"]),
        ("paper", ["fid50k", "ppl_zfull", "ppl_wfull", "ppl_zend", "ppl_wend", "ls"]),
    ],
)
def test_profiles_map_to_names_with_their_counts(profile, expected):
    assert metric_names_for(make_config("F", profile)) == expected


class _ToyG(torch.nn.Module):
    """The contract's generator surface, tiny: images are a fixed linear function of w (plus noise)."""

    def __init__(self, z_dim=4, resolution=8):
        super().__init__()
        self.cfg = type("Cfg", (), dict(z_dim=z_dim, w_dim=z_dim, resolution=resolution))()
        self.num_layers = 2
        self.proj = torch.nn.Linear(z_dim, 3 * resolution * resolution)

    def layer_resolution(self, i):
        return 4

    def mapping(self, z):
        return z

    def broadcast(self, w):
        return w.unsqueeze(1).repeat(1, self.num_layers, 1)

    def synthesis(self, ws, resolution=None, noise="random"):
        r = self.cfg.resolution
        return self.proj(ws.mean(dim=1)).view(-1, 3, r, r)


def _pixel_distance(img0, img1):
    return (img0 - img1).square().mean(dim=(1, 2, 3))


def test_compute_metric_returns_a_plain_record():
    result = compute_metric("ppl_wend_16", _ToyG(), device="cpu", seed=3, progress=False,
                            distance=_pixel_distance, crop="none")
    for key in ("metric", "value", "num_samples", "official_count", "feature_network", "distance", "seed",
                "time_s"):
        assert key in result
    assert result["metric"] == "ppl_wend_16" and result["num_samples"] == 16 and result["seed"] == 3
    assert result["official_count"] is False and result["value"] > 0
    json.dumps(result)  # plain data only


def test_unknown_option_is_an_error_that_lists_the_options():
    with pytest.raises(TypeError, match="distance"):
        compute_metric("ppl_wend_16", _ToyG(), progress=False, distnce="lpips")


def test_a_generator_on_another_device_is_a_clear_error():
    from sgan.metrics.sampling import check_device

    G = _ToyG()
    check_device(G, torch.device("cpu"))
    with pytest.raises(ValueError, match="move it first"):
        check_device(G, torch.device("meta"))
