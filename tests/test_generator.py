"""The generator: sizes, switches, truncation, style mixing, progressive growing, determinism."""

import dataclasses

import pytest
import torch

from sgan.config import PRESETS, preset
from sgan.generator import Generator
from sgan.mixing import draw_crossovers, mix_styles
from sgan.nn.resample import Blur, upsample
from sgan.synthesis import ConstantInput, TraditionalInput
from sgan.truncation import truncate

TINY = dict(z_dim=8, w_dim=8, mapping_width=8, fmap_base=32, fmap_max=8)


def tiny(name, resolution=16, **changes):
    return dataclasses.replace(preset(name, resolution=resolution, **TINY), **changes)


def param_count(module):
    return sum(p.numel() for p in module.parameters())


def ws_for(G, n=2, seed=0):
    z = torch.randn(n, G.cfg.z_dim, generator=torch.Generator().manual_seed(seed))
    return G.broadcast(G.mapping(z))


def test_paper_size_parameter_counts():
    # built on the CPU (~0.2 s each): the meta device costs seconds of one-time set-up
    counts = {name: param_count(Generator(preset(name))) for name in "BDF"}
    assert counts["F"] == pytest.approx(26.2e6, rel=0.01)  # the paper's style-based generator
    assert counts["B"] == pytest.approx(23.1e6, rel=0.01)  # the traditional baseline
    noise_weights = sum(preset("F").channels_at(4 * 2 ** (i // 2)) for i in range(18))
    assert counts["F"] - counts["D"] == noise_weights  # E adds one weight per channel per layer; F = E


def test_layer_resolutions_and_broadcast():
    G = Generator(tiny("F", resolution=32))
    assert G.num_layers == 8
    assert [G.layer_resolution(i) for i in range(8)] == [4, 4, 8, 8, 16, 16, 32, 32]
    assert G.num_layers_at(8) == 4
    w = torch.randn(3, 8)
    ws = G.broadcast(w)
    assert ws.shape == (3, 8, 8) and all(torch.equal(ws[:, i], w) for i in range(8))
    with pytest.raises(IndexError):
        G.layer_resolution(8)


@pytest.mark.parametrize("name", PRESETS)
def test_generator_shapes_at_every_resolution(name):
    G = Generator(tiny(name, resolution=256))
    z = torch.randn(2, 8)
    with torch.no_grad():
        for r in (8, 16, 32, 64, 128, 256):  # α = 0.5 runs both the new and the previous resolution's ToRGB
            img = G(z, resolution=r, alpha=0.5, generator=torch.Generator().manual_seed(0))
            assert img.shape == (2, 3, r, r) and torch.isfinite(img).all()


def test_forward_at_1024_batch_1():
    cfg = preset("F", resolution=1024, z_dim=32, w_dim=32, mapping_width=32, fmap_base=256, fmap_max=16)
    G = Generator(cfg)
    with torch.no_grad():
        img = G(torch.randn(1, 32), generator=torch.Generator().manual_seed(0))
    assert img.shape == (1, 3, 1024, 1024) and torch.isfinite(img).all()


def test_same_seed_same_output_and_global_rng_untouched():
    cfg = tiny("F")
    state = torch.random.get_rng_state()
    G1, G2, G3 = Generator(cfg, seed=1), Generator(cfg, seed=1), Generator(cfg, seed=2)
    assert torch.equal(torch.random.get_rng_state(), state)
    z = torch.randn(2, 8, generator=torch.Generator().manual_seed(5))
    with torch.no_grad():
        for G in (G1, G2, G3):
            G.synthesis.layers[2].noise.weight.fill_(1.0)  # make the noise count
        a = G1(z, generator=torch.Generator().manual_seed(0))
        b = G2(z, generator=torch.Generator().manual_seed(0))
        assert torch.equal(a, b)
        assert not torch.equal(a, G3(z, generator=torch.Generator().manual_seed(0)))
        assert not torch.equal(a, G1(z, generator=torch.Generator().manual_seed(1)))


def test_config_switches_change_the_network():
    nets = {name: Generator(tiny(name)) for name in PRESETS}
    a, b, c, d, e = (nets[k] for k in "ABCDE")
    assert param_count(a.mapping) == 0 and param_count(b.mapping) == 0 and len(c.mapping.layers) == 8
    for g in (a, b, c):
        assert isinstance(g.synthesis.input, TraditionalInput)
    for g in (d, e):
        assert isinstance(g.synthesis.input, ConstantInput)
        assert not any(isinstance(m, TraditionalInput) for m in g.modules())
    assert not any(isinstance(m, Blur) for m in a.modules()) and any(isinstance(m, Blur) for m in b.modules())
    blurs = {where: sum(isinstance(m, Blur) for m in Generator(tiny("B", blur_in=where)).modules())
             for where in ("GD", "G", "D")}
    assert blurs == {"GD": 2, "G": 2, "D": 0}  # one per up-sampling layer (8², 16²), none when only D blurs
    assert all(layer.adain is None for layer in a.synthesis.layers)
    assert all(layer.adain is not None and layer.adain.normalize for layer in c.synthesis.layers)
    assert all(layer.noise is None for layer in d.synthesis.layers)
    assert all(layer.noise is not None for layer in e.synthesis.layers)


def test_config_a_uses_pixel_norm_after_every_layer():
    G = Generator(tiny("A"))
    outputs = []
    hooks = [layer.register_forward_hook(lambda m, i, o: outputs.append(o)) for layer in G.synthesis.layers]
    with torch.no_grad():
        G(torch.randn(2, 8))
    for h in hooks:
        h.remove()
    assert len(outputs) == G.num_layers
    for out in outputs:  # every pixel's feature vector has unit mean square
        assert torch.allclose(out.square().mean(dim=1), torch.ones_like(out[:, 0]), atol=1e-4)


def test_traditional_generator_reads_only_the_first_latent_and_styles_read_all():
    for name, reads_all in (("B", False), ("C", True)):
        G = Generator(tiny(name))
        with torch.no_grad():
            for layer in G.synthesis.layers:  # move the style biases away from 0 so styles matter
                if layer.adain is not None:
                    layer.adain.style.affine.bias.normal_()
            ws = ws_for(G)
            other = ws.clone()
            other[:, 1:] = ws_for(G, seed=1)[:, 1:]
            same = torch.equal(G.synthesis(ws, noise="zero"), G.synthesis(other, noise="zero"))
        assert same != reads_all, name


def test_truncation_closed_form():
    ws, w_avg = torch.randn(3, 6, 4), torch.randn(4)
    assert torch.equal(truncate(ws, w_avg, 1.0, 6), ws)
    assert torch.equal(truncate(ws, w_avg, 0.0, 6), w_avg.expand(3, 6, 4))
    out = truncate(ws, w_avg, 0.7, 2)
    assert torch.allclose(out[:, :2], w_avg + 0.7 * (ws[:, :2] - w_avg), atol=1e-6)
    assert torch.equal(out[:, 2:], ws[:, 2:])  # past the cutoff: untouched


def test_generator_truncation_uses_w_avg_and_cfg_cutoff():
    G = Generator(tiny("F"))  # 6 layers at 16², cfg cutoff 8 covers all: use cutoff=2 explicitly
    with torch.no_grad():
        G.w_avg.normal_()
        z = torch.randn(2, 8)
        mean_image = G.synthesis(G.w_avg.expand(2, 6, 8), noise="zero")
        assert torch.allclose(G(z, psi=0.0, noise="zero"), mean_image, atol=1e-6)
        ws = truncate(G.broadcast(G.mapping(z)), G.w_avg, 0.5, 2)
        assert torch.allclose(G(z, psi=0.5, cutoff=2, noise="zero"), G.synthesis(ws, noise="zero"), atol=1e-6)


def test_update_w_avg_is_an_ema_kept_in_the_state_dict():
    G = Generator(tiny("F"))
    w = torch.randn(5, 8)
    G.update_w_avg(w, beta=0.9)
    assert torch.allclose(G.w_avg, 0.1 * w.mean(0), atol=1e-6)  # from zeros
    G.update_w_avg(G.broadcast(w))  # ws accepted too, cfg beta 0.995
    assert torch.allclose(G.w_avg, 0.995 * 0.1 * w.mean(0) + 0.005 * w.mean(0), atol=1e-6)
    assert torch.equal(G.state_dict()["w_avg"], G.w_avg)


def test_mix_styles_matches_per_layer_loop():
    wa, wb, wc = torch.randn(2, 8, 3), torch.randn(2, 8, 3), torch.randn(2, 3)
    out = mix_styles([wa, wb, wc], [2, 5])
    for i in range(8):
        expected = wa[:, i] if i < 2 else wb[:, i] if i < 5 else wc
        assert torch.equal(out[:, i], expected)
    per_image = mix_styles([wa, wb], [torch.tensor([3, 8])])
    assert torch.equal(per_image[0, :3], wa[0, :3]) and torch.equal(per_image[0, 3:], wb[0, 3:])
    assert torch.equal(per_image[1], wa[1])
    with pytest.raises(ValueError, match="non-decreasing"):
        mix_styles([wa, wb, wc], [5, 2])


def test_draw_crossovers_statistics():
    c = draw_crossovers(4000, 6, 0.9, torch.Generator().manual_seed(0))
    assert c.min() >= 1 and c.max() <= 6
    assert (c < 6).float().mean().item() == pytest.approx(0.9, abs=0.03)
    assert set(c[c < 6].tolist()) == {1, 2, 3, 4, 5}
    assert torch.equal(draw_crossovers(5, 6, 0.0), torch.full((5,), 6))


def test_style_mixing_layers_before_the_crossover_depend_only_on_w1():
    G = Generator(tiny("F"))
    k = 3
    w1, w2 = G.mapping(torch.randn(2, 8)), G.mapping(torch.randn(2, 8))
    activations = []
    layers = G.synthesis.layers
    hooks = [layer.register_forward_hook(lambda m, i, o: activations.append(o)) for layer in layers]
    with torch.no_grad():
        G.synthesis(mix_styles([G.broadcast(w1), w2], [k]), noise="zero")
        first = list(activations)
        activations.clear()
        G.synthesis(mix_styles([G.broadcast(w1), w2 + 1.0], [k]), noise="zero")
    for h in hooks:
        h.remove()
    for i in range(G.num_layers):
        assert torch.equal(first[i], activations[i]) == (i < k), i


@pytest.mark.parametrize("name", ["A", "F"])
def test_progressive_growing_fade_in(name):
    G = Generator(tiny(name))
    with torch.no_grad():
        ws = ws_for(G)
        noise = G.synthesis.make_noise(2, torch.Generator().manual_seed(0))
        if G.cfg.use_noise:
            for layer in G.synthesis.layers:
                layer.noise.weight.fill_(0.3)
        low = G.synthesis(ws, resolution=8, alpha=1.0, noise=noise)
        faded_out = G.synthesis(ws, resolution=16, alpha=0.0, noise=noise)
        assert torch.allclose(faded_out, upsample(low, "nearest"), atol=1e-6)
        new = G.synthesis(ws, resolution=16, alpha=1.0, noise=noise)
        mid = G.synthesis(ws, resolution=16, alpha=0.25, noise=noise)
        assert torch.allclose(mid, 0.25 * new + 0.75 * upsample(low, "nearest"), atol=1e-5)
        G.synthesis.to_rgb["8"].conv.weight.add_(1.0)  # the old ToRGB no longer matters at α = 1
        assert torch.equal(G.synthesis(ws, resolution=16, alpha=1.0, noise=noise), new)
        assert not torch.allclose(G.synthesis(ws, resolution=16, alpha=0.5, noise=noise), 0.5 * new + 0.5 *
                                  upsample(low, "nearest"))


def test_clear_errors_on_bad_arguments():
    G = Generator(tiny("F"))
    ws = ws_for(G)
    with pytest.raises(ValueError, match="power of two between 4 and"):
        G.synthesis(ws, resolution=32)
    with pytest.raises(ValueError, match="alpha"):
        G.synthesis(ws, alpha=1.5)
    with pytest.raises(ValueError, match="broadcast"):
        G.synthesis(ws[:, 0])
    with pytest.raises(ValueError, match="noise"):
        G.synthesis(ws, noise="fixed")
    with pytest.raises(TypeError, match="ModelConfig"):
        Generator({"resolution": 16})
