"""Building blocks against oracles: plain torch layers, naive loops and closed forms."""

import math

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from sgan.nn import (
    Blur,
    EqualizedConv2d,
    EqualizedLinear,
    MinibatchStdDev,
    blur,
    blur_kernel,
    downsample,
    instance_norm,
    pixel_norm,
    upsample,
)
from sgan.nn.resample import conv2d_downsample, upsample_conv2d


@pytest.mark.parametrize("lrmul", [1.0, 0.01])
@pytest.mark.parametrize("gain", [math.sqrt(2), 1.0])
def test_equalized_linear_effective_weight_std_is_he_whatever_lrmul(lrmul, gain):
    torch.manual_seed(0)
    layer = EqualizedLinear(1024, 512, gain=gain, lrmul=lrmul, bias_init=1.0)
    assert layer.weight.std().item() == pytest.approx(1 / lrmul, rel=0.02)  # stored: N(0, 1/lrmul²)
    assert layer.effective_weight().std().item() == pytest.approx(gain / math.sqrt(1024), rel=0.02)
    assert torch.allclose(layer.effective_bias(), torch.ones(512))  # bias_init survives the / lrmul · lrmul
    assert layer.bias[0].item() == pytest.approx(1.0 / lrmul)


@pytest.mark.parametrize("lrmul", [1.0, 0.01])
def test_equalized_conv_effective_weight_std_is_he(lrmul):
    torch.manual_seed(0)
    layer = EqualizedConv2d(64, 128, 3, lrmul=lrmul)
    assert layer.effective_weight().std().item() == pytest.approx(math.sqrt(2) / math.sqrt(64 * 9), rel=0.02)


@pytest.mark.parametrize("lrmul", [1.0, 0.01])
def test_equalized_linear_matches_plain_linear_and_scales_gradients(lrmul):
    torch.manual_seed(0)
    eq = EqualizedLinear(16, 8, gain=math.sqrt(2), lrmul=lrmul, bias_init=0.5)
    with torch.no_grad():
        eq.bias.normal_()
    plain = nn.Linear(16, 8)
    with torch.no_grad():
        plain.weight.copy_(eq.effective_weight())
        plain.bias.copy_(eq.effective_bias())
    x = torch.randn(5, 16)
    target = torch.randn(5, 8)
    loss_eq = ((eq(x) - target) ** 2).sum()
    loss_plain = ((plain(x) - target) ** 2).sum()
    assert torch.allclose(loss_eq, loss_plain, rtol=1e-5)
    loss_eq.backward()
    loss_plain.backward()
    scale = math.sqrt(2) / math.sqrt(16) * lrmul  # dL/dv = (gain/√fan_in · lrmul) · dL/dW
    assert torch.allclose(eq.weight.grad, scale * plain.weight.grad, rtol=1e-4, atol=1e-7)
    assert torch.allclose(eq.bias.grad, lrmul * plain.bias.grad, rtol=1e-4, atol=1e-7)


def test_equalized_conv_matches_plain_conv_and_scales_gradients():
    torch.manual_seed(0)
    eq = EqualizedConv2d(3, 4, 3, gain=1.0)
    with torch.no_grad():
        eq.bias.normal_()
    plain = nn.Conv2d(3, 4, 3, padding=1)
    with torch.no_grad():
        plain.weight.copy_(eq.effective_weight())
        plain.bias.copy_(eq.effective_bias())
    x = torch.randn(2, 3, 6, 6)
    eq(x).square().sum().backward()
    plain(x).square().sum().backward()
    assert torch.allclose(eq.weight.grad, plain.weight.grad / math.sqrt(27), rtol=1e-4, atol=1e-6)
    assert torch.allclose(eq.bias.grad, plain.bias.grad, rtol=1e-4)


def test_equalized_layers_reject_wrong_input_with_clear_error():
    with pytest.raises(ValueError, match=r"\[N, 3, H, W\]"):
        EqualizedConv2d(3, 4, 3)(torch.randn(1, 5, 4, 4))
    with pytest.raises(ValueError, match="16"):
        EqualizedLinear(16, 4)(torch.randn(2, 8))


