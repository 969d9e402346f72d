"""Progressive growing: which resolution, fade-in α, minibatch and learning rate at each point of training.

ProGAN (Karras et al. 2018, §3) and StyleGAN grow both networks from ``start_resolution`` to the final one.
Each new resolution gets ``stable_kimg`` thousand images at the previous resolution, then ``fade_kimg``
thousand images while the new layers fade in (the official ``training_schedule`` with ``lod_training_kimg``
and ``lod_transition_kimg``):

    phase  = ⌊kimg / (stable_kimg + fade_kimg)⌋                        (resolutions grown so far)
    lod    = log2(R / start) − phase − max(kimg − phase·(stable + fade) − stable, 0) / fade,  clipped at 0
    r      = R / 2^⌊lod⌋                                                (the networks' current resolution)
    α      = 1 − (lod − ⌊lod⌋)                                          (linear in images shown during a fade)

so ``r`` jumps to the new resolution when its fade starts and α ramps from 0 to 1 over ``fade_kimg``. The
minibatch and learning rate are looked up at ``r`` (``TrainConfig.batch_at`` / ``lr_at``). The official code
resets both Adam states whenever ⌊lod⌋ or ⌈lod⌉ changes, i.e. when a fade starts *and* when it ends; the
``stage`` of a ``Phase`` changes exactly there (``(r, fading)``), and the training loop resets Adam then.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from sgan.config import ConfigError, TrainConfig, is_power_of_two


@dataclass(frozen=True)
class Phase:
    """Where training stands after ``kimg`` thousand images: what the next minibatch is trained with."""

    resolution: int  # the networks' current output / input resolution
    alpha: float  # fade-in weight of the newest resolution, 1.0 once faded in
    batch: int  # global minibatch (all ranks together)
    lr: float  # Adam learning rate of G and D
    lod: float  # the official level of detail: log2(R / resolution) + (1 − α)

    @property
    def fading(self) -> bool:
        return self.alpha < 1.0

    @property
    def stage(self) -> tuple[int, bool]:
        """Changes when a fade starts or ends: Adam is reset there (official ``reset_opt_for_new_lod``)."""
        return (self.resolution, self.fading)


def level_of_detail(kimg: float, train: TrainConfig, resolution: int) -> float:
    """The official ``lod``: 0 at the final resolution, +1 per halving, fractional during a fade."""
    if not is_power_of_two(resolution) or resolution < train.start_resolution:
        raise ConfigError(
            f"final resolution {resolution} must be a power of two >= "
            f"start_resolution={train.start_resolution}."
        )
    if kimg < 0:
        raise ValueError(f"kimg={kimg!r} must be >= 0.")
    grow = math.log2(resolution) - math.log2(train.start_resolution)  # resolutions still to grow
    phase_kimg = train.stable_kimg + train.fade_kimg
    if phase_kimg == 0:  # departs from the official code (which then never grows): start at the end
        return 0.0
    phase = math.floor(kimg / phase_kimg)
    into_phase = kimg - phase * phase_kimg
    # lod = grow − phase − max(into_phase − stable, 0) / fade
    lod = grow - phase
    if train.fade_kimg > 0:
        lod -= max(into_phase - train.stable_kimg, 0.0) / train.fade_kimg
    return max(lod, 0.0)


def view_of(lod: float, resolution: int) -> tuple[int, float]:
    """``(r, α)``: the resolution and fade-in weight at which a network grown to ``resolution`` renders ``lod``.

    >>> view_of(1.25, 32)   # three quarters of the way through the fade-in of 16²
    (16, 0.75)
    """
    if lod < 0:
        raise ValueError(f"lod={lod!r} must be >= 0.")
    # r = R / 2^⌊lod⌋ ;  α = 1 − (lod − ⌊lod⌋)
    return resolution >> math.floor(lod), 1.0 - (lod - math.floor(lod))


def schedule(kimg: float, train: TrainConfig, resolution: int) -> Phase:
    """The phase of training after ``kimg`` thousand images, growing to ``resolution`` (the final one).

    >>> from sgan.config import TrainConfig
    >>> schedule(900.0, TrainConfig(start_resolution=8), 32)   # halfway through the fade-in of 16²
    Phase(resolution=16, alpha=0.5, batch=128, lr=0.001, lod=1.5)
    """
    lod = level_of_detail(kimg, train, resolution)
    current, alpha = view_of(lod, resolution)
    return Phase(resolution=current, alpha=alpha, batch=train.batch_at(current), lr=train.lr_at(current),
                 lod=lod)
