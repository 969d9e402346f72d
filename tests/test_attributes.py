"""attrs<count>: the domain network's rates and decisiveness on generated faces against real ones."""

import numpy as np
import pytest
import torch

from sgan.metrics.attributes import FACIAL, attribute_statistics


def test_statistics_match_their_definitions():
    p = np.array([0.0, 0.25, 0.5, 0.9, 1.0])
    stats = attribute_statistics({"glasses": p})["glasses"]
    assert stats["rate"] == pytest.approx(2 / 5)  # P > ½ strictly
    assert stats["decided"] == pytest.approx(np.mean([1.0, 0.5, 0.0, 0.8, 1.0]))


@pytest.fixture(scope="module")
def faces(tmp_path_factory):
    from sgan.data import load_dataset

    return load_dataset("synthetic", resolution=32, n=256, root=tmp_path_factory.mktemp("data"), progress=False)


class Replay(torch.nn.Module):
    """A stand-in generator that 'generates' given images (the metric's generator contract)."""

    def __init__(self, images, cfg):
        super().__init__()
        self.images, self.cfg, self.num_layers = images, cfg, cfg.num_layers
        self.mapping = torch.nn.Identity()
        self.anchor = torch.nn.Parameter(torch.zeros(1))
        self.next = 0

    def broadcast(self, w):
        return w[:, None].expand(-1, self.num_layers, -1)

    def layer_resolution(self, i):
        return 4 * 2 ** (i // 2)

    def synthesis(self, ws, resolution=None, alpha=1.0, noise=None):
        out = self.images[self.next:self.next + len(ws)]
        self.next += len(ws)
        return out


def test_real_faces_score_near_zero_and_faces_without_open_eyes_by_their_frequency(faces):
    from sgan.config import make_config
    from sgan.metrics import compute_metric

    cfg = make_config("F", "cpu").model
    reals = faces.batch(np.arange(256), mirror=False)
    same = compute_metric("attrs256", Replay(reals, cfg), faces, progress=False, seed=0)
    assert same["value"] < 0.03  # the same faces in another order: the rates agree
    assert set(same["facial"]) == set(FACIAL) and same["real"]["glasses"]["rate"] > 0.2
    # a generator that only ever draws closed eyes: the eyes_open gap is the data's share of open eyes
    closed = np.flatnonzero(faces.factors["eyes_open"] < 0.5)
    replay = Replay(faces.batch(np.resize(closed, 256), mirror=False), cfg)
    shut = compute_metric("attrs256", replay, faces, progress=False, seed=0)
    open_share = float(np.mean(faces.factors["eyes_open"] > 0.5))
    assert shut["fake"]["eyes_open"]["rate"] < 0.03
    assert shut["gaps"]["eyes_open"] == pytest.approx(open_share, abs=0.04)
    assert shut["value"] >= open_share / len(FACIAL) - 0.01


def test_attrs_needs_the_data_set():
    from sgan.config import make_config
    from sgan.generator import Generator
    from sgan.metrics import compute_metric

    with pytest.raises(ValueError, match="real data set"):
        compute_metric("attrs64", Generator(make_config("F", "smoke").model), None, progress=False)
