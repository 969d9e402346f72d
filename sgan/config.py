"""Configurations: the paper's switches (presets A–F) and the size profiles (smoke, cpu, gpu, paper).

Two frozen dataclasses, both JSON round-trippable:

* ``ModelConfig`` holds the paper's switches (Table 1 of Karras et al. 2019) and the network sizes.
  The presets "A".."F" differ only where Table 1 says they differ (the official code's switches,
  github.com/NVlabs/stylegan ``train.py`` and ``training/networks_stylegan.py``).
* ``TrainConfig`` holds the training procedure: schedule, batch and learning-rate tables, EMA, loss weights,
  metric sample counts.

A *profile* fixes sizes and budgets for a machine (``smoke`` for CI, ``cpu`` for a laptop, ``gpu`` for one
GPU, ``paper`` for the official values; ``sgan.profiles``). ``make_config("F", "cpu", r1_gamma=10.0)``
resolves a preset, a profile and keyword overrides into a ``RunConfig``; an unknown field (``lr=0.002``) is
an error that names the known ones.
"""

from __future__ import annotations

import dataclasses
import json
import math
import numbers
from dataclasses import dataclass, field, fields
from typing import Any

from sgan.profiles import PROFILES
from sgan.training.device import DeviceError, check_device_name

RESAMPLE_KINDS = ("nearest", "bilinear")  # sgan.nn.resample's kinds
LOSS_KINDS = ("wgan_gp", "ns_r1")
BLUR_TARGETS = ("GD", "G", "D")
FEATURE_NETWORKS = ("auto", "inception", "domain")  # sgan.metrics.features: FID's feature networks


class ConfigError(ValueError):
    """A configuration that names an unknown option or an impossible combination."""


def is_power_of_two(n: int) -> bool:
    return isinstance(n, int) and n > 0 and (n & (n - 1)) == 0


def check_resolution(value: Any, low: int = 4, high: int = 1024, name: str = "resolution", high_is: str = "") -> int:
    """``value`` as an int if it is a power of two in [``low``, ``high``], else a ``ConfigError`` (a ValueError)
    naming ``name`` and the range (``high_is`` says what the top is, e.g. "the network's resolution"). The one
    check of every resolution: configs, data sets, and the generator's and discriminator's ``resolution=``."""
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        value = int(value)  # numpy integers too
    if not is_power_of_two(value) or not low <= value <= high:
        top = f"{high_is} {high}" if high_is else f"{high}"
        raise ConfigError(f"{name}={value!r} must be a power of two between {low} and {top} (e.g. 32 or 64).")
    return value


