"""Inception-v3 pool features for FID, as the official (TensorFlow) FID computes them.

The network is torchvision's ``Inception3`` with the FID graph's weights
(``pt_inception-2015-12-05-6726825d.pth``, see ``pretrained.py``) and the two places where TensorFlow's 2015
graph differs from torchvision's blocks:

* the pool branch of blocks A, C and E(7b) averages over valid pixels only (TF ``avg_pool`` excludes padding);
* the pool branch of the last block E(7c) is a 3×3 *max* pool.

Pre-processing follows the official StyleGAN pipeline: images in [-1, 1] are quantised to 8 bits
(``round((x + 1) · 127.5)``, like ``convert_images_to_uint8``), resized to 299² with TensorFlow 1.x's bilinear
resize (no half-pixel offset: source coordinate = destination · in/out), then mapped to [-1, 1] by
``(x − 128) / 128``. The 2048-d output of the final average pool is the FID feature.
"""

from __future__ import annotations

import os

import torch
import torch.nn.functional as F
from torch import nn
from torchvision.models import inception as tv_inception

from sgan.metrics.pretrained import INCEPTION, locate_weights

INPUT_SIZE = 299
FEATURE_DIM = 2048


def _tf_avg_pool(x: torch.Tensor) -> torch.Tensor:
    return F.avg_pool2d(x, kernel_size=3, stride=1, padding=1, count_include_pad=False)


def _tf_max_pool(x: torch.Tensor) -> torch.Tensor:
    return F.max_pool2d(x, kernel_size=3, stride=1, padding=1)


class _TFPoolBranch:
    """Mixin: recompute a torchvision block's pool branch (its last output) with TensorFlow's pooling."""

    tf_pool = staticmethod(_tf_avg_pool)

    def _forward(self, x: torch.Tensor) -> list[torch.Tensor]:
        outputs = super()._forward(x)  # torchvision's branches; only the pool branch differs in the FID graph
        outputs[-1] = self.branch_pool(self.tf_pool(x))
        return outputs


class TFInceptionA(_TFPoolBranch, tv_inception.InceptionA):
    pass


class TFInceptionC(_TFPoolBranch, tv_inception.InceptionC):
    pass


class TFInceptionE1(_TFPoolBranch, tv_inception.InceptionE):
    pass


class TFInceptionE2(_TFPoolBranch, tv_inception.InceptionE):
    tf_pool = staticmethod(_tf_max_pool)


def tf1_resize_bilinear(x: torch.Tensor, size: int) -> torch.Tensor:
    """TensorFlow 1.x ``resize_bilinear(align_corners=False)``: ``[N, C, H, W] -> [N, C, size, size]``.

    Output pixel i samples the input at s = i · H / size (no half-pixel offset, unlike ``F.interpolate``),
    interpolating linearly between floor(s) and min(floor(s) + 1, H − 1).
    """
    if x.ndim != 4:
        raise ValueError(f"tf1_resize_bilinear expects [N, C, H, W], got {tuple(x.shape)}.")
    for dim in (2, 3):
        n_in = x.shape[dim]
        s = torch.arange(size, device=x.device, dtype=torch.float64) * (n_in / size)  # source coordinates
        i0 = s.floor().long().clamp(max=n_in - 1)
        i1 = (i0 + 1).clamp(max=n_in - 1)
        frac = (s - i0).to(x.dtype)
        shape = [1, 1, 1, 1]
        shape[dim] = size
        frac = frac.view(shape)
        # x(s) = x[i0] + (x[i1] − x[i0]) · (s − i0)
        a, b = x.index_select(dim, i0), x.index_select(dim, i1)
        x = a + (b - a) * frac
    return x


class InceptionFeatures(nn.Module):
    """``images [N, 3, H, W] in [-1, 1] -> [N, 2048]`` FID pool features (any H, W; grey repeated to RGB)."""

    name = "inception-v3"
    dim = FEATURE_DIM

    def __init__(self) -> None:
        super().__init__()
        self.net = tv_inception.Inception3(
            num_classes=1008, aux_logits=False, init_weights=False,
            inception_blocks=[tv_inception.BasicConv2d, TFInceptionA, tv_inception.InceptionB, TFInceptionC,
                              tv_inception.InceptionD, tv_inception.InceptionE, tv_inception.InceptionAux],
        )
        self.net.Mixed_7b = TFInceptionE1(1280)
        self.net.Mixed_7c = TFInceptionE2(2048)
        self.requires_grad_(False)
        self.eval()

    @classmethod
    def from_pretrained(cls, path: str | os.PathLike | None = None, device: str | torch.device = "cpu"):
        """Load the verified FID weights (see ``pretrained.locate_weights``); clear error when absent."""
        model = cls()
        state = torch.load(locate_weights(INCEPTION, path), map_location="cpu", weights_only=True)
        model.net.load_state_dict(state, strict=True)
        return model.to(device)

    @torch.no_grad()
    def forward(self, images: torch.Tensor) -> torch.Tensor:
        if images.ndim != 4 or images.shape[1] not in (1, 3):
            raise ValueError(f"InceptionFeatures expects images [N, 3, H, W] in [-1, 1], got "
                             f"{tuple(images.shape)}.")
        x = images.float().expand(-1, 3, -1, -1)
        x = torch.clamp(torch.floor((x + 1) * 127.5 + 0.5), 0, 255)  # 8-bit levels, as the official pipeline
        x = tf1_resize_bilinear(x, INPUT_SIZE)  # [N, 3, 299, 299]
        x = (x - 128) / 128
        net = self.net
        for layer in (net.Conv2d_1a_3x3, net.Conv2d_2a_3x3, net.Conv2d_2b_3x3, net.maxpool1,
                      net.Conv2d_3b_1x1, net.Conv2d_4a_3x3, net.maxpool2, net.Mixed_5b, net.Mixed_5c,
                      net.Mixed_5d, net.Mixed_6a, net.Mixed_6b, net.Mixed_6c, net.Mixed_6d, net.Mixed_6e,
                      net.Mixed_7a, net.Mixed_7b, net.Mixed_7c):
            x = layer(x)
        return torch.flatten(net.avgpool(x), 1)  # [N, 2048]
