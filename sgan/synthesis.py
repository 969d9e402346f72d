"""Synthesis network g: per-layer latents ws → image, with progressive growing (StyleGAN §2, Figure 1).

Two layers per resolution from 4² up. Each layer is (official order, switches from ``ModelConfig``)

    conv 3×3 (after ×2 up-sampling at the first layer of a resolution; then blur if resample="bilinear")
    → noise: x + B ⊙ n  (use_noise) → bias → leaky ReLU → pixel norm (use_pixel_norm)
    → instance norm (use_instance_norm) → style modulation x·(y_s + 1) + y_b with y = A(w_i) (use_styles)

Layer 0 has no conv: its input is a learned constant 4×4 (``ConstantInput``, config D on) or the
traditional dense layer from the latent (``TraditionalInput``, configs A-C, fed ws[:, 0]).
ToRGB (1×1 conv, gain 1, no activation) turns the features of a resolution into an image. While a new
resolution r fades in (progressive growing), the output blends the two newest ToRGBs:

    img = α · ToRGB_r(x_r) + (1 − α) · up(ToRGB_{r/2}(x_{r/2}))      (up = nearest ×2, as officially)

Layers above the current resolution are simply not run, so one network serves every resolution ≤ its own.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch
from torch import nn

from sgan import config
from sgan.adain import AdaIN
from sgan.config import ModelConfig
from sgan.nn.equalized import SQRT2, EqualizedConv2d, EqualizedLinear, lrelu
from sgan.nn.norm import instance_norm, pixel_norm
from sgan.nn.resample import Blur, upsample, upsample_conv2d
from sgan.noise import NoiseInput, draw_noise

NoiseSpec = str | Sequence[torch.Tensor | None]


class ConstantInput(nn.Module):
    """The learned constant ``[1, C, 4, 4]`` (initialised to ones) that starts synthesis in configs D-F."""

    def __init__(self, channels: int) -> None:
        super().__init__()
        self.const = nn.Parameter(torch.ones(1, channels, 4, 4))

    def forward(self, n: int) -> torch.Tensor:  # -> [n, C, 4, 4]
        return self.const.expand(n, -1, -1, -1)


class TraditionalInput(nn.Module):
    """The traditional input of configs A-C: a dense layer from the latent to ``[N, C, 4, 4]`` (no bias here:
    the first layer's bias follows, as officially). Gain √2/4 as in ProGAN and the official StyleGAN code."""

    def __init__(self, w_dim: int, channels: int) -> None:
        super().__init__()
        self.channels = channels
        self.dense = EqualizedLinear(w_dim, channels * 16, gain=SQRT2 / 4, bias=False)

    def forward(self, w: torch.Tensor) -> torch.Tensor:  # [N, w_dim] -> [N, C, 4, 4]
        return self.dense(w).view(-1, self.channels, 4, 4)


class SynthesisLayer(nn.Module):
    """One synthesis layer: [up → conv → blur] → noise → bias → lrelu → [pixel norm] → [IN] → [style].

    ``conv=False`` makes the 4² input layer (the epilogue only); ``up=True`` doubles the resolution first.
    """

    def __init__(self, cfg: ModelConfig, in_channels: int, out_channels: int, resolution: int,
                 conv: bool = True, up: bool = False) -> None:
        super().__init__()
        if up and not conv:
            raise ValueError("An up-sampling synthesis layer needs its conv (conv=True).")
        self.resolution, self.up = resolution, up
        self.conv = EqualizedConv2d(in_channels, out_channels, 3, bias=False) if conv else None
        self.blur = Blur() if up and cfg.resample == "bilinear" and "G" in cfg.blur_in else None
        self.noise = NoiseInput(out_channels) if cfg.use_noise else None
        self.bias = nn.Parameter(torch.zeros(out_channels))  # added after the noise, as officially
        self.use_pixel_norm = cfg.use_pixel_norm
        self.adain = None
        self.use_instance_norm = cfg.use_instance_norm  # a plain IN, when there are no styles
        if cfg.use_styles:
            self.adain = AdaIN(cfg.w_dim, out_channels, normalize=cfg.use_instance_norm)
            self.use_instance_norm = False  # AdaIN normalises

    def forward(self, x: torch.Tensor, w: torch.Tensor | None = None,
                noise: torch.Tensor | None = None) -> torch.Tensor:
        """``x [N, C_in, h, h]`` -> ``[N, C_out, r, r]``; ``w [N, w_dim]`` this layer's latent (styles only);
        ``noise [N or 1, 1, r, r]`` or None for no noise (used only when the layer has noise inputs)."""
        if self.up:
            x = upsample_conv2d(x, self.conv.effective_weight())  # nearest ×2 then conv: [N, C_out, r, r]
        elif self.conv is not None:
            x = self.conv(x)  # [N, C_out, r, r]
        if self.blur is not None:
            x = self.blur(x)
        if self.noise is not None and noise is not None:
            x = self.noise(x, noise)  # x + B ⊙ n
        x = lrelu(x + self.bias.view(1, -1, 1, 1))
        if self.use_pixel_norm:
            x = pixel_norm(x)
        if self.use_instance_norm:
            x = instance_norm(x)
        if self.adain is not None:
            if w is None:
                raise ValueError("This synthesis layer uses styles: pass its latent w [N, w_dim].")
            x = self.adain(x, w)
        return x


class ToRGB(nn.Module):
    """1×1 conv from features to an image, gain 1, no activation: ``[N, C, r, r] -> [N, 3, r, r]``."""

    def __init__(self, in_channels: int, image_channels: int = 3) -> None:
        super().__init__()
        self.conv = EqualizedConv2d(in_channels, image_channels, 1, gain=1.0)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.conv(x)


def check_resolution(resolution: int | None, top: int) -> int:
    """``resolution`` (None = ``top``) as a power of two in [4, top], or a clear error."""
    if resolution is None:
        return top
    return config.check_resolution(resolution, 4, top, high_is="the network's resolution")


def check_alpha(alpha: float) -> float:
    alpha = float(alpha)
    if not 0.0 <= alpha <= 1.0:
        raise ValueError(f"alpha={alpha!r} must lie in [0, 1] (0: previous resolution only, 1: new one).")
    return alpha


def layers_at(resolution: int) -> int:
    """Synthesis layers in use at ``resolution``: two per resolution from 4² (4 at 8², 18 at 1024²)."""
    return 2 * (int(math.log2(resolution)) - 1)


class SynthesisNetwork(nn.Module):
    """``ws [N, num_layers, w_dim] -> img [N, 3, r, r]``, any r ≤ cfg.resolution (a prefix of the layers)."""

    def __init__(self, cfg: ModelConfig) -> None:
        super().__init__()
        self.cfg = cfg
        self.num_layers = cfg.num_layers
        c4 = cfg.channels_at(4)
        self.input = ConstantInput(c4) if cfg.const_input else TraditionalInput(cfg.w_dim, c4)
        layers = [SynthesisLayer(cfg, c4, c4, 4, conv=False), SynthesisLayer(cfg, c4, c4, 4)]
        self.to_rgb = nn.ModuleDict({"4": ToRGB(c4, cfg.image_channels)})
        for res in cfg.resolutions[1:]:
            c_in, c_out = cfg.channels_at(res // 2), cfg.channels_at(res)
            layers += [SynthesisLayer(cfg, c_in, c_out, res, up=True), SynthesisLayer(cfg, c_out, c_out, res)]
            self.to_rgb[str(res)] = ToRGB(c_out, cfg.image_channels)
        self.layers = nn.ModuleList(layers)

    def make_noise(self, n: int, generator: torch.Generator | None = None,
                   device: torch.device | str = "cpu") -> list[torch.Tensor]:
        """One fixed noise image per layer, ``[n, 1, r_i, r_i]``, to pass back as ``noise=`` (fixed noise)."""
        return [draw_noise(n, layer.resolution, generator, device) for layer in self.layers]

    def _noise(self, spec: NoiseSpec, i: int, x: torch.Tensor, generator: torch.Generator | None):
        """The noise image of layer i ``[N or 1, 1, r, r]`` (None: no noise) from the ``noise=`` argument."""
        if self.layers[i].noise is None or spec == "zero":
            return None
        res = self.layers[i].resolution
        given = None if spec == "random" else spec[i]
        if given is None:
            return draw_noise(x.shape[0], res, generator, x.device, x.dtype)
        return given

    def _check_inputs(self, ws: torch.Tensor, used: int, noise: NoiseSpec) -> None:
        if ws.ndim != 3 or ws.shape[1:] != (self.num_layers, self.cfg.w_dim):
            raise ValueError(f"ws must be [N, {self.num_layers}, {self.cfg.w_dim}] (one w per synthesis "
                             f"layer; Generator.broadcast(w) makes it from w [N, w_dim]), "
                             f"got {tuple(ws.shape)}.")
        if isinstance(noise, str):
            if noise not in ("random", "zero"):
                raise ValueError(f"noise={noise!r}: use 'random', 'zero' or a list of per-layer tensors.")
        elif len(noise) < used:
            raise ValueError(f"noise list has {len(noise)} entries but {used} layers are in use; "
                             "pass one tensor (or None for random) per layer, e.g. from make_noise().")

    def forward(self, ws: torch.Tensor, resolution: int | None = None, alpha: float = 1.0,
                noise: NoiseSpec = "random", generator: torch.Generator | None = None) -> torch.Tensor:
        """Render ``ws [N, num_layers, w_dim]`` at ``resolution`` (None: cfg.resolution), faded in by α.

        ``noise``: "random" (drawn with ``generator``; the global RNG when None), "zero", or a list of
        per-layer tensors ``[N or 1, 1, r_i, r_i]`` / None (None entries drawn at random).
        A traditional generator (use_styles=False) reads only ``ws[:, 0]``.
        """
        resolution = check_resolution(resolution, self.cfg.resolution)
        alpha = check_alpha(alpha)
        used = layers_at(resolution)
        self._check_inputs(ws, used, noise)
        n = ws.shape[0]
        use_styles = self.cfg.use_styles
        x = self.input(n) if self.cfg.const_input else self.input(ws[:, 0])  # [N, C, 4, 4]
        x_prev = x
        for i in range(used):
            if i == used - 2:
                x_prev = x  # features of the previous resolution, for the ToRGB blend
            layer_w = ws[:, i] if use_styles else None
            x = self.layers[i](x, layer_w, self._noise(noise, i, x, generator))
        img = self.to_rgb[str(resolution)](x)  # [N, 3, r, r]
        if alpha < 1.0 and resolution > 4:
            img_prev = upsample(self.to_rgb[str(resolution // 2)](x_prev), "nearest")  # [N, 3, r, r]
            # img = α · ToRGB_r + (1 − α) · up(ToRGB_{r/2})
            img = torch.lerp(img_prev, img, alpha)
        return img