@dataclass(frozen=True)
class ModelConfig:
    """The generator and discriminator: the paper's switches and the network sizes.

    Defaults are config F at the paper's size (1024², 512 channels, 8-layer mapping).
    """

    name: str = "F"
    # --- the paper's switches (Table 1) ---
    use_styles: bool = True  # C: AdaIN styles from w after every conv (off: w feeds only the input layer)
    mapping_layers: int = 8  # C: depth of the mapping MLP z -> w (0 = identity, w = normalised z)
    const_input: bool = True  # D: synthesis starts from a learned constant 4x4 (off: dense layer from the latent)
    use_noise: bool = True  # E: per-pixel noise inputs after each conv
    style_mixing_prob: float = 0.9  # F: mixing regularization probability during training
    use_pixel_norm: bool = False  # A, B: pixel norm after each conv of G (ProGAN)
    use_instance_norm: bool = True  # C on: instance norm before each style modulation
    resample: str = "bilinear"  # "nearest": nearest up / box down (A); "bilinear": + [1,2,1] blur (B on)
    loss: str = "ns_r1"  # "wgan_gp" (A, CelebA-HQ) or "ns_r1" (non-saturating logistic + R1; FFHQ B-F)
    # not a paper switch: which networks get the blur of resample="bilinear" ("GD", as officially; "G" or "D"
    # alone takes config B's tuning apart, the "b_tuning" study of sgan.studies.sweep)
    blur_in: str = "GD"
    # --- sizes ---
    resolution: int = 1024  # final output resolution
    z_dim: int = 512
    w_dim: int = 512
    mapping_width: int = 512  # hidden width of the mapping MLP
    fmap_base: int = 8192  # channels at a stage: min(fmap_base / 2^(stage * fmap_decay), fmap_max)
    fmap_decay: float = 1.0
    fmap_max: int = 512
    image_channels: int = 3
    mapping_lrmul: float = 0.01  # mapping network learning-rate multiplier
    mbstd_group_size: int = 4  # minibatch standard deviation group size
    mbstd_features: int = 1
    truncation_psi: float = 0.7  # inference only; never used for training or metrics
    truncation_cutoff: int = 8  # truncate layers [0, cutoff): 4x4 to 32x32
    w_avg_beta: float = 0.995  # w_avg <- lerp(batch mean of w, w_avg, beta)

    def __post_init__(self) -> None:
        _check_types(self)
        check_resolution(self.resolution, low=8)
        if self.resample not in RESAMPLE_KINDS:
            raise ConfigError(f"resample={self.resample!r}: choose one of {RESAMPLE_KINDS}.")
        if self.blur_in not in BLUR_TARGETS:
            raise ConfigError(f"blur_in={self.blur_in!r}: choose one of {BLUR_TARGETS} (the networks that blur).")
        if self.blur_in != "GD" and self.resample != "bilinear":
            raise ConfigError(f"blur_in={self.blur_in!r} needs resample='bilinear' (with 'nearest' nothing blurs).")
        if self.loss not in LOSS_KINDS:
            raise ConfigError(f"loss={self.loss!r}: choose one of {LOSS_KINDS}.")
        if not isinstance(self.mapping_layers, int) or self.mapping_layers < 0:
            raise ConfigError(f"mapping_layers={self.mapping_layers!r} must be an integer >= 0 (0, 1, 2 or 8).")
        if not 0.0 <= self.style_mixing_prob <= 1.0:
            raise ConfigError(f"style_mixing_prob={self.style_mixing_prob!r} must lie in [0, 1].")
        if self.const_input and not self.use_styles:
            raise ConfigError(
                "const_input=True needs use_styles=True: a constant input with no styles would ignore the latent. "
                "Use const_input=False for a traditional generator."
            )
        if self.style_mixing_prob > 0 and not self.use_styles:
            raise ConfigError(
                "style_mixing_prob > 0 needs use_styles=True: mixing swaps per-layer styles, "
                "which a traditional generator does not have."
            )
        if self.mapping_layers == 0 and self.w_dim != self.z_dim:
            raise ConfigError(
                f"mapping_layers=0 makes w the normalised z, so w_dim ({self.w_dim}) must equal z_dim ({self.z_dim})."
            )
        for name in ("z_dim", "w_dim", "mapping_width", "fmap_base", "fmap_max", "image_channels"):
            if getattr(self, name) < 1:
                raise ConfigError(f"{name}={getattr(self, name)!r} must be positive.")
        if self.mbstd_group_size < 1 or self.mbstd_features < 1:
            raise ConfigError("mbstd_group_size and mbstd_features must be >= 1.")

    # --- derived sizes ---
    @property
    def log2_resolution(self) -> int:
        return int(math.log2(self.resolution))

    @property
    def num_layers(self) -> int:
        """Synthesis layers (= per-layer latents): two per resolution from 4² (18 at 1024²)."""
        return 2 * (self.log2_resolution - 1)

    def channels_at(self, resolution: int) -> int:
        """Feature maps at a resolution: the official ``nf(stage) = min(fmap_base / 2^(stage·decay), fmap_max)``."""
        check_resolution(resolution)
        stage = int(math.log2(resolution)) - 1  # 4x4 is stage 1
        return max(1, min(int(self.fmap_base / (2.0 ** (stage * self.fmap_decay))), self.fmap_max))

    @property
    def resolutions(self) -> tuple[int, ...]:
        return tuple(2**k for k in range(2, self.log2_resolution + 1))


