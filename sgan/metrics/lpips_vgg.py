"""LPIPS-VGG16 (Zhang et al. 2018), the perceptual distance of the paper's path length.

    d(x₀, x₁) = Σ_l  mean_hw  Σ_c  w_lc · (f̂_lc(x₀) − f̂_lc(x₁))²,   f̂_l = f_l / ‖f_l‖ (over channels)

with f_l the VGG16 activations relu1_2, relu2_2, relu3_3, relu4_3, relu5_3 of the input shifted and scaled
as LPIPS v0.1 does, and w_l ≥ 0 the learned LPIPS linear weights. The ``lpips`` package ships the w_l and the
input scaling (``lpips/weights/v0.1/vgg.pth``, ``lpips.ScalingLayer``); the VGG16 trunk is torchvision's
ImageNet file ``vgg16-397923af.pth``, found and verified by ``pretrained.py`` (never downloaded here). The
test suite checks this module against ``lpips.LPIPS`` itself.

Sizes: like the official code, crops larger than 256² are box-downsampled to 256². Crops smaller than 64²
(the course's 16²–64² faces give 8²–32² crops) are bilinearly upsampled to 64², the patch size LPIPS was
trained on; the official code never meets images that small, so this is our departure.
"""

from __future__ import annotations

import os
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn
from torchvision.models import vgg as tv_vgg

from sgan.metrics.pretrained import VGG16, locate_weights

MIN_SIZE = 64  # departure: upsample tiny crops to LPIPS' training patch size
MAX_SIZE = 256  # official: box-downsample larger crops to 256²
SLICE_ENDS = (4, 9, 16, 23, 30)  # vgg16.features[:4] ends at relu1_2, [:9] at relu2_2, ..., [:30] relu5_3


def fit_size(x: torch.Tensor) -> torch.Tensor:
    """``[N, 3, h, w]`` resized for VGG: box-downsampled to ≤ 256 if larger (integer factor), upsampled to
    64 if smaller."""
    h = x.shape[2]
    if h > MAX_SIZE:
        return F.avg_pool2d(x, h // MAX_SIZE)  # the official reshape-and-mean box filter
    if h < MIN_SIZE:
        size = (MIN_SIZE, MIN_SIZE * x.shape[3] // h)
        return F.interpolate(x, size=size, mode="bilinear", align_corners=False)
    return x


def lpips_package_weights() -> Path:
    """The LPIPS v0.1 linear weights for VGG, shipped inside the ``lpips`` package."""
    import lpips

    return Path(lpips.__file__).parent / "weights" / "v0.1" / "vgg.pth"


class LPIPSDistance(nn.Module):
    """``(img0, img1) [N, 3, h, w] in [-1, 1] -> [N]`` LPIPS-VGG16 distances."""

    name = "lpips-vgg16"

    def __init__(self, vgg_state_dict: dict[str, torch.Tensor]) -> None:
        super().__init__()
        import lpips

        features = tv_vgg.make_layers(tv_vgg.cfgs["D"])  # torchvision's vgg16.features (no classifier)
        trunk = {k[len("features."):]: v for k, v in vgg_state_dict.items() if k.startswith("features.")}
        features.load_state_dict(trunk, strict=True)
        starts = (0,) + SLICE_ENDS[:-1]
        self.slices = nn.ModuleList(features[a:b] for a, b in zip(starts, SLICE_ENDS, strict=True))
        self.scaling = lpips.ScalingLayer()
        lins = torch.load(lpips_package_weights(), map_location="cpu", weights_only=True)
        for i, w in enumerate(lins[f"lin{i}.model.1.weight"] for i in range(len(SLICE_ENDS))):
            self.register_buffer(f"w{i}", w.view(1, -1, 1, 1).clone())  # [1, C_l, 1, 1]
        self.requires_grad_(False)
        self.eval()

    @classmethod
    def from_pretrained(cls, path: str | os.PathLike | None = None, device: str | torch.device = "cpu"):
        """LPIPS with the verified torchvision VGG16 trunk; ``WeightsMissingError`` says how to get it."""
        state = torch.load(locate_weights(VGG16, path), map_location="cpu", weights_only=True)
        return cls(state).to(device)

    @torch.no_grad()
    def forward(self, img0: torch.Tensor, img1: torch.Tensor) -> torch.Tensor:
        if img0.shape != img1.shape or img0.ndim != 4 or img0.shape[1] != 3:
            raise ValueError(f"LPIPS expects two [N, 3, h, w] batches, got {tuple(img0.shape)} and "
                             f"{tuple(img1.shape)}.")
        x = self.scaling(torch.cat([fit_size(img0.float()), fit_size(img1.float())]))  # [2N, 3, h, w]
        total = torch.zeros(img0.shape[0], device=img0.device)
        for i, block in enumerate(self.slices):
            x = block(x)  # [2N, C_l, h_l, w_l]
            f0, f1 = (x / (x.square().sum(dim=1, keepdim=True).sqrt() + 1e-10)).chunk(2)  # f̂ = f / ‖f‖
            # Σ_c w_lc (f̂₀ − f̂₁)², averaged over the spatial positions
            total += ((f0 - f1).square() * getattr(self, f"w{i}")).sum(dim=1).mean(dim=(1, 2))
        return total  # [N]
