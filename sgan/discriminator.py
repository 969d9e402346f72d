"""The discriminator D (ProGAN layout, as used unchanged by StyleGAN), mirroring the generator.

    FromRGB_r (1×1 conv, lrelu) → for each resolution r > 4:
        conv 3×3 → lrelu → [blur] → conv 3×3 → box ×½ → lrelu      (C_r → C_r → C_{r/2})
    → 4²: minibatch stddev → conv 3×3 → lrelu → dense (16·C_4 → C_0) → lrelu → dense (→ 1, gain 1)

C_r = cfg.channels_at(r) and C_0 = min(fmap_base, fmap_max) (the official nf(0)). The blur [1,2,1]⊗[1,2,1]
is there for resample="bilinear" (B on), before the down-sampling conv, as officially (``blur_in`` "GD" or
"D"; "G" leaves D without it, to take B's tuning apart). While resolution r
fades in, the first block's output is blended with the FromRGB of the box-down-sampled image:

    x = α · Block_r(FromRGB_r(img)) + (1 − α) · FromRGB_{r/2}(down(img))
"""

from __future__ import annotations

import torch
from torch import nn

from sgan.config import ModelConfig
from sgan.generator import seeded_init
from sgan.nn.equalized import EqualizedConv2d, EqualizedLinear, lrelu
from sgan.nn.mbstd import MinibatchStdDev
from sgan.nn.resample import Blur, conv2d_downsample, downsample
from sgan.synthesis import check_alpha, check_resolution


class FromRGB(nn.Module):
    """1×1 conv from an image to features, then leaky ReLU: ``[N, 3, r, r] -> [N, C, r, r]``."""

    def __init__(self, image_channels: int, out_channels: int) -> None:
        super().__init__()
        self.conv = EqualizedConv2d(image_channels, out_channels, 1)

    def forward(self, img: torch.Tensor) -> torch.Tensor:
        return lrelu(self.conv(img))


class DiscriminatorBlock(nn.Module):
    """Two 3×3 convs, the second one down-sampling: ``[N, C_in, r, r] -> [N, C_out, r/2, r/2]``."""

    def __init__(self, in_channels: int, out_channels: int, resample: str) -> None:
        super().__init__()
        self.conv0 = EqualizedConv2d(in_channels, in_channels, 3)
        self.blur = Blur() if resample == "bilinear" else None
        self.conv1 = EqualizedConv2d(in_channels, out_channels, 3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = lrelu(self.conv0(x))
        if self.blur is not None:
            x = self.blur(x)
        # conv → box ×½, as one stride-2 conv (the bias commutes with the box filter)
        x = conv2d_downsample(x, self.conv1.effective_weight(), self.conv1.effective_bias())
        return lrelu(x)


class DiscriminatorEpilogue(nn.Module):
    """The 4² block: minibatch stddev → conv 3×3 → dense → dense 1: ``[N, C_4, 4, 4] -> [N, 1]``."""

    def __init__(self, cfg: ModelConfig) -> None:
        super().__init__()
        c4 = cfg.channels_at(4)
        c0 = max(1, min(cfg.fmap_base, cfg.fmap_max))  # official nf(0), the width of the dense layer
        use_mbstd = cfg.mbstd_group_size > 1  # the official code skips the layer for a group of 1
        self.mbstd = MinibatchStdDev(cfg.mbstd_group_size, cfg.mbstd_features) if use_mbstd else None
        self.conv = EqualizedConv2d(c4 + (cfg.mbstd_features if use_mbstd else 0), c4, 3)
        self.dense = EqualizedLinear(c4 * 16, c0)
        self.out = EqualizedLinear(c0, 1, gain=1.0)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.mbstd is not None:
            x = self.mbstd(x)  # [N, C_4 + F, 4, 4]
        x = lrelu(self.conv(x))  # [N, C_4, 4, 4]
        x = lrelu(self.dense(x.flatten(1)))  # [N, C_0]
        return self.out(x)  # [N, 1]


class Discriminator(nn.Module):
    """``img [N, 3, r, r] -> scores [N, 1]`` for any r ≤ cfg.resolution (a suffix of the blocks)."""

    def __init__(self, cfg: ModelConfig, seed: int | None = 0) -> None:
        super().__init__()
        if not isinstance(cfg, ModelConfig):
            raise TypeError(f"Discriminator needs a ModelConfig, got {type(cfg)}.")
        self.cfg = cfg
        with seeded_init(seed):
            self.from_rgb = nn.ModuleDict(
                {str(r): FromRGB(cfg.image_channels, cfg.channels_at(r)) for r in cfg.resolutions})
            resample = cfg.resample if "D" in cfg.blur_in else "nearest"
            self.blocks = nn.ModuleDict({
                str(r): DiscriminatorBlock(cfg.channels_at(r), cfg.channels_at(r // 2), resample)
                for r in cfg.resolutions[1:]
            })
            self.epilogue = DiscriminatorEpilogue(cfg)

    def forward(self, img: torch.Tensor, resolution: int | None = None, alpha: float = 1.0) -> torch.Tensor:
        """Score ``img [N, 3, r, r]`` at ``resolution`` r (None: cfg.resolution); ``alpha`` fades r in."""
        r = check_resolution(resolution, self.cfg.resolution)
        alpha = check_alpha(alpha)
        expected = (self.cfg.image_channels, r, r)
        if img.ndim != 4 or tuple(img.shape[1:]) != expected:
            raise ValueError(f"Discriminator at resolution {r} expects images [N, {expected[0]}, {r}, {r}], "
                             f"got {tuple(img.shape)}; pass resolution= matching the images.")
        x = self.from_rgb[str(r)](img)  # [N, C_r, r, r]
        while r > 4:
            x = self.blocks[str(r)](x)  # [N, C_{r/2}, r/2, r/2]
            if alpha < 1.0 and r == img.shape[-1]:
                skip = self.from_rgb[str(r // 2)](downsample(img, "nearest"))
                # x = α · Block_r(FromRGB_r(img)) + (1 − α) · FromRGB_{r/2}(down(img))
                x = torch.lerp(skip, x, alpha)
            r //= 2
        return self.epilogue(x)