# Table 1 of the paper, as the official train.py switches. Presets differ only in these fields.
# Every preset shares one training procedure (TrainConfig: StyleGAN's schedule from 8², 25M images, lr 0.001 up
# to 64² then up to 0.003), config A included. This departs from the paper for A, which is ProGAN as published
# (grown from 4², 12M images, lr 0.001, 0.0015 at 1024²): there, part of B's "tuning" is the longer schedule and
# tuned hyperparameters. Here A -> B changes exactly the resampling and the loss, so B's gain (or loss) is theirs.
_PAPER_SWITCHES: dict[str, dict[str, Any]] = {
    "A": dict(  # Progressive GAN baseline
        use_styles=False, mapping_layers=0, const_input=False, use_noise=False, style_mixing_prob=0.0,
        use_pixel_norm=True, use_instance_norm=False, resample="nearest", loss="wgan_gp",
    ),
    "B": dict(  # + tuning: bilinear up/down, non-saturating loss + R1 (FFHQ)
        use_styles=False, mapping_layers=0, const_input=False, use_noise=False, style_mixing_prob=0.0,
        use_pixel_norm=True, use_instance_norm=False, resample="bilinear", loss="ns_r1",
    ),
    "C": dict(  # + mapping network and styles (traditional input still fed from w)
        use_styles=True, mapping_layers=8, const_input=False, use_noise=False, style_mixing_prob=0.0,
        use_pixel_norm=False, use_instance_norm=True, resample="bilinear", loss="ns_r1",
    ),
    "D": dict(  # + learned constant input
        use_styles=True, mapping_layers=8, const_input=True, use_noise=False, style_mixing_prob=0.0,
        use_pixel_norm=False, use_instance_norm=True, resample="bilinear", loss="ns_r1",
    ),
    "E": dict(  # + noise inputs
        use_styles=True, mapping_layers=8, const_input=True, use_noise=True, style_mixing_prob=0.0,
        use_pixel_norm=False, use_instance_norm=True, resample="bilinear", loss="ns_r1",
    ),
    "F": dict(  # + mixing regularization (90%)
        use_styles=True, mapping_layers=8, const_input=True, use_noise=True, style_mixing_prob=0.9,
        use_pixel_norm=False, use_instance_norm=True, resample="bilinear", loss="ns_r1",
    ),
}
PRESETS = tuple(_PAPER_SWITCHES)
PAPER_SWITCH_FIELDS = tuple(_PAPER_SWITCHES["F"])


def preset(name: str, **sizes: Any) -> ModelConfig:
    """The paper's config ``name`` ("A".."F") at the paper's size, or with the given size fields."""
    if name not in _PAPER_SWITCHES:
        raise ConfigError(f"Unknown config {name!r}: choose one of {', '.join(PRESETS)}.")
    bad = sorted(set(sizes) & set(PAPER_SWITCH_FIELDS))
    if bad:
        raise ConfigError(f"preset() takes sizes only; {bad} are paper switches: use dataclasses.replace().")
    return _build(ModelConfig, dict(name=name, **_PAPER_SWITCHES[name], **sizes))


