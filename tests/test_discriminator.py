"""The discriminator: layout, shapes, fade-in, minibatch stddev grouping, determinism."""

import dataclasses

import pytest
import torch

from sgan.config import PRESETS, preset
from sgan.discriminator import Discriminator
from sgan.nn.resample import Blur, downsample

TINY = dict(z_dim=8, w_dim=8, mapping_width=8, fmap_base=32, fmap_max=8)


def tiny(name, resolution=16, **changes):
    return dataclasses.replace(preset(name, resolution=resolution, **TINY), **changes)


def images(n, r, seed=0):
    return torch.randn(n, 3, r, r, generator=torch.Generator().manual_seed(seed))


def test_paper_size_layout_and_parameter_count():
    cfg = preset("F")
    D = Discriminator(cfg)
    nf = cfg.channels_at
    expected = sum(3 * nf(r) + nf(r) for r in cfg.resolutions)  # FromRGB 1×1 + bias
    expected += sum(9 * nf(r) ** 2 + nf(r) + 9 * nf(r) * nf(r // 2) + nf(r // 2) for r in cfg.resolutions[1:])
    expected += 9 * (nf(4) + 1) * nf(4) + nf(4) + 16 * nf(4) * 512 + 512 + 512 + 1  # mbstd conv, dense, out
    assert sum(p.numel() for p in D.parameters()) == expected
    assert expected == pytest.approx(23.1e6, rel=0.01)
    assert D.blocks["1024"].conv0.out_channels == 16 and D.blocks["1024"].conv1.out_channels == 32
    assert D.blocks["8"].conv1.out_channels == 512 and D.epilogue.dense.out_features == 512
    assert D.epilogue.conv.in_channels == 513  # 512 features + 1 minibatch-stddev map


@pytest.mark.parametrize("name", PRESETS)
def test_discriminator_shapes_at_every_resolution(name):
    D = Discriminator(tiny(name, resolution=256))
    with torch.no_grad():
        for r in (8, 16, 32, 64, 128, 256):  # α = 0.5 runs both the new and the previous resolution's path
            scores = D(images(2, r), resolution=r, alpha=0.5)
            assert scores.shape == (2, 1) and torch.isfinite(scores).all()


def test_discriminator_at_1024_batch_1():
    cfg = preset("F", resolution=1024, fmap_base=256, fmap_max=16)
    with torch.no_grad():
        assert Discriminator(cfg)(images(1, 1024)).shape == (1, 1)


@pytest.mark.parametrize("name", ["A", "F"])
def test_fade_in_blends_with_the_downsampled_input(name):
    D = Discriminator(tiny(name))
    with torch.no_grad():
        for block in D.blocks.values():  # nonzero biases so every path matters
            block.conv1.bias.normal_()
        x = images(4, 16)
        low = D(downsample(x, "nearest"), resolution=8, alpha=1.0)
        assert torch.allclose(D(x, resolution=16, alpha=0.0), low, atol=1e-5)
        new = D(x, resolution=16, alpha=1.0)
        assert not torch.allclose(new, low)
        D.from_rgb["8"].conv.weight.add_(1.0)  # the old FromRGB no longer matters at α = 1
        assert torch.equal(D(x, resolution=16, alpha=1.0), new)
        assert not torch.allclose(D(x, resolution=16, alpha=0.0), low, atol=1e-5)


def test_minibatch_stddev_couples_only_images_of_the_same_group():
    D = Discriminator(tiny("F"))  # group size 4: with 8 images, image i shares a group with i ± 2
    x = images(8, 16)
    with torch.no_grad():
        base = D(x)
        changed = x.clone()
        changed[2] += 1.0  # same group as image 0, other group than image 1
        out = D(changed)
    assert not torch.allclose(out[0], base[0]) and torch.equal(out[1], base[1])
    no_mbstd = Discriminator(tiny("F", mbstd_group_size=1))
    assert no_mbstd.epilogue.mbstd is None
    with torch.no_grad():
        assert torch.equal(no_mbstd(changed)[0], no_mbstd(x)[0])


def test_switches_and_seed():
    assert not any(isinstance(m, Blur) for m in Discriminator(tiny("A")).modules())
    assert sum(isinstance(m, Blur) for m in Discriminator(tiny("B")).modules()) == 2  # one per block 16², 8²
    # blur_in takes B's blur apart: "G" leaves D as A's, "D" keeps it
    assert not any(isinstance(m, Blur) for m in Discriminator(tiny("B", blur_in="G")).modules())
    assert sum(isinstance(m, Blur) for m in Discriminator(tiny("B", blur_in="D")).modules()) == 2
    x = images(4, 16)
    with torch.no_grad():
        assert torch.equal(Discriminator(tiny("F"), seed=3)(x), Discriminator(tiny("F"), seed=3)(x))
        assert not torch.equal(Discriminator(tiny("F"), seed=3)(x), Discriminator(tiny("F"), seed=4)(x))


def test_clear_errors():
    D = Discriminator(tiny("F"))
    with pytest.raises(ValueError, match=r"resolution 16 expects images \[N, 3, 16, 16\]"):
        D(images(4, 8))
    with pytest.raises(ValueError, match="multiple of the group size"):
        D(images(6, 16))
