"""sgan.studies.spectrum against closed forms: cosines land on their ring, Parseval holds, the blur's response."""

import math

import numpy as np
import pytest
import torch

from sgan.nn.resample import blur
from sgan.studies import spectrum


def cosine(h, u, v, phase=0.3):
    i = torch.arange(h, dtype=torch.float64)
    return torch.cos(2 * math.pi * (u * i[:, None] + v * i[None, :]) / h + phase)


def test_a_cosine_lands_on_its_ring_with_its_power():
    h = 16
    for u, v in ((3, 0), (0, 5), (3, 4)):
        p = spectrum.radial_power_spectrum(cosine(h, u, v)[None, None])
        ring = round(math.hypot(u, v))
        assert int(np.argmax(p)) == ring
        assert np.count_nonzero(p > 1e-9) == 1
        # |X|² = (h²/2)² at the two frequencies ±(u, v); the ring's mean spreads them over its members
        i = np.fft.fftfreq(h, d=1 / h)
        members = np.count_nonzero(np.rint(np.hypot(i[:, None], i[None, :])) == ring)
        assert p[ring] == pytest.approx(2 * (h * h / 2) ** 2 / members)


def test_parseval_the_rings_hold_all_the_power_up_to_nyquist():
    h = 8
    x = torch.randn(3, 2, h, h, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    x = x - x.mean(dim=(-2, -1), keepdim=True)
    i = np.fft.fftfreq(h, d=1 / h)
    radius = np.rint(np.hypot(i[:, None], i[None, :])).astype(int)
    counts = np.bincount(radius[radius <= h // 2], minlength=h // 2 + 1)
    p = spectrum.radial_power_spectrum(x)
    inside = torch.fft.fft2(x).abs().square().mean(dim=(0, 1)).numpy()[radius <= h // 2].sum()
    assert (p * counts).sum() == pytest.approx(inside)
    assert p[0] == pytest.approx(0.0, abs=1e-9)  # the image means are removed


def test_the_blur_passes_cos_squared_of_the_amplitude_away_from_the_border():
    h = 32
    for u in (2, 8, 12):
        x = cosine(h, u, 0, phase=0.0)[None, None].float()
        y = blur(x)[..., 4:-4, 4:-4].double()  # the interior: zero padding only darkens the border
        gain = (y.std() / x[..., 4:-4, 4:-4].double().std()).item()
        assert gain == pytest.approx(math.cos(math.pi * u / h) ** 2, rel=2e-2)


def test_hf_ratio_is_one_for_the_data_and_below_for_a_blurred_copy():
    x = torch.randn(16, 3, 16, 16, generator=torch.Generator().manual_seed(1))
    assert spectrum.hf_ratio(x, x) == pytest.approx(1.0)
    assert spectrum.hf_ratio(blur(x), x) < 0.3
    with pytest.raises(ValueError, match="differ in shape"):
        spectrum.hf_ratio(x[..., :8, :8], x)


def test_the_gradient_spectrum_of_a_linear_critic_is_its_weight_spectrum():
    h = 16
    weight = cosine(h, 6, 0).float()[None, None].expand(1, 3, h, h)

    class Linear(torch.nn.Module):
        def forward(self, x, resolution=None):
            return (x * weight).sum(dim=(1, 2, 3)).unsqueeze(1)

    reals = torch.randn(4, 3, h, h)
    grad = spectrum.gradient_spectrum(Linear(), reals)
    np.testing.assert_allclose(grad, spectrum.radial_power_spectrum(weight.expand(4, -1, -1, -1)), rtol=1e-6)
    assert spectrum.hf_share(grad) == pytest.approx(1.0)  # ring 6 ≥ 16/4: all in the high band
    assert spectrum.high_band(32) == slice(8, 17)


def test_blur_sensitivity_is_large_for_a_sharpness_critic_and_small_for_a_colour_critic():
    faces = torch.rand(64, 3, 16, 16, generator=torch.Generator().manual_seed(2)) * 2 - 1

    class Critic(torch.nn.Module):
        def __init__(self, score):
            super().__init__()
            self.score = score

        def forward(self, x, resolution=None):
            return self.score(x).unsqueeze(1)  # [N, 1]

    sharpness = Critic(lambda x: (x - blur(x)).square().mean(dim=(1, 2, 3)))  # high-pass energy
    colour = Critic(lambda x: x[..., 2:-2, 2:-2].mean(dim=(1, 2, 3)))  # the mean colour away from the border
    assert spectrum.blur_sensitivity(sharpness, faces) > 2.0  # every face loses most of its fine detail
    assert abs(spectrum.blur_sensitivity(colour, faces)) < 0.2
