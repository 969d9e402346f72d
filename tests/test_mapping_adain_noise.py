"""Mapping network, AdaIN and noise inputs against closed forms."""

import dataclasses

import pytest
import torch
import torch.nn.functional as F

from sgan.adain import AdaIN, StyleAffine, style_modulation
from sgan.config import preset
from sgan.generator import Generator
from sgan.mapping import MappingNetwork
from sgan.noise import NoiseInput, draw_noise


@pytest.mark.parametrize("depth", [0, 1, 2, 8])
def test_mapping_equals_naive_mlp_on_normalised_z(depth):
    torch.manual_seed(0)
    f = MappingNetwork(z_dim=6, w_dim=6, num_layers=depth, width=5, lrmul=0.01)
    with torch.no_grad():
        for layer in f.layers:
            layer.bias.normal_()
    assert len(f.layers) == depth
    z = torch.randn(3, 6) * 4
    h = z / torch.sqrt(z.square().mean(1, keepdim=True) + 1e-8)
    for layer in f.layers:
        weight = layer.weight * (2**0.5 / layer.in_features**0.5) * 0.01  # gain √2, lrmul 0.01
        h = F.leaky_relu(h @ weight.T + layer.bias * 0.01, 0.2)
    assert torch.allclose(f(z), h, atol=1e-5)
    widths = [layer.out_features for layer in f.layers]
    assert widths == ([5] * (depth - 1) + [6] if depth else [])


def test_mapping_rejects_wrong_z_and_impossible_identity():
    with pytest.raises(ValueError, match=r"\[N, 6\]"):
        MappingNetwork(6, 6, 2, 5)(torch.randn(3, 4))
    with pytest.raises(ValueError, match="w_dim"):
        MappingNetwork(6, 8, 0)


def test_style_affine_starts_with_zero_bias_and_gain_one():
    torch.manual_seed(0)
    affine = StyleAffine(w_dim=256, channels=128)
    assert torch.count_nonzero(affine.affine.bias) == 0  # scale y_s + 1 starts at 1
    assert affine.affine.effective_weight().std().item() == pytest.approx(1 / 256**0.5, rel=0.03)


def test_adain_sets_each_channel_mean_to_yb_and_std_to_abs_ys_plus_one():
    torch.manual_seed(0)
    adain = AdaIN(w_dim=8, channels=5)
    with torch.no_grad():
        adain.style.affine.bias.normal_()  # away from init, so y_s + 1 is not ≈ 1
    x = torch.randn(3, 5, 16, 16) * 3 + 2
    w = torch.randn(3, 8)
    out = adain(x, w)
    y_s, y_b = adain.style(w)
    assert torch.allclose(out.mean(dim=(2, 3)), y_b, atol=1e-4)
    assert torch.allclose(out.std(dim=(2, 3), unbiased=False), (y_s + 1).abs(), atol=1e-4)


def test_style_modulation_closed_form_without_normalisation():
    x, y_s, y_b = torch.randn(2, 3, 4, 4), torch.randn(2, 3), torch.randn(2, 3)
    expected = x * (y_s + 1)[:, :, None, None] + y_b[:, :, None, None]
    assert torch.allclose(style_modulation(x, y_s, y_b), expected, atol=1e-6)
    adain = AdaIN(4, 3, normalize=False)
    w = torch.randn(2, 4)
    assert torch.allclose(adain(x, w), style_modulation(x, *adain.style(w)), atol=1e-6)


def test_noise_input_starts_at_zero_then_adds_scaled_noise():
    layer = NoiseInput(4)
    x, noise = torch.randn(2, 4, 3, 3), torch.randn(2, 1, 3, 3)
    assert torch.equal(layer(x, noise), x)
    with torch.no_grad():
        layer.weight.copy_(torch.tensor([0.0, 1.0, -2.0, 0.5]))
    expected = x + noise * torch.tensor([0.0, 1.0, -2.0, 0.5]).view(1, 4, 1, 1)
    assert torch.allclose(layer(x, noise), expected, atol=1e-6)
    with pytest.raises(ValueError, match=r"\[2 or 1, 1, 3, 3\]"):
        layer(x, torch.randn(2, 4, 3, 3))


def test_draw_noise_is_reproducible_with_a_generator():
    a = draw_noise(2, 8, torch.Generator().manual_seed(1))
    b = draw_noise(2, 8, torch.Generator().manual_seed(1))
    assert a.shape == (2, 1, 8, 8) and torch.equal(a, b)
    assert not torch.equal(a, draw_noise(2, 8, torch.Generator().manual_seed(2)))


def _tiny_e():
    return preset("E", resolution=16, z_dim=8, w_dim=8, mapping_width=8, fmap_base=32, fmap_max=8)


def test_generator_ignores_noise_at_init_and_depends_only_on_layers_with_nonzero_weights():
    G = Generator(_tiny_e())
    ws = G.broadcast(G.mapping(torch.randn(2, 8, generator=torch.Generator().manual_seed(0))))
    noise_a = G.synthesis.make_noise(2, torch.Generator().manual_seed(1))
    noise_b = G.synthesis.make_noise(2, torch.Generator().manual_seed(2))
    with torch.no_grad():
        assert torch.equal(G.synthesis(ws, noise=noise_a), G.synthesis(ws, noise=noise_b))
        assert torch.equal(G.synthesis(ws, noise=noise_a), G.synthesis(ws, noise="zero"))
        G.synthesis.layers[3].noise.weight.fill_(0.5)  # only layer 3 (8²) listens to its noise now
        base = G.synthesis(ws, noise=noise_a)
        changed_3 = list(noise_a)
        changed_3[3] = noise_b[3]
        assert not torch.allclose(G.synthesis(ws, noise=changed_3), base)
        others = list(noise_b)
        others[3] = noise_a[3]  # every other layer's noise replaced: still no effect
        assert torch.equal(G.synthesis(ws, noise=others), base)


def test_noise_switch_removes_noise_inputs():
    cfg = dataclasses.replace(_tiny_e(), use_noise=False)
    G = Generator(cfg)
    assert all(layer.noise is None for layer in G.synthesis.layers)
    assert not any("noise" in name for name, _ in G.named_parameters())
