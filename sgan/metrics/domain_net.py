"""sgan's own domain networks (the "judges"): small CNNs trained on the synthetic faces to predict their
ground-truth factors.

It stands in, offline, for the three ImageNet / CelebA networks of the paper's metrics:

* FID features: the spatial means of its four stages' activations, concatenated (``features``; the paper uses
  Inception-v3's 2048-d pool features);
* the PPL distance, LPIPS-style without learned weights (``distance``):
      d(x₀, x₁) = Σ_l mean_hw ‖f̂_l(x₀) − f̂_l(x₁)‖²,   f̂_l = f_l / ‖f_l‖ (unit norm over channels)
  over the stages at 32² and below (``distance_activations``; the paper uses LPIPS-VGG16);
* the attribute classifiers of linear separability (``predict``: a probability per binary factor; the paper
  uses 40 CelebA-HQ classifiers), and a regressor for the continuous factors (``probes.py``).

Two judges ship, and the images' resolution picks one (``judge_resolution``, ``load_domain_net(resolution=)``):

* **the 32² judge** (``domain_net.pt`` / ``.json``, id ``domain-net-<sha8>``) for 16² and 32² images (and
  whenever no resolution is given): every number of the cpu profiles, the zoo and the cached statistics;
* **the 64² judge** (``domain_net_64.pt`` / ``.json``, id ``domain-net-64-<sha8>``) for 64² images (the gpu
  profile), so that FID, the tick FID, PPL's distance, the attribute metrics and the projection loss see the
  64² stage (the 32² judge shrinks 64² images: blind to a blur or noise finer than its pixels,
  ``results/gpu/judge_disturbance.md``).

Each judge resizes its input to its internal resolution R first (area averaging down, bilinear up); when that
shrinks the images it raises a ``JudgeResolutionWarning``, and ``compute_metric`` records it in the result
(``resized``). The judge's id is in every result (``feature_network``) and in the key of the cached real
statistics, so numbers from the two judges are never compared. Architecture (``ARCHITECTURES``): stages of
conv3×3 → batch norm → ReLU with 2× average pooling between stages and a linear head on the last stage's
spatial mean; the 32² judge has four (32², 16², 8², 4²; 16, 32, 64, 96 channels; two convs in the first three,
one in the last), the 64² judge the same four behind a fifth at 64² (8 channels, two convs). Weights in
float16 (~270 KB each) with a json of architecture, factors and held-out accuracies;
``scripts/train_domain_net.py [--internal-resolution 64]`` rebuilds them.
"""

from __future__ import annotations

import hashlib
import json
import os
import warnings
from importlib import resources
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

from sgan.data import synthetic_faces
from sgan.training.device import resolve_device, run_device

INTERNAL_RESOLUTION = 32  # the first judge's (the course's 16² and 32² images); JUDGES lists every judge's
CHANNELS = (16, 32, 64, 96)
CONVS_PER_STAGE = (2, 2, 2, 1)
WEIGHTS_NAME = "domain_net.pt"
CONFIG_NAME = "domain_net.json"
# internal resolution -> (channels, convs per stage): the 64² judge is the 32² one with a fifth, narrow stage at
# 64² in front (8 channels), so that its cost per image stays near the 32² judge's (forward, counted by
# sgan.studies.flops: 29.5 vs 21.5 MFLOP per image; 131k vs 130k parameters).
ARCHITECTURES = {32: (CHANNELS, CONVS_PER_STAGE), 64: ((8, 16, 32, 64, 96), (2, 2, 2, 2, 1))}
JUDGES = tuple(sorted(ARCHITECTURES))  # (32, 64)
# The LPIPS-style distance compares the stages at 32² and below: all four of the 32² judge, the 64² judge's last
# four (its 32² stage reads its 64² stage). Unit-normalising the 64² judge's 8-channel 64² stage is
# ill-conditioned: where all 8 channels are 0 after the ReLU (0.2% of its pixels on a gpu-dry G's face crops),
# f / ‖f‖ jumps between 0 and a unit vector, so that d grew like ε, not ε² (PPL's d/ε² halved as ε doubled).
DISTANCE_MAX_RESOLUTION = 32


