"""The profiles: sizes and budgets per machine (``smoke`` for CI, ``cpu`` for a laptop, ``cpu-long``, ``gpu``,
``gpu-dry``, ``paper`` for the official values), and every decision that depends on the profile: the default
one (``$SGAN_PROFILE``, else ``cpu``), how many images each trains on, which learn nothing, which showcase
profile demonstrates an effect. ``sgan.config.make_config`` resolves a profile's entries into a ``RunConfig``.

Each profile departs from the paper on purpose, as its comment says; ``sgan.config.PAPER_VALUES`` gives the
paper's value of every setting a profile changes.
"""

from __future__ import annotations

import os
from typing import Any

from sgan.env import PROFILE_ENV

DEFAULT_PROFILE = "cpu"  # a notebook's or the course's profile without $SGAN_PROFILE or an argument

PROFILES: dict[str, dict[str, dict[str, Any]]] = {
    # CI: seconds per config. Tiny nets at 16², a few hundred images; proves the code runs, learns nothing.
    "smoke": dict(
        model=dict(resolution=16, z_dim=32, w_dim=32, mapping_width=32, fmap_base=64, fmap_max=32,
                   truncation_cutoff=4),
        train=dict(start_resolution=8, fade_kimg=0.128, stable_kimg=0.128, total_kimg=0.512,
                   batch_sizes=((8, 16), (16, 16)), tick_kimg=0.128, grid_size=8,
                   fid_samples=256, tick_fid_samples=256, ppl_samples=128, ls_samples=512, ema_kimg=0.1,
                   num_threads=1),  # tiny tensors: a second thread only adds contention on 2 cores
    ),
    # The course on a laptop (2 cores): all six configs A-F plus metrics inside 30 minutes, i.e. about 5-6
    # minutes of training per config, two at a time. Departs from the paper (1024², 512 channels, 25M images):
    # resolution 32, z_dim = w_dim = mapping_width = 64, fmap_base 256 and fmap_max 64 (channels 64/64/32/16
    # at 4²/8²/16²/32²), fade_kimg = stable_kimg = 2, total_kimg 30, batch_sizes 16 and learning_rates 0.0025
    # (paper: 0.001 at 32²), ema_kimg 1 (a half-life of 1k images, not 10k: 10k would average over the whole
    # run), r1_gamma 1 (paper 10), truncation_cutoff 4 (the 4²-8² layers: the paper's cutoff 8 covers 4²-32²,
    # i.e. the coarse and middle styles; here 8 would be every layer), and metric counts fid_samples 2k,
    # ppl_samples 1k, ls_samples 2k.
    # Chosen from learning curves (FID at every tick, `python -m sgan sweep recipe_search` and `recipe`,
    # results/cpu/), config F, on one core with another run beside it:
    # - r1_gamma: at 10, D's loss sits at 1.2-1.33 (chance: 1.39) and F's fid2k at 36 kimg was 27, 17 and 39
    #   over seeds 0-2 (28.4 ± 11.6); at 1 it was 21, 19 and 21 (20.4 ± 1.6). 0.01, 0.1 let D win (loss
    #   0.3-0.4, fid2k 46-47), 0.3 gave 22, 3 gave 33 (seed 0).
    # - total_kimg: with γ = 1, F's curve falls to ~24 at 30 kimg and ~20 at 36, then stays at 21-28 to
    #   72 kimg; 36 would put the course near its 30 minutes, so 30.
    # - width and budget (`python -m sgan sweep budget`, results/cpu/budget, three seeds, on an Intel Xeon):
    #   64/64/64/32 channels (fmap_base 512) cost ~1.9x per image. With them F's fid2k swings between ~13 and
    #   ~30 up to ~120 kimg, then every seed falls to the target of 12: first at 122-164 kimg (30-40
    #   minutes of one core), best 10.3 ± 1.2 and final 11.6 ± 0.8 at 192 kimg, with open eyes in 75% of its
    #   faces (the data: 76%; the course's F: 42%; `--attributes`). 192 kimg is ~48 minutes of one core per
    #   config, over two hours for the course on 2 cores, so the course keeps 64/64/32/16 and 30 kimg (F's
    #   best fid2k 28.2 ± 4.3 in the same study). Trained at 32² from the start the wide F stayed at 17-20 from 48
    #   to 96 kimg; with the paper's lr 0.001 and EMA half-life 10 kimg it fell smoothly to 15.3 at 114 kimg
    #   and stayed there to 144 (one seed).
    # - unchanged after trials: learning_rates 0.001 (fid2k 27 at 36 kimg, slower), ema_kimg 3 or 6 (26, 28:
    #   smoother, but they lag through every fade-in), minibatch 8 (27) and 32 (worse fid2k for A-D at 18
    #   kimg, an earlier trial: half the steps), 64² with 8 channels there (30 at 30 kimg), growing from 16²
    #   or from 32² (38 and 16 at 36 kimg with γ 10; with γ 1, 32² from the start gave 31 at 36 kimg and 22
    #   at 72; one seed each, inside the seed-to-seed spread above).
    # Config A, with the same schedule, reaches fid2k 11.6 at 36 kimg: at this budget F lags A (notebook 12).
    "cpu": dict(
        model=dict(resolution=32, z_dim=64, w_dim=64, mapping_width=64, fmap_base=256, fmap_max=64,
                   truncation_cutoff=4),
        train=dict(start_resolution=8, fade_kimg=2.0, stable_kimg=2.0, total_kimg=30.0,
                   batch_sizes=((8, 16), (16, 16), (32, 16)), learning_rates=((8, 0.0025),), r1_gamma=1.0,
                   tick_kimg=2.0, grid_size=16, fid_samples=2000, tick_fid_samples=2000, ppl_samples=1000,
                   ls_samples=2000, ema_kimg=1.0,
                   num_threads=1),  # measured: 2 threads gain 1.05x idle and collapse 10-60x under load
    ),
    # The long budget on a laptop (issue 25: does F overtake A when trained longer?): the cpu profile, widened to
    # 64/64/64/32 channels (fmap_base 512) and trained to total_kimg 192, the width and budget at which the
    # budget study's F reached fid2k 10.3 ± 1.2 (results/cpu/budget). Every other value, and so every departure
    # from the paper, is the cpu profile's. About 48 minutes of one core per config on an idle Xeon (up to 90
    # with two runs at a time on a slower machine): `python -m sgan reference --study long`, never the course.
    "cpu-long": dict(),  # filled in below from "cpu"
    # One modern GPU: A-F and the teaching notebooks in an evening (<= 4 hours on one H100-class GPU), large
    # enough for Table 1's ordering to show. Departs from the paper (1024², 512 channels, 25M images):
    # resolution 64, z_dim = w_dim = mapping_width = 256, fmap_base 4096 and fmap_max 256 (256 channels up to
    # 32², 128 at 64²), fade_kimg = stable_kimg = 100 and total_kimg 800 (8² to 64², then 200 kimg at 64²),
    # batch_sizes 64 (32 at 64², the paper's), metric counts fid_samples 10k, ppl_samples 10k, ls_samples 20k,
    # and the speed paths amp_bf16 and channels_last on (tested against the plain path on CPU,
    # tests/test_speed_paths.py; bf16 only where it is native, compute capability >= 8.0: a T4 or V100 trains
    # in fp32 with a warning); compile stays off (one compilation per resolution and config, its gain unmeasured).
    # Cost, counted (`python benchmarks/profile_cost.py --profile gpu`, sgan.studies.flops: matmuls and convolutions,
    # forward and backward, R1's double backward included, the plain fp32 path): a training step costs 69.2
    # GFLOP per image at 64² (B-F: NS loss + R1 every minibatch; A's WGAN-GP 82.9), 34.9 at 32², 8.6 at 16²,
    # 2.0 at 8²; G's forward 4.6 GFLOP per image. Per config 29.7 PFLOP of training (A 35.5) and 1.5 of metrics
    # (the learning curve's 20 × 10k images and the final metrics' 120k); the course, A-F and the notebooks'
    # ~186k images, ~194 PFLOP (results/gpu/cost.json). Time, estimated: those FLOPs at an assumed sustained
    # 20-45 TFLOP/s for the plain path on one H100 (30-67% of its 67 TFLOP/s fp32 peak; not measured, no GPU
    # has run this project yet): 12-31 minutes per config (A the most), 1.2-2.7 hours for the course, before any
    # gain from bf16 and channels-last. A T4 (8.1 TFLOP/s fp32 peak, no bf16), at an assumed 3-5 TFLOP/s: 1.7-3.4 hours
    # per config, 11-18 hours for the course (not an evening: run fewer configs, e.g. `--configs ABF`).
    # Besides: making the 70k faces at 64² once, ~6 minutes of one CPU core (206 faces/s measured on this
    # project's loaded Xeon). The previous size (total_kimg 1000) counted 281 PFLOP: 1.7-3.9 hours, too close to 4.
    # The judge: at 64² every metric (FID, tick FID, PPL's distance, LS, probes, attrs) and the projection loss
    # use the 64² domain network (sgan/weights/domain_net_64.*, a fifth stage at 64²), not the 32² one of the cpu
    # profiles, which shrinks 64² images (sgan/metrics/domain_net.py; results/gpu/judge_64.md): a gpu-profile
    # FID is a different number on a different scale from a cpu-profile FID (its result names its judge).
    "gpu": dict(
        model=dict(resolution=64, z_dim=256, w_dim=256, mapping_width=256, fmap_base=4096, fmap_max=256),
        train=dict(start_resolution=8, fade_kimg=100.0, stable_kimg=100.0, total_kimg=800.0,
                   batch_sizes=((8, 64), (16, 64), (32, 64), (64, 32)), tick_kimg=40.0,
                   fid_samples=10000, tick_fid_samples=10000, ppl_samples=10000, ls_samples=20000,
                   ema_kimg=10.0, amp_bf16=True, channels_last=True),
    ),
    # The official values (several GPUs, weeks).
    "paper": dict(model=dict(), train=dict()),
}