@dataclass(frozen=True)
class TrainConfig:
    """The training procedure. Defaults are the official FFHQ values (paper Appendix C; official ``train.py`` and
    ``training/training_loop.py``; ``PAPER_VALUES`` cites each one a profile departs from)."""

    seed: int = 0
    start_resolution: int = 8  # progressive growing starts here (official: 8)
    fade_kimg: float = 600.0  # images (thousands) fading in each new resolution
    stable_kimg: float = 600.0  # images (thousands) at each resolution once faded in
    total_kimg: float = 25000.0  # FFHQ: 25M images (ProGAN baseline: 12M)
    # minibatch per resolution (1 GPU official table); resolutions above the last key use the last value
    batch_sizes: tuple[tuple[int, int], ...] = ((4, 128), (8, 128), (16, 128), (32, 64), (64, 32), (128, 16),
                                                (256, 8), (512, 4), (1024, 4))
    learning_rates: tuple[tuple[int, float], ...] = ((4, 0.001), (8, 0.001), (16, 0.001), (32, 0.001),
                                                     (64, 0.001), (128, 0.0015), (256, 0.002), (512, 0.003),
                                                     (1024, 0.003))
    adam_betas: tuple[float, float] = (0.0, 0.99)
    adam_eps: float = 1e-8
    r1_gamma: float = 10.0  # R1 weight (ns_r1), applied every step
    wgan_lambda: float = 10.0  # gradient penalty weight (wgan_gp)
    wgan_epsilon: float = 0.001  # drift penalty (wgan_gp)
    wgan_target: float = 1.0
    ema_kimg: float = 10.0  # EMA half-life in thousands of images
    mirror: bool = True  # horizontal mirror augmentation
    tick_kimg: float = 160.0  # log, grid and checkpoint every tick
    grid_size: int = 16  # images in the fixed-latent grid written every tick
    checkpoint_ticks: int = 1
    # the learning curve: FID of G_ema at every tick (0: off), with this feature network ("domain": sgan's own,
    # cheap and offline; "inception" / "auto" for real photographs). The paper reports the best FID seen.
    tick_fid_samples: int = 0
    tick_fid_features: str = "domain"
    # metric sample counts (metric names carry these, e.g. fid50k)
    fid_samples: int = 50000
    ppl_samples: int = 100000
    ls_samples: int = 200000
    # optional speed paths (off: the plain fp32 path that teaches)
    amp_bf16: bool = False
    channels_last: bool = False
    compile: bool = False
    device: str = "auto"  # "auto" = cuda when available, else cpu
    num_threads: int = 0  # 0: leave torch's default

    def __post_init__(self) -> None:
        _check_types(self)
        check_resolution(self.start_resolution, name="start_resolution")
        for name in ("fade_kimg", "stable_kimg", "total_kimg", "ema_kimg", "tick_kimg"):
            if getattr(self, name) < 0:
                raise ConfigError(f"{name}={getattr(self, name)!r} must be >= 0.")
        if not isinstance(self.tick_fid_samples, int) or self.tick_fid_samples < 0:
            raise ConfigError(f"tick_fid_samples={self.tick_fid_samples!r} must be an integer >= 0 (0: no "
                              "learning curve; e.g. 2000).")
        if self.tick_fid_features not in FEATURE_NETWORKS:
            raise ConfigError(f"tick_fid_features={self.tick_fid_features!r}: choose one of {FEATURE_NETWORKS}.")
        for name in ("grid_size", "checkpoint_ticks"):
            if getattr(self, name) < 1:
                raise ConfigError(f"{name}={getattr(self, name)!r} must be >= 1.")
        if self.num_threads < 0:
            raise ConfigError(f"num_threads={self.num_threads!r} must be >= 0 (0: torch's default).")
        try:
            check_device_name(self.device)
        except DeviceError as exc:
            raise ConfigError(str(exc)) from None
        object.__setattr__(self, "batch_sizes", _table(self.batch_sizes, int, "batch_sizes"))
        object.__setattr__(self, "learning_rates", _table(self.learning_rates, float, "learning_rates"))
        object.__setattr__(self, "adam_betas", tuple(float(b) for b in self.adam_betas))

    def batch_at(self, resolution: int) -> int:
        return _lookup(self.batch_sizes, resolution)

    def lr_at(self, resolution: int) -> float:
        return _lookup(self.learning_rates, resolution)


def _table(rows: Any, kind: type, name: str) -> tuple:
    try:
        out = tuple(sorted((int(r), kind(v)) for r, v in rows))
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"{name} must be pairs (resolution, value), e.g. ((8, 128), (16, 64)): {exc}") from None
    if not out:
        raise ConfigError(f"{name} must not be empty.")
    bad = [(r, v) for r, v in out if not (math.isfinite(v) and v > 0)]
    if bad:
        raise ConfigError(f"{name} must hold positive values, got {bad}.")
    return out


_SCALARS = {"int": int, "float": float, "bool": bool, "str": str}


def _check_types(config: Any) -> None:
    """Every scalar field has its declared type (an int is accepted for a float and converted) and every float
    is finite: ``total_kimg="abc"``, ``mirror="maybe"`` or ``fade_kimg=nan`` fail here, naming the field."""
    for f in dataclasses.fields(config):
        kind = _SCALARS.get(str(f.type))
        if kind is None:
            continue
        value = getattr(config, f.name)
        ok = isinstance(value, kind) and (kind is bool or not isinstance(value, bool))
        if kind is float and isinstance(value, int) and not isinstance(value, bool):
            object.__setattr__(config, f.name, float(value))
            ok = True
        if not ok:
            raise ConfigError(f"{f.name}={value!r} must be {'an' if kind is int else 'a'} {f.type}, e.g. "
                              f"{f.name}={f.default!r}.")
        if kind is float and not math.isfinite(value):
            raise ConfigError(f"{f.name}={value!r} must be a finite number.")