def test_pixel_norm_matches_per_pixel_loop():
    x = torch.randn(2, 5, 3, 3) * 3 + 1
    out = pixel_norm(x)
    for n in range(2):
        for i in range(3):
            for j in range(3):
                a = x[n, :, i, j]
                assert torch.allclose(out[n, :, i, j], a / torch.sqrt((a**2).mean() + 1e-8), atol=1e-6)
    z = torch.randn(4, 7)
    assert torch.allclose(pixel_norm(z).square().mean(1), torch.ones(4), atol=1e-5)


def test_instance_norm_matches_formula():
    x = torch.randn(2, 3, 5, 4) * 2 + 0.7
    out = instance_norm(x)
    for n in range(2):
        for c in range(3):
            a = x[n, c]
            mean, var = a.mean(), ((a - a.mean()) ** 2).mean()  # biased variance
            assert torch.allclose(out[n, c], (a - mean) / torch.sqrt(var + 1e-8), atol=1e-5)


def test_blur_kernel_sums_to_one_and_keeps_constant_images_constant_in_the_interior():
    k = blur_kernel()
    assert k.sum().item() == pytest.approx(1.0)
    assert torch.allclose(k * 16, torch.tensor([[1.0, 2, 1], [2, 4, 2], [1, 2, 1]]))
    x = torch.full((1, 2, 6, 6), 3.5)
    out = Blur()(x)
    assert torch.allclose(out[..., 1:-1, 1:-1], x[..., 1:-1, 1:-1])
    assert out[0, 0, 0, 0] < 3.5  # zero padding at the border, as the official 'SAME' depthwise conv


def test_blur_matches_naive_loop():
    x = torch.randn(1, 2, 5, 5)
    k = torch.tensor([1.0, 2, 1])
    k = torch.outer(k, k) / 16
    padded = F.pad(x, (1, 1, 1, 1))
    expected = torch.zeros_like(x)
    for i in range(5):
        for j in range(5):
            expected[..., i, j] = (padded[..., i:i + 3, j:j + 3] * k).sum(dim=(-2, -1))
    assert torch.allclose(blur(x), expected, atol=1e-6)
    assert torch.allclose(Blur()(x), expected, atol=1e-6)


def test_blur_first_and_second_derivatives_match_the_generic_depthwise_conv():
    """The self-adjoint blur's hand-written gradient equals autograd's through F.conv2d (R1's double backward)."""
    x0 = torch.randn(2, 3, 6, 5, dtype=torch.float64)
    weight = blur_kernel(torch.float64).expand(3, 1, 3, 3)
    results = []
    for fn in (blur, lambda x: F.conv2d(x, weight, padding=1, groups=3)):
        x = x0.clone().requires_grad_(True)
        y = fn(x)
        (grad,) = torch.autograd.grad((y * y.roll(1, dims=3)).sum(), x, create_graph=True)
        (grad2,) = torch.autograd.grad((grad * grad.flip(2)).sum(), x)
        results.append((y, grad, grad2))
    for ours, ref in zip(*results, strict=True):
        assert torch.allclose(ours, ref, atol=1e-12)
    assert torch.autograd.gradgradcheck(blur, (x0[:1, :1].clone().requires_grad_(True),))