def weights_names(internal_resolution: int = INTERNAL_RESOLUTION) -> tuple[str, str]:
    """``(weights file, config file)`` of the judge of ``internal_resolution``: ``domain_net.pt/.json`` for the
    32² judge (as ever), ``domain_net_64.pt/.json`` for the 64² one."""
    if internal_resolution not in ARCHITECTURES:
        raise ValueError(f"no domain network judges at {internal_resolution}²: choose one of {JUDGES}.")
    if internal_resolution == INTERNAL_RESOLUTION:
        return WEIGHTS_NAME, CONFIG_NAME
    return f"domain_net_{internal_resolution}.pt", f"domain_net_{internal_resolution}.json"


def to_internal_size(images: torch.Tensor, size: int = INTERNAL_RESOLUTION) -> torch.Tensor:
    """``[N, 3, H, W] -> [N, 3, size, size]``: area averaging when shrinking, bilinear when enlarging."""
    if images.ndim != 4 or images.shape[1] != 3:
        raise ValueError(f"the domain network expects images [N, 3, H, W] in [-1, 1], got "
                         f"{tuple(images.shape)}.")
    if images.shape[2] == size and images.shape[3] == size:
        return images
    if images.shape[2] > size:
        return F.interpolate(images, size=(size, size), mode="area")
    return F.interpolate(images, size=(size, size), mode="bilinear", align_corners=False)


class JudgeResolutionWarning(UserWarning):
    """A domain network shrank images below their resolution (each sees its ``internal_resolution``² only)."""


def _conv_block(cin: int, cout: int) -> nn.Sequential:
    return nn.Sequential(nn.Conv2d(cin, cout, 3, padding=1, bias=False), nn.BatchNorm2d(cout), nn.ReLU())


