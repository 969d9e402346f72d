"""No metric shrinks an image below its resolution without saying so (issue 29: the judge is blind to 64²).

The domain network sees ``INTERNAL_RESOLUTION``² images. A spy on its resize records every shrink; whenever a
metric's images were shrunk, its result must carry ``resized`` naming both sizes (and the warning is raised).
"""

import warnings

import pytest
import torch

from sgan.config import make_config
from sgan.data import load_dataset
from sgan.generator import Generator
from sgan.metrics import compute_metric, domain_net
from sgan.metrics.domain_net import INTERNAL_RESOLUTION, JudgeResolutionWarning

METRICS = ["fid64", "ppl_wend_32", "ppl_zfull_32", "ls256", "attrs64", "probes256"]


@pytest.fixture
def shrinks(monkeypatch):
    seen = []
    resize = domain_net.to_internal_size

    def spy(images, size=INTERNAL_RESOLUTION):
        if images.shape[-1] > size:
            seen.append((images.shape[-1], size))
        return resize(images, size)

    monkeypatch.setattr(domain_net, "to_internal_size", spy)
    return seen


def generator(resolution: int) -> Generator:
    return Generator(make_config("F", "smoke", resolution=resolution).model, seed=0).eval()


@pytest.mark.parametrize("metric", METRICS)
def test_a_metric_at_64_says_when_its_judge_shrinks_the_images(metric, shrinks, tmp_path):
    data = load_dataset("synthetic", resolution=64, n=64, root=tmp_path, progress=False)
    options = {"cache_dir": None} if metric.startswith("fid") else {}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = compute_metric(metric, generator(64), data, progress=False, **options)
    said = [w for w in caught if issubclass(w.category, JudgeResolutionWarning)]
    if shrinks:  # FID, LS, attrs, probes: 64² images to the 32² judge
        assert f"judges 64² images at {INTERNAL_RESOLUTION}²" in result.get("resized", ""), sorted(result)
        assert said and metric in str(said[-1].message)
    else:  # PPL compares face crops, half the image: 32² at 64², no shrink
        assert "resized" not in result and not said
    if not metric.startswith("ppl"):
        assert shrinks, "at 64² this metric's judge shrinks its images (the spy must see it)"


def test_at_the_judges_own_resolution_nothing_is_said(shrinks, tmp_path):
    data = load_dataset("synthetic", resolution=32, n=64, root=tmp_path, progress=False)
    result = compute_metric("fid64", generator(32), data, progress=False, cache_dir=None)
    assert not shrinks and "resized" not in result


def test_the_spy_sees_a_shrink():
    x = torch.zeros(1, 3, 64, 64, device="cpu")
    assert domain_net.to_internal_size(x).shape[-1] == INTERNAL_RESOLUTION