def _lookup(table: tuple, resolution: int) -> Any:
    value = table[0][1]
    for res, v in table:
        if res <= resolution:
            value = v
    return value


@dataclass(frozen=True)
class RunConfig:
    """Everything a run needs: the model, the training procedure, and the profile they came from."""

    model: ModelConfig = field(default_factory=ModelConfig)
    train: TrainConfig = field(default_factory=TrainConfig)
    profile: str = "paper"

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, sort_keys=True)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RunConfig:
        _reject_unknown(data, {"model", "train", "profile"}, "RunConfig")
        return cls(
            model=_build(ModelConfig, data.get("model", {})),
            train=_build(TrainConfig, data.get("train", {})),
            profile=data.get("profile", "paper"),
        )

    @classmethod
    def from_json(cls, text: str) -> RunConfig:
        return cls.from_dict(json.loads(text))

    def with_overrides(self, **overrides: Any) -> RunConfig:
        """This config with flat ``ModelConfig`` / ``TrainConfig`` field overrides (``make_config``'s keys)."""
        model_fields = {f.name for f in fields(ModelConfig)} - {"name"}
        train_fields = {f.name for f in fields(TrainConfig)}
        _reject_unknown(overrides, model_fields | train_fields, "config")
        return RunConfig(
            model=dataclasses.replace(self.model, **{k: v for k, v in overrides.items() if k in model_fields}),
            train=dataclasses.replace(self.train, **{k: v for k, v in overrides.items() if k in train_fields}),
            profile=self.profile)

    def differences(self, other: RunConfig) -> list[str]:
        """Dotted names of the fields that differ, e.g. ``["model.use_noise", "train.seed"]``."""
        return list(self.changes_from(other))

    def changes_from(self, other: RunConfig) -> dict[str, tuple[Any, Any]]:
        """``{dotted name: (other's value, this config's value)}`` of the fields that differ, sorted by name;
        values as JSON data (tuples become lists)."""
        a, b = _flatten(other.to_dict()), _flatten(self.to_dict())
        return {k: tuple(json.loads(x) if x is not None else None for x in (a.get(k), b.get(k)))
                for k in sorted(a.keys() | b.keys()) if a.get(k) != b.get(k)}


