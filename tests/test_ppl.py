"""Perceptual path length against closed forms on a generator whose images are linear in w."""

import math
from types import SimpleNamespace

import numpy as np
import pytest
import torch

from sgan.metrics import sampling
from sgan.metrics.ppl import crop_face, filtered_mean, lerp, path_distances, slerp


class LinearG(torch.nn.Module):
    """The contract's generator surface with mapping_layers=0 (w = pixel_norm(z)) and images linear in w:
    img = (mean_l ws[:, l]) · A + gain · noise of the last layer. Computed in float64."""

    def __init__(self, z_dim=6, resolution=16, a=None, noise_gain=5.0):
        super().__init__()
        self.cfg = SimpleNamespace(z_dim=z_dim, w_dim=z_dim, resolution=resolution, mapping_layers=0)
        self.num_layers = 2 * (int(math.log2(resolution)) - 1)
        g = torch.Generator().manual_seed(0)
        pixels = 3 * resolution * resolution
        self.a = torch.randn(z_dim, pixels, generator=g, dtype=torch.float64) if a is None else a
        self.noise_gain = noise_gain

    def layer_resolution(self, i):
        return 4 * 2 ** (i // 2)

    def mapping(self, z):
        return z * torch.rsqrt(z.square().mean(dim=1, keepdim=True) + 1e-8)  # pixel norm

    def broadcast(self, w):
        return w.unsqueeze(1).repeat(1, self.num_layers, 1)

    def synthesis(self, ws, resolution=None, noise="random"):
        r = self.cfg.resolution
        img = (ws.double().mean(dim=1) @ self.a).view(-1, 3, r, r)
        return img + self.noise_gain * noise[-1].double()  # [N, 1, r, r] broadcast over channels


def squared_pixel_distance(img0, img1):
    return (img0 - img1).square().mean(dim=(1, 2, 3))


def _pairs(seed, n, z_dim):
    """The latents and t's that path_distances draws (one batch), float64."""
    z = torch.randn(2 * n, z_dim, generator=sampling.stream(seed, sampling.LATENT_STREAM)).double()
    t = torch.rand(n, generator=sampling.stream(seed, sampling.PPL_T_STREAM), dtype=torch.float64)
    a, b = z[0::2] / z[0::2].norm(dim=1, keepdim=True), z[1::2] / z[1::2].norm(dim=1, keepdim=True)
    theta = torch.acos((a * b).sum(dim=1).clamp(-1, 1))
    c = b - (a * b).sum(dim=1, keepdim=True) * a
    return a, b, c / c.norm(dim=1, keepdim=True), theta, t.float().double()


def _closed_form(G, velocity, crop):
    """d/dt of the cropped image along a path with latent velocity ``velocity`` [n, z_dim]: mean square."""
    r = G.cfg.resolution
    return crop_face((velocity @ G.a).view(-1, 3, r, r), crop).square().mean(dim=(1, 2, 3)).numpy()


@pytest.mark.parametrize("sampling_", ["end", "full"])
@pytest.mark.parametrize("crop", ["face", "none"])
def test_w_space_matches_the_closed_form(sampling_, crop):
    # lerp: w(t) = w₀ + t (w₁ − w₀), so d/dt img = (w₁ − w₀) A for every t; noise is shared, so it cancels
    G, n, seed = LinearG(), 24, 5
    values = path_distances(G, n, "w", sampling_, squared_pixel_distance, seed=seed, batch_size=n,
                            crop=crop, progress=False)
    a, b, _, _, _ = _pairs(seed, n, G.cfg.z_dim)
    d = G.cfg.z_dim
    expected = _closed_form(G, math.sqrt(d) * (b - a), crop)  # w = √d ẑ
    np.testing.assert_allclose(values, expected, rtol=1e-2)


@pytest.mark.parametrize("sampling_", ["end", "full"])
def test_z_space_matches_the_closed_form(sampling_):
    # slerp: ẑ(t) = â cos tθ + ĉ sin tθ, so d/dt img = √d θ (ĉ cos tθ − â sin tθ) A; "end" is t = 0
    G, n, seed = LinearG(), 24, 7
    values = path_distances(G, n, "z", sampling_, squared_pixel_distance, seed=seed, batch_size=n,
                            crop="face", progress=False)
    a, _, c, theta, t = _pairs(seed, n, G.cfg.z_dim)
    t = t if sampling_ == "full" else torch.zeros_like(t)
    tt, th = (t * theta)[:, None], theta[:, None]
    velocity = math.sqrt(G.cfg.z_dim) * th * (c * torch.cos(tt) - a * torch.sin(tt))
    np.testing.assert_allclose(values, _closed_form(G, velocity, "face"), rtol=1e-2)


@pytest.mark.parametrize("sampling_", ["end", "full"])
def test_identity_mapping_relates_z_and_w_path_lengths_exactly(sampling_):
    # With w = √d ẑ and an isotropic linear generator (A Aᵀ = s I), per pair:
    #   l_W = s d ‖ẑ₁ − ẑ₀‖² / P = s d (2 − 2 cos θ) / P   (the chord)
    #   l_Z = s d θ² / P                                   (the arc)
    # so l_Z / l_W = θ² / (2 − 2 cos θ) ≥ 1: the two agree only as θ → 0, and Z is longer on average.
    d, r = 6, 8
    q, _ = torch.linalg.qr(torch.randn(3 * r * r, d, generator=torch.Generator().manual_seed(1),
                                       dtype=torch.float64))
    G, n, seed = LinearG(z_dim=d, resolution=r, a=2.0 * q.T), 32, 11
    lw = path_distances(G, n, "w", sampling_, squared_pixel_distance, seed=seed, batch_size=n, crop="none",
                        progress=False)
    lz = path_distances(G, n, "z", sampling_, squared_pixel_distance, seed=seed, batch_size=n, crop="none",
                        progress=False)
    theta = _pairs(seed, n, d)[3].numpy()
    np.testing.assert_allclose(lz / lw, theta**2 / (2 - 2 * np.cos(theta)), rtol=1e-2)
    np.testing.assert_allclose(lw, 4.0 * d * (2 - 2 * np.cos(theta)) / (3 * r * r), rtol=1e-2)


def test_pairs_share_their_noise_and_a_seed_repeats_the_values():
    G = LinearG(noise_gain=50.0)  # unshared noise would add ~ 50² / ε² ≈ 1e11 to every value
    one = path_distances(G, 10, "w", "full", squared_pixel_distance, seed=2, batch_size=4, progress=False)
    assert one.shape == (10,) and one.max() < 1e3
    again = path_distances(G, 10, "w", "full", squared_pixel_distance, seed=2, batch_size=4, progress=False)
    np.testing.assert_array_equal(one, again)


def test_slerp_endpoints_norm_and_constant_speed():
    g = torch.Generator().manual_seed(0)
    a, b = (torch.randn(5, 7, generator=g, dtype=torch.float64) for _ in range(2))
    an, bn = a / a.norm(dim=1, keepdim=True), b / b.norm(dim=1, keepdim=True)
    theta = torch.acos((an * bn).sum(1))
    torch.testing.assert_close(slerp(a, b, torch.zeros(5, 1, dtype=torch.float64)), an)
    torch.testing.assert_close(slerp(a, b, torch.ones(5, 1, dtype=torch.float64)), bn)
    t = torch.full((5, 1), 0.3, dtype=torch.float64)
    p, q = slerp(a, b, t), slerp(a, b, t + 0.1)
    torch.testing.assert_close(p.norm(dim=1), torch.ones(5, dtype=torch.float64))
    torch.testing.assert_close(torch.acos((p * q).sum(1).clamp(-1, 1)), 0.1 * theta)  # angle ∝ Δt
    torch.testing.assert_close(lerp(a, b, t), a + 0.3 * (b - a))
    torch.testing.assert_close(slerp(a, 2 * a, t), an)  # one direction: the path stands still, no NaN


def test_face_crop_is_the_official_window():
    x = torch.arange(2 * 3 * 32 * 32, dtype=torch.float32).view(2, 3, 32, 32)
    torch.testing.assert_close(crop_face(x), x[:, :, 12:28, 8:24])  # c = 4: rows 3c:7c, cols 2c:6c
    assert crop_face(x, "none") is x
    with pytest.raises(ValueError, match="crop"):
        crop_face(x, "eyes")


def test_filtered_mean_discards_outside_the_1st_to_99th_percentiles():
    values = np.concatenate([np.arange(1.0, 199.0), [1e6, -1e6]])  # 200 values: two outliers
    lo, hi = np.sort(values)[1], np.sort(values)[-2]  # numpy "lower"/"higher" percentiles of 200 values
    kept = values[(values >= lo) & (values <= hi)]
    mean, count = filtered_mean(values)
    assert mean == pytest.approx(kept.mean()) and count == kept.size == 198
    assert mean == pytest.approx(np.arange(1.0, 199.0)[1:-1].mean(), rel=0.02)


def test_bad_space_is_an_error():
    with pytest.raises(ValueError, match="space"):
        path_distances(LinearG(), 4, "x", "end", squared_pixel_distance, progress=False)


def test_ppl_metric_on_a_tiny_generator_with_the_domain_distance(monkeypatch, tmp_path):
    from sgan.config import make_config
    from sgan.generator import Generator
    from sgan.metrics import compute_metric

    monkeypatch.setattr(torch.hub, "get_dir", lambda: str(tmp_path))  # no VGG16 here: the domain net
    monkeypatch.delenv("SGAN_VGG16", raising=False)
    G = Generator(make_config("F", "smoke").model)
    result = compute_metric("ppl_wend_32", G, progress=False)
    assert result["distance"].startswith("lpips-style")
    assert result["feature_network"].startswith("domain-net-")
    assert np.isfinite(result["value"]) and result["value"] > 0 and 30 <= result["kept"] <= 32
    assert compute_metric("ppl_wend_32", G, progress=False)["value"] == result["value"]  # seeded
