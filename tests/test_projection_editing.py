"""sgan.projection and sgan.editing: project an image into W, edit it along a factor, measure the edit."""

import numpy as np
import pytest
import torch

import sgan
from sgan import model_zoo
from sgan.config import make_config
from sgan.editing import (
    disentanglement_matrix,
    disentanglement_score,
    edit,
    factor_directions,
    judge_readings,
    sample_latents,
)
from sgan.generator import Generator
from sgan.metrics.domain_net import load_domain_net
from sgan.projection import noise_regularization, perceptual_distance, project

TRAINED = "F" in model_zoo.zoo_entries("cpu")
needs_zoo = pytest.mark.skipif(not TRAINED, reason="the cpu zoo is not built yet (python -m sgan.reference)")


@pytest.fixture(scope="module")
def net():
    return load_domain_net()


def test_the_perceptual_distance_is_the_judges_and_differentiable(net):
    gen = torch.Generator().manual_seed(0)
    a, b = torch.rand(3, 3, 32, 32, generator=gen) * 2 - 1, torch.rand(3, 3, 32, 32, generator=gen) * 2 - 1
    torch.testing.assert_close(perceptual_distance(net, a, b), net.distance(a, b), rtol=1e-5, atol=1e-6)
    a.requires_grad_(True)
    perceptual_distance(net, a, b).sum().backward()
    assert a.grad is not None and a.grad.abs().sum() > 0


def test_noise_regularization_is_zero_for_white_noise_and_large_for_smooth_noise():
    gen = torch.Generator().manual_seed(0)
    white = [torch.randn(1, 1, 64, 64, generator=gen)]
    smooth = [torch.nn.functional.interpolate(torch.randn(1, 1, 8, 8, generator=gen), size=64, mode="bilinear")]
    smooth = [(s - s.mean()) / s.std() for s in smooth]
    assert noise_regularization(white) < 1e-3 < noise_regularization(smooth)


def project_known(G, space):
    gen = torch.Generator().manual_seed(5)
    w0 = G.mapping(torch.randn(3, G.cfg.z_dim, generator=gen))  # [3, w_dim]
    with torch.no_grad():
        target = G.synthesis(G.broadcast(w0), noise=G.synthesis.make_noise(3, gen, "cpu"))
    return w0, target, project(G, target, space, steps=200, progress=False)


@needs_zoo
def test_projection_recovers_a_generated_images_w():
    G = sgan.zoo("F")
    w0, target, p = project_known(G, "w")
    spread = (w0 - G.w_avg).norm(dim=1)  # how far a w lies from the start, w̄
    error = (p.ws[:, 0] - w0).norm(dim=1) / spread
    assert p.losses[-1] < p.losses[0] / 100
    assert error.max() < 0.75, error  # measured 0.2-0.6 (other images' w lie 1.3-2.1 away)
    assert (p.images - target).abs().mean() < 0.1
    assert torch.equal(p.ws[:, 0], p.ws[:, -1])  # W: one w for every layer


def test_projection_in_w_plus_has_one_latent_per_layer_and_is_deterministic():
    G = Generator(make_config("F", "smoke").model, seed=1).eval().requires_grad_(False)
    _, target, p = project_known(G, "w+")
    assert p.ws.shape == (3, G.num_layers, G.cfg.w_dim) and not torch.equal(p.ws[:, 0], p.ws[:, -1])
    again = project(G, target, "w+", steps=200, progress=False)
    assert torch.equal(again.ws, p.ws) and p.losses[-1] < p.losses[0]
    with pytest.raises(ValueError, match="G's resolution"):
        project(G, target[:, :, :8, :8], progress=False)
    with pytest.raises(ValueError, match="'w' .* or 'w\\+'"):
        project(G, target, space="z", progress=False)


def test_projection_leaves_gs_weights_gradients_and_flags_as_they_were():
    G = Generator(make_config("F", "smoke").model, seed=1)
    G.mapping.requires_grad_(False)  # a mixed state, restored as it was
    before = {k: v.clone() for k, v in G.state_dict().items()}
    _, target, p = project_known(G, "w")
    assert all(torch.equal(v, before[k]) for k, v in G.state_dict().items())
    assert all(prm.grad is None for prm in G.parameters())
    assert not any(prm.requires_grad for prm in G.mapping.parameters())
    assert all(prm.requires_grad for prm in G.synthesis.parameters())
    for m in p.noise:  # every image's noise map at zero mean and unit variance
        torch.testing.assert_close(m.mean(dim=(1, 2, 3)), torch.zeros(3), atol=1e-5, rtol=0)
        torch.testing.assert_close(m.square().mean(dim=(1, 2, 3)), torch.ones(3), atol=1e-4, rtol=0)


def test_conditional_directions_are_orthogonal_to_what_they_remove(net):
    G = Generator(make_config("F", "smoke").model, seed=1).eval()
    dirs = factor_directions(G, net, "w", n=256)
    d = dirs.conditional("beard", ("smiling", "glasses"))
    assert abs(float(d @ dirs.directions["smiling"])) < 1e-5 and abs(float(d @ dirs.directions["glasses"])) < 1e-5
    assert float(d.norm()) == pytest.approx(1.0)
    w = sample_latents(G, 4, "w")
    ws = G.broadcast(w)
    moved = edit(ws, d, 2.0, 1.0, layers=range(0, 2))
    assert torch.equal(moved[:, 2:], ws[:, 2:]) and torch.allclose(moved[:, 0] - ws[:, 0], 2.0 * d.expand(4, -1))


@needs_zoo
def test_a_direction_moves_its_factor_monotonically_and_w_beats_z(net):
    G = sgan.zoo("F")
    dirs = factor_directions(G, net, "w", n=1000)
    latents = sample_latents(G, 64, "w", seed=3)
    means = []
    for alpha in (-2.0, -1.0, 0.0, 1.0, 2.0):
        images = G.synthesis(G.broadcast(edit(latents, dirs.directions["background_hue"], alpha,
                                              dirs.sigma["background_hue"])))
        means.append(float(judge_readings(net, images)["background_hue"].mean()))
    assert all(b > a for a, b in zip(means, means[1:], strict=False)), means
    names, M = disentanglement_matrix(G, net, dirs, n=128)
    score_w = disentanglement_score(M)
    assert np.diag(M).mean() > (M.sum() - np.trace(M)) / (M.size - len(names))  # the diagonal dominates
    assert score_w < 1


def test_w_plus_edits_move_only_the_factors_own_scale(net):
    from sgan.editing import scale_layers
    from sgan.plots import style_ranges

    G = Generator(make_config("F", "smoke").model, seed=1).eval()
    layers = scale_layers(G)
    ranges = style_ranges(G)
    assert layers["yaw"] == ranges["coarse"] and layers["smiling"] == ranges["middle"]
    assert layers["skin_tone"] == ranges["fine"]
    dirs = factor_directions(G, net, "w", n=128)
    names, M = disentanglement_matrix(G, net, dirs, n=16, w_plus=True, factors=("yaw", "skin_tone"))
    assert names == ["yaw", "skin_tone"] and M.shape == (2, 2) and np.isfinite(M).all()
    with pytest.raises(ValueError, match="fit the directions in 'w'"):
        disentanglement_matrix(G, net, factor_directions(G, net, "z", n=64), n=4, w_plus=True)