PROFILES["cpu-long"] = dict(model={**PROFILES["cpu"]["model"], "fmap_base": 512},
                           train={**PROFILES["cpu"]["train"], "total_kimg": 192.0})

# The gpu profile's dry run (``make test``, on 2 CPU cores, a minute or two): the gpu profile's resolution (64²),
# layers, latent sizes, schedule (every fade-in and stable phase from 8² to 64², in that order), speed paths,
# device and thread settings, and metric kinds, so that a shape, device or threading bug of the gpu course fails
# CI. Overridden, each down to seconds: the budget (fade_kimg, stable_kimg, total_kimg, tick_kimg, ema_kimg),
# the metric counts (fid_samples, tick_fid_samples, ppl_samples, ls_samples), the minibatch (batch_sizes 4)
# and the channels (fmap_base and fmap_max an eighth of the gpu profile's: 32 channels to 32², 16 at 64²; at
# full width one 64² step of 32 images is ~2.2 TFLOP, about a minute of this project's CPU), and amp_bf16 off
# (bf16 autocast on this CPU trained at 1-3 images/s where fp32 trained at 8-29; the gpu profile's networks
# are stepped with it in tests/test_speed_paths.py).
PROFILES["gpu-dry"] = dict(
    model={**PROFILES["gpu"]["model"], "fmap_base": 512, "fmap_max": 32},
    train={**PROFILES["gpu"]["train"], "fade_kimg": 0.008, "stable_kimg": 0.008, "total_kimg": 0.064,
           "tick_kimg": 0.016, "ema_kimg": 0.01, "batch_sizes": ((8, 4), (16, 4), (32, 4), (64, 4)), "amp_bf16": False,
           "fid_samples": 256, "tick_fid_samples": 256, "ppl_samples": 64, "ls_samples": 256})

