"""Progressive-growing schedule against the official schedule written out by hand (8² → 32², 600k + 600k)."""

import math

import pytest

from sgan.config import ConfigError, TrainConfig, make_config
from sgan.schedule import level_of_detail, schedule

PAPER = TrainConfig(start_resolution=8)  # stable 600, fade 600 kimg; official batch and lr tables


@pytest.mark.parametrize(
    ("kimg", "resolution", "alpha"),
    [
        (0.0, 8, 1.0),  # stable at the start resolution
        (599.0, 8, 1.0),
        (600.0, 8, 1.0),  # the fade of 16² starts right after 600k images
        (750.0, 16, 0.25),
        (900.0, 16, 0.5),
        (1199.0, 16, 599 / 600),
        (1200.0, 16, 1.0),  # faded in: stable at 16²
        (1799.0, 16, 1.0),
        (2100.0, 32, 0.5),
        (2400.0, 32, 1.0),  # final resolution reached
        (25000.0, 32, 1.0),  # and kept
    ],
)
def test_official_schedule(kimg, resolution, alpha):
    phase = schedule(kimg, PAPER, 32)
    assert phase.resolution == resolution
    assert phase.alpha == pytest.approx(alpha, abs=1e-12)
    assert phase.batch == PAPER.batch_at(resolution)
    assert phase.lr == PAPER.lr_at(resolution)


def test_alpha_is_linear_in_images_during_a_fade():
    for k in range(1, 600, 7):
        phase = schedule(600.0 + k, PAPER, 64)
        assert phase.resolution == 16
        assert phase.alpha == pytest.approx(k / 600.0, abs=1e-12)  # α = images into the fade / fade length


def test_lod_matches_official_formula():
    for kimg in (0.0, 300.0, 650.0, 1000.0, 1300.0, 3100.0, 9999.0):
        phase_idx = math.floor(kimg / 1200.0)
        into = kimg - 1200.0 * phase_idx
        expected = max(7 - 3 - phase_idx - max(into - 600.0, 0.0) / 600.0, 0.0)  # log2(128) − log2(8) − …
        assert level_of_detail(kimg, PAPER, 128) == pytest.approx(expected)


def test_batch_and_lr_tables_follow_resolution():
    late = schedule(1e6, PAPER, 1024)
    assert (late.resolution, late.batch, late.lr) == (1024, 4, 0.003)
    assert schedule(1e6, PAPER, 128).lr == 0.0015


def test_stage_changes_exactly_when_a_fade_starts_and_ends():
    cfg = make_config("F", "smoke").train  # 8 → 16: stable 0.128, fade 0.128 kimg, batch 16
    changes, previous = [], None
    for nimg in range(0, 1024, 16):
        stage = schedule(nimg / 1000, cfg, 16).stage
        if stage != previous:
            changes.append((nimg, stage))
            previous = stage
    assert changes == [(0, (8, False)), (144, (16, True)), (256, (16, False))]


def test_start_at_final_resolution_and_no_growing():
    assert schedule(0.0, TrainConfig(start_resolution=32), 32).resolution == 32
    instant = TrainConfig(start_resolution=8, stable_kimg=0.0, fade_kimg=0.0)
    assert schedule(0.0, instant, 64).resolution == 64
    no_fade = TrainConfig(start_resolution=8, stable_kimg=10.0, fade_kimg=0.0)
    assert [schedule(k, no_fade, 32).resolution for k in (5.0, 10.0, 15.0, 20.0)] == [8, 16, 16, 32]
    assert schedule(10.0, no_fade, 32).alpha == 1.0


def test_bad_inputs():
    with pytest.raises(ConfigError, match="start_resolution"):
        schedule(0.0, PAPER, 4)
    with pytest.raises(ValueError, match="kimg"):
        schedule(-1.0, PAPER, 32)