def test_nearest_upsample_and_box_downsample_match_naive_loops():
    x = torch.randn(2, 3, 4, 4)
    up = upsample(x, "nearest")
    assert up.shape == (2, 3, 8, 8)
    for i in range(8):
        for j in range(8):
            assert torch.equal(up[..., i, j], x[..., i // 2, j // 2])
    down = downsample(x, "nearest")
    for i in range(2):
        for j in range(2):
            box = x[..., 2 * i:2 * i + 2, 2 * j:2 * j + 2].mean(dim=(-2, -1))
            assert torch.allclose(down[..., i, j], box, atol=1e-6)


def test_bilinear_resampling_is_bilinear_in_the_interior():
    x = torch.randn(1, 2, 8, 8)
    up = upsample(x, "bilinear")
    ref_up = F.interpolate(x, scale_factor=2, mode="bilinear", align_corners=False)
    assert torch.allclose(up[..., 1:-1, 1:-1], ref_up[..., 1:-1, 1:-1], atol=1e-5)
    down = downsample(x, "bilinear")  # blur then box = [1,3,3,1]/8 at stride 2 (antialiased bilinear)
    ref_down = F.interpolate(x, scale_factor=0.5, mode="bilinear", align_corners=False, antialias=True)
    assert torch.allclose(down[..., 1:-1, 1:-1], ref_down[..., 1:-1, 1:-1], atol=1e-5)
    assert not torch.allclose(down, downsample(x, "nearest"))


def test_resample_rejects_unknown_kind():
    with pytest.raises(ValueError, match="nearest"):
        upsample(torch.randn(1, 1, 2, 2), "bicubic")


@pytest.mark.parametrize("k", [1, 3])
def test_fused_up_conv_and_conv_down_equal_the_two_steps(k):
    torch.manual_seed(0)
    x = torch.randn(2, 4, 5, 5)
    w = torch.randn(6, 4, k, k)
    b = torch.randn(6)
    two_steps = F.conv2d(upsample(x, "nearest"), w, padding=k // 2)
    assert torch.allclose(upsample_conv2d(x, w), two_steps, atol=1e-4)
    x2 = torch.randn(2, 4, 8, 8)
    two_steps = F.avg_pool2d(F.conv2d(x2, w, b, padding=k // 2), 2)
    assert torch.allclose(conv2d_downsample(x2, w, b), two_steps, atol=1e-4)


def _r1_like_grads(fn, x, w):
    """∂/∂w of |∂ sum(fn(x, w)²)/∂x|²: the first and the second derivative of ``fn``, as R1 takes them."""
    (gx,) = torch.autograd.grad(fn(x, w).square().sum(), x, create_graph=True)
    return torch.autograd.grad(gx.square().sum(), w)[0]


def test_fused_resampling_convs_have_the_two_steps_gradients():
    """The box-summed kernel (a small matrix product) differentiates like the two steps, twice over."""
    torch.manual_seed(0)
    w = torch.randn(5, 4, 3, 3, requires_grad=True)
    x = torch.randn(2, 4, 6, 6, requires_grad=True)
    up_ref = _r1_like_grads(lambda x, w: F.conv2d(upsample(x, "nearest"), w, padding=1), x, w)
    assert torch.allclose(_r1_like_grads(upsample_conv2d, x, w), up_ref, rtol=1e-4, atol=1e-4)
    down_ref = _r1_like_grads(lambda x, w: F.avg_pool2d(F.conv2d(x, w, padding=1), 2), x, w)
    assert torch.allclose(_r1_like_grads(conv2d_downsample, x, w), down_ref, rtol=1e-4, atol=1e-4)


def _naive_mbstd(x, group_size):
    n, c, h, w = x.shape
    g = min(group_size, n)
    m = n // g
    out = []
    for i in range(n):
        members = torch.stack([x[j] for j in range(n) if j % m == i % m])  # [G, C, H, W]
        std = torch.sqrt(members.var(dim=0, unbiased=False) + 1e-8).mean()
        out.append(torch.cat([x[i], std.expand(1, h, w)]))
    return torch.stack(out)


@pytest.mark.parametrize("n", [8, 4, 2, 1])
def test_minibatch_stddev_matches_naive_group_loop(n):
    torch.manual_seed(n)
    x = torch.randn(n, 3, 4, 4)
    out = MinibatchStdDev(group_size=4)(x)
    assert out.shape == (n, 4, 4, 4)
    assert torch.allclose(out, _naive_mbstd(x, 4), atol=1e-5)


def test_minibatch_stddev_feature_groups_and_bad_batch():
    x = torch.randn(4, 6, 2, 2)
    out = MinibatchStdDev(group_size=2, num_features=2)(x)
    for f in range(2):
        expected = _naive_mbstd(x[:, 3 * f:3 * f + 3], 2)[:, -1]
        assert torch.allclose(out[:, 6 + f], expected, atol=1e-5)
    with pytest.raises(ValueError, match="multiple of the group size 4"):
        MinibatchStdDev(4)(torch.randn(6, 3, 4, 4))