# Profiles that prove the code runs and learn nothing (seconds of training): a notebook's checks of what
# training bought (trained beats untrained, W beats Z) are skipped there.
LEARNS_NOTHING = ("smoke", "gpu-dry")

# The showcase: for a learner at the key profile, the profile whose zoo holds the sharpest models of the same
# resolution and data, used by the figures and widgets that demonstrate an effect (sgan.studies.ablation.showcase_run).
SHOWCASE_PROFILES = {"cpu": "cpu-long"}

# How many images of the data set each profile trains on (not a paper value: FFHQ has 70k faces).
DATA_SIZES = {"smoke": 512, "cpu": 10_000, "cpu-long": 10_000, "gpu": 70_000, "gpu-dry": 512, "paper": 70_000}


def check_profile(profile: str) -> str:
    """``profile`` itself when it is one of ``PROFILES``; else a ``ValueError`` that lists them."""
    if profile not in PROFILES:
        raise ValueError(f"Unknown profile {profile!r}: choose one of {', '.join(PROFILES)} "
                         f"(set {PROFILE_ENV} or pass profile=...).")
    return profile


def default_profile() -> str:
    """The profile to use when none is given: ``$SGAN_PROFILE``, else ``DEFAULT_PROFILE`` (not checked)."""
    return os.environ.get(PROFILE_ENV) or DEFAULT_PROFILE
