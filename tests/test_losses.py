"""Losses against closed forms on toy critics: linear D(x) = a·x + b and quadratic D(x) = c/2 ‖x‖²."""

import pytest
import torch
import torch.nn.functional as F

from sgan import losses
from sgan.config import TrainConfig

torch.manual_seed(0)
SHAPE = (3, 4, 4)


def linear_critic():
    a = torch.randn(*SHAPE, dtype=torch.float64, requires_grad=True)
    b = torch.tensor(0.3, dtype=torch.float64, requires_grad=True)

    def D(x):
        return ((x * a).sum(dim=(1, 2, 3)) + b).unsqueeze(1)  # [N, 1]

    return D, a, b


def images(n=6, seed=0):
    g = torch.Generator().manual_seed(seed)
    return torch.randn(n, *SHAPE, generator=g, dtype=torch.float64)


def test_ns_r1_matches_closed_form_value_and_gradient():
    D, a, b = linear_critic()
    reals, fakes, gamma = images(seed=1), images(seed=2), 10.0
    out = losses.d_logistic_r1(D, reals, fakes, gamma=gamma)
    s_real, s_fake = (reals * a).sum((1, 2, 3)) + b, (fakes * a).sum((1, 2, 3)) + b
    # R1 of a linear D: ∇_x D = a for every image, so γ/2 · ‖a‖²
    r1 = gamma / 2 * a.square().sum()
    expected = F.softplus(s_fake).mean() + F.softplus(-s_real).mean() + r1
    assert out.loss.item() == pytest.approx(expected.item(), rel=1e-6)
    assert out.penalty.item() == pytest.approx(r1.item(), rel=1e-6)
    # the double backward reaches D's weights: ∂/∂a = E[σ(s_f) f] − E[σ(−s_r) r] + γ a
    (grad_a,) = torch.autograd.grad(out.loss, a)
    sig_f, sig_r = torch.sigmoid(s_fake).detach(), torch.sigmoid(-s_real).detach()
    expected_grad = ((sig_f.view(-1, 1, 1, 1) * fakes).mean(0) - (sig_r.view(-1, 1, 1, 1) * reals).mean(0)
                     + gamma * a.detach())
    torch.testing.assert_close(grad_a, expected_grad)


def test_r1_is_per_image_on_a_quadratic_critic():
    c = 0.7

    def D(x):
        return (0.5 * c * x.square().sum(dim=(1, 2, 3))).unsqueeze(1)

    reals = images(seed=3)
    _, norm2 = losses.r1_penalty(D, reals)
    # ∇_x D = c x  ->  ‖∇‖² = c² ‖x‖² per image
    torch.testing.assert_close(norm2, c**2 * reals.square().sum(dim=(1, 2, 3)))


def test_wgan_gp_matches_closed_form_value_and_gradient():
    D, a, b = linear_critic()
    reals, fakes = images(seed=4), images(seed=5)
    u = torch.rand(reals.shape[0], 1, 1, 1, dtype=torch.float64, generator=torch.Generator().manual_seed(0))
    lam, eps, target = 10.0, 0.001, 1.0
    out = losses.d_wgan_gp(D, reals, fakes, u, lam=lam, drift=eps, target=target)
    s_real, s_fake = (reals * a).sum((1, 2, 3)) + b, (fakes * a).sum((1, 2, 3)) + b
    norm = a.square().sum().sqrt()  # ‖∇_x̂ D‖ = ‖a‖ wherever x̂ lies
    expected = (s_fake - s_real).mean() + lam * (norm - target) ** 2 + eps * s_real.square().mean()
    assert out.loss.item() == pytest.approx(expected.item(), rel=1e-6)
    (grad_a,) = torch.autograd.grad(out.loss, a)
    a0 = a.detach()
    expected_grad = ((fakes - reals).mean(0) + 2 * lam * (norm.detach() - target) * a0 / norm.detach()
                     + 2 * eps * (s_real.detach().view(-1, 1, 1, 1) * reals).mean(0))
    torch.testing.assert_close(grad_a, expected_grad)


def test_generator_losses():
    scores = torch.tensor([[-2.0], [0.0], [3.0]])
    assert losses.g_nonsaturating(scores).item() == pytest.approx(F.softplus(-scores).mean().item())
    assert losses.g_wgan(scores).item() == pytest.approx(-1 / 3)
    assert losses.g_loss("ns_r1", scores) == losses.g_nonsaturating(scores)
    assert losses.g_loss("wgan_gp", scores) == losses.g_wgan(scores)


def test_dispatch_uses_config_weights():
    D, a, _ = linear_critic()
    reals, fakes = images(seed=6), images(seed=7)
    train = TrainConfig(r1_gamma=2.0)
    out = losses.d_loss("ns_r1", D, reals, fakes, train)
    assert out.penalty.item() == pytest.approx((1.0 * a.square().sum()).item(), rel=1e-6)  # γ/2 = 1
    gen = torch.Generator().manual_seed(0)
    out_gp = losses.d_loss("wgan_gp", D, reals, fakes, train, generator=gen)
    assert torch.isfinite(out_gp.loss)


def test_bad_inputs_are_named():
    D, _, _ = linear_critic()
    reals = images()
    with pytest.raises(ValueError, match=r"scores \[N, 1\]"):
        losses.d_logistic_r1(lambda x: D(x).squeeze(1), reals, reals)
    with pytest.raises(ValueError, match="u must be"):
        losses.d_wgan_gp(D, reals, reals, torch.rand(2))
    with pytest.raises(ValueError, match="choose one of"):
        losses.g_loss("hinge", torch.zeros(2, 1))