class DomainNet(nn.Module):
    """``images [N, 3, H, W] in [-1, 1] -> (binary logits [N, B], continuous [N, C] scaled to [0, 1])``.

    ``binary`` / ``continuous`` name the factors of the head's outputs; ``ranges`` maps each continuous factor
    to its (low, high) so that ``predict`` returns data units.
    """

    def __init__(self, binary: tuple[str, ...], continuous: tuple[str, ...],
                 ranges: dict[str, tuple[float, float]], channels: tuple[int, ...] = CHANNELS,
                 convs_per_stage: tuple[int, ...] = CONVS_PER_STAGE,
                 internal_resolution: int = INTERNAL_RESOLUTION) -> None:
        super().__init__()
        if internal_resolution % 2 ** (len(channels) - 1):
            raise ValueError(f"{len(channels)} stages halve {internal_resolution}² {len(channels) - 1} times: "
                             "it must be divisible by that.")
        self.internal_resolution = int(internal_resolution)
        self.binary, self.continuous = tuple(binary), tuple(continuous)
        self.ranges = {k: (float(v[0]), float(v[1])) for k, v in ranges.items()}
        missing = [c for c in self.continuous if c not in self.ranges]
        if missing:
            raise ValueError(f"ranges lacks the continuous factors {missing}.")
        self.channels, self.convs_per_stage = tuple(channels), tuple(convs_per_stage)
        stages, cin = [], 3
        for cout, convs in zip(self.channels, self.convs_per_stage, strict=True):
            stages.append(nn.Sequential(*[_conv_block(cin if i == 0 else cout, cout) for i in range(convs)]))
            cin = cout
        self.stages = nn.ModuleList(stages)
        self.head = nn.Linear(cin, len(self.binary) + len(self.continuous))
        self.name = "domain-net"  # set to "domain-net-<sha8>" when loaded from shipped weights

    @property
    def feature_dim(self) -> int:
        return sum(self.channels)

    def stage_activations(self, images: torch.Tensor) -> list[torch.Tensor]:
        """The stages' activations ``[N, C_l, R/2^l, R/2^l]`` (before each stage's pooling; R the network's
        ``internal_resolution``). Images larger than R are shrunk, and a ``JudgeResolutionWarning`` says so."""
        size = self.internal_resolution
        if images.ndim == 4 and images.shape[-1] > size:
            warnings.warn(JudgeResolutionWarning(
                f"the domain network judges {images.shape[-1]}² images at {size}² (area-averaged): "
                f"it does not see detail finer than {size}²"), stacklevel=2)
        x = to_internal_size(images.float(), size)
        out = []
        for i, stage in enumerate(self.stages):
            if i > 0:
                x = F.avg_pool2d(x, 2)
            x = stage(x)
            out.append(x)
        return out

    def forward(self, images: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        pooled = self.stage_activations(images)[-1].mean(dim=(2, 3))  # [N, C_last]
        out = self.head(pooled)
        nb = len(self.binary)
        return out[:, :nb], out[:, nb:]

    @torch.no_grad()
    def features(self, images: torch.Tensor) -> torch.Tensor:
        """FID features ``[N, sum(channels)]``: each stage's spatial mean, concatenated."""
        return torch.cat([a.mean(dim=(2, 3)) for a in self.stage_activations(images)], dim=1)

    def distance_activations(self, images: torch.Tensor) -> list[torch.Tensor]:
        """The stages the LPIPS-style distance compares, those at ``DISTANCE_MAX_RESOLUTION``² and below:
        ``[N, C_l, r_l, r_l]`` with r_l = 32, 16, 8, 4 for either judge."""
        return [a for a in self.stage_activations(images) if a.shape[-1] <= DISTANCE_MAX_RESOLUTION]

    @torch.no_grad()
    def distance(self, img0: torch.Tensor, img1: torch.Tensor) -> torch.Tensor:
        """LPIPS-style ``[N]`` distances: Σ_l mean_hw ‖f̂_l(x₀) − f̂_l(x₁)‖² with unit-normalised channels, over
        the stages of ``distance_activations``."""
        if img0.shape != img1.shape:
            raise ValueError(f"distance needs two batches of one shape, got {tuple(img0.shape)}, "
                             f"{tuple(img1.shape)}.")
        acts = self.distance_activations(torch.cat([img0, img1]))
        total = torch.zeros(img0.shape[0], device=img0.device)
        for a in acts:
            f0, f1 = (a / (a.square().sum(dim=1, keepdim=True).sqrt() + 1e-10)).chunk(2)  # f̂ = f / ‖f‖
            total += (f0 - f1).square().sum(dim=1).mean(dim=(1, 2))
        return total

    @torch.no_grad()
    def predict(self, images: torch.Tensor) -> dict[str, torch.Tensor]:
        """``{factor: [N]}``: P(factor = 1) for binary factors, the value in [low, high] for continuous
        ones."""
        logits, cont = self(images)
        out = {name: torch.sigmoid(logits[:, i]) for i, name in enumerate(self.binary)}
        for i, name in enumerate(self.continuous):
            low, high = self.ranges[name]
            out[name] = low + cont[:, i].clamp(0, 1) * (high - low)
        return out

    def architecture(self) -> dict:
        """The plain config that rebuilds this network (stored in ``domain_net.json``)."""
        return dict(binary=list(self.binary), continuous=list(self.continuous),
                    ranges={k: list(v) for k, v in self.ranges.items()}, channels=list(self.channels),
                    convs_per_stage=list(self.convs_per_stage),
                    internal_resolution=self.internal_resolution)


def weights_dir() -> Path:
    """``sgan/weights``, where the shipped domain network lives."""
    return Path(str(resources.files("sgan") / "weights"))


def save_domain_net(net: DomainNet, directory: str | os.PathLike, report: dict) -> Path:
    """Write ``domain_net.pt`` (float16 state dict) and ``domain_net.json`` (architecture + ``report``), or
    ``domain_net_64.*`` for the 64² judge (``weights_names``), each atomically; returns the weights path."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    weights_name, config_name = weights_names(net.internal_resolution)
    state = {k: (v.half() if v.is_floating_point() else v) for k, v in net.state_dict().items()}
    path = directory / weights_name
    tmp = path.with_suffix(".pt.tmp")
    torch.save(state, tmp)
    os.replace(tmp, path)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    meta = dict(architecture=net.architecture(), sha256=digest, **report)
    tmp = directory / (config_name + ".tmp")
    tmp.write_text(json.dumps(meta, indent=2, sort_keys=True) + "\n")
    os.replace(tmp, directory / config_name)
    return path


def _warn_if_stale(meta: dict, retrain: str) -> None:
    """Warn when the judge of ``meta`` was trained on another renderer version (``retrain``: the command)."""
    trained_on = meta.get("training", {}).get("renderer_version")
    if trained_on != synthetic_faces.RENDERER_VERSION:
        warnings.warn(f"The domain network was trained on synthetic faces of renderer version {trained_on}; "
                      f"the renderer is now version {synthetic_faces.RENDERER_VERSION}. Retrain it with "
                      f"`{retrain}` so that its features and labels stay valid.", stacklevel=3)


def judge_resolution(resolution: int | None = None) -> int:
    """The internal resolution of the judge for images of ``resolution``² (None: the 32² judge): the smallest
    judge that sees them whole (16², 32² -> 32; 64² -> 64), else the largest (which shrinks them, and says so)."""
    if resolution is None:
        return INTERNAL_RESOLUTION
    if resolution < 1:
        raise ValueError(f"resolution={resolution}: images have at least one pixel.")
    return next((r for r in JUDGES if r >= resolution), JUDGES[-1])


def judge_name(internal_resolution: int, digest: str) -> str:
    """The judge's id in every result and cache key: ``domain-net-<sha8>`` for the 32² judge (as ever),
    ``domain-net-64-<sha8>`` for the 64² one."""
    if internal_resolution == INTERNAL_RESOLUTION:
        return f"domain-net-{digest[:8]}"
    return f"domain-net-{internal_resolution}-{digest[:8]}"


def load_domain_net(device: str | torch.device | None = None,
                    directory: str | os.PathLike | None = None, resolution: int | None = None) -> DomainNet:
    """The shipped judge for images of ``resolution``² (``judge_resolution``: the 32² judge for 16² and 32²
    images and when None, the 64² judge for 64²), or the one saved in ``directory``, eval mode, float32, on
    ``device`` (default: the run's device, ``sgan.training.device.run_device()``)."""
    internal = judge_resolution(resolution)
    directory = Path(directory) if directory is not None else weights_dir()
    weights_name, config_name = weights_names(internal)
    path, config = directory / weights_name, directory / config_name
    retrain = "python scripts/train_domain_net.py" + ("" if internal == INTERNAL_RESOLUTION
                                                       else f" --internal-resolution {internal}")
    if not path.is_file() or not config.is_file():
        raise FileNotFoundError(
            f"The {internal}² domain network's weights are missing ({path}, {config}). They ship with sgan; "
            f"rebuild them with `{retrain}` (about ten to twenty minutes on one CPU core)."
        )
    meta = json.loads(config.read_text())
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    if digest != meta["sha256"]:
        raise ValueError(f"{path} does not match {config} (sha256 {digest[:8]} vs {meta['sha256'][:8]}): "
                         f"retrain with `{retrain}`.")
    _warn_if_stale(meta, retrain)
    arch = meta["architecture"]
    with torch.device("cpu"):  # built where its weights are read, whatever the default device; moved below
        net = DomainNet(tuple(arch["binary"]), tuple(arch["continuous"]), arch["ranges"], tuple(arch["channels"]),
                        tuple(arch["convs_per_stage"]), arch.get("internal_resolution", INTERNAL_RESOLUTION))
    state = torch.load(path, map_location="cpu", weights_only=True)
    net.load_state_dict({k: v.float() if v.is_floating_point() else v for k, v in state.items()})
    net.name = judge_name(net.internal_resolution, digest)
    net.requires_grad_(False)
    return net.eval().to(run_device() if device is None else resolve_device(device))