def _flatten(d: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in d.items():
        key = f"{prefix}{k}"
        if isinstance(v, dict):
            out.update(_flatten(v, key + "."))
        else:
            out[key] = json.dumps(v)  # tuples and lists compare equal after a JSON round trip
    return out


def _reject_unknown(data: dict[str, Any], known: set[str], what: str) -> None:
    unknown = sorted(set(data) - known)
    if unknown:
        raise ConfigError(f"Unknown {what} option(s) {unknown}. Known options: {sorted(known)}.")


def _build(cls: type, data: dict[str, Any]) -> Any:
    _reject_unknown(data, {f.name for f in fields(cls)}, cls.__name__)
    return cls(**data)


# The paper's value of every setting a profile departs from, with its source (Karras, Laine, Aila 2019,
# arXiv:1812.04948, and the official code, github.com/NVlabs/stylegan). Keys are dotted RunConfig fields; the
# defaults of ModelConfig and TrainConfig hold the same values (tests/test_config.py checks that they agree).
PAPER_VALUES: dict[str, tuple[Any, str]] = {
    "model.resolution": (1024, "paper §2, Table 1: FFHQ at 1024²"),
    "model.z_dim": (512, "paper §2: 512-dimensional z"),
    "model.w_dim": (512, "paper §2: 512-dimensional w"),
    "model.mapping_width": (512, "paper §2 / networks_stylegan.py: mapping layers 512 wide"),
    "model.fmap_base": (8192, "networks_stylegan.py fmap_base=8192 (512 channels up to 32², halving above)"),
    "model.fmap_max": (512, "networks_stylegan.py fmap_max=512"),
    "model.truncation_cutoff": (8, "paper Appendix B / networks_stylegan.py truncation_cutoff=8 (4²-32²)"),
    "train.total_kimg": (25000.0, "paper Appendix C / train.py total_kimg=25000 (25M images)"),
    "train.fade_kimg": (600.0, "training_loop.py lod_transition_kimg=600"),
    "train.stable_kimg": (600.0, "training_loop.py lod_training_kimg=600"),
    "train.batch_sizes": (TrainConfig().batch_sizes, "train.py sched.minibatch_dict (one GPU)"),
    "train.learning_rates": (TrainConfig().learning_rates, "paper Appendix C / train.py sched.G_lrate_dict"),
    "train.r1_gamma": (10.0, "paper Appendix C / train.py D_loss r1_gamma=10"),
    "train.ema_kimg": (10.0, "training_loop.py G_smoothing_kimg=10 (EMA half-life)"),
    "train.fid_samples": (50000, "paper §2 / Table 1: FID on 50k images"),
    "train.ppl_samples": (100000, "paper §4.1: PPL over 100k samples"),
    "train.ls_samples": (200000, "paper §4.2: separability of 200k images"),
}
PAPER_TRAIN = {k.split(".", 1)[1]: v for k, v in PAPER_VALUES.items() if k.startswith("train.")}


def _show(value: Any) -> str:
    """A setting as a learner reads it: ``1024``, ``0.0025``, a per-resolution table as ``8²: 16, 32²: 16``."""
    if isinstance(value, (list, tuple)) and value and isinstance(value[0], (list, tuple)):
        values = {v for _, v in value}
        return f"{next(iter(values)):g}" if len(values) == 1 else ", ".join(f"{r}²: {v:g}" for r, v in value)
    return f"{value:g}" if isinstance(value, (int, float)) and not isinstance(value, bool) else str(value)


def departures(profiles: tuple[str, ...] = ("smoke", "cpu", "cpu-long", "gpu")) -> list[dict[str, str]]:
    """Rows of a table: every setting of ``PAPER_VALUES`` that one of ``profiles`` changes, the paper's value with
    its source, and each profile's value ("= paper" where it keeps it). Read from the resolved configs of F."""
    resolved = {p: make_config("F", p) for p in profiles}
    paper_model = ModelConfig()

    def channels(m: ModelConfig) -> str:
        return "/".join(str(m.channels_at(r)) for r in m.resolutions)

    rows = [{"setting": "channels (4² upwards)", "paper": channels(paper_model),
             "source": "paper §2 / networks_stylegan.py nf(): 512 up to 32², halving at each resolution above",
             **{p: channels(cfg.model) for p, cfg in resolved.items()}}]
    for key, (paper, source) in PAPER_VALUES.items():
        part, name = key.split(".")
        values = {p: getattr(getattr(cfg, part), name) for p, cfg in resolved.items()}
        if all(_show(v) == _show(paper) for v in values.values()):
            continue
        rows.append({"setting": name, "paper": _show(paper), "source": source,
                     **{p: "= paper" if _show(v) == _show(paper) else _show(v) for p, v in values.items()}})
    return rows


def make_config(config: str = "F", profile: str = "cpu", **overrides: Any) -> RunConfig:
    """Resolve a paper preset, a profile and flat keyword overrides into a ``RunConfig``.

    ``overrides`` name fields of ``ModelConfig`` or ``TrainConfig`` directly (``lr`` is not a field:
    use ``learning_rates``); a paper switch may be overridden too (e.g. ``style_mixing_prob=0.5`` for the
    Table 2 sweep), and the resulting config keeps the preset's name with the change recorded in it.
    """
    if profile not in PROFILES:
        raise ConfigError(f"Unknown profile {profile!r}: choose one of {', '.join(PROFILES)}.")
    model_fields = {f.name for f in fields(ModelConfig)} - {"name"}
    train_fields = {f.name for f in fields(TrainConfig)}
    _reject_unknown(overrides, model_fields | train_fields, "config")
    base = preset(config)
    model_kw = {**PROFILES[profile]["model"], **{k: v for k, v in overrides.items() if k in model_fields}}
    train_kw = {**PROFILES[profile]["train"], **{k: v for k, v in overrides.items() if k in train_fields}}
    model = dataclasses.replace(base, **model_kw)
    train = TrainConfig(**train_kw)
    if train.start_resolution > model.resolution:
        raise ConfigError(
            f"start_resolution={train.start_resolution} is above resolution={model.resolution}: "
            "lower start_resolution or raise resolution."
        )
    return RunConfig(model=model, train=train, profile=profile)
