"""Configs: presets differ only in the paper's switches, JSON round trip, clear errors."""

import dataclasses
import json

import pytest

from sgan.config import (
    PAPER_SWITCH_FIELDS,
    PRESETS,
    PROFILES,
    ConfigError,
    ModelConfig,
    RunConfig,
    TrainConfig,
    make_config,
    preset,
)


def test_presets_differ_only_in_paper_switches():
    """Every preset, A included, shares the training procedure (StyleGAN's schedule: see the comment above
    _PAPER_SWITCHES in config.py); the model configs differ exactly in Table 1's switches."""
    for profile in PROFILES:
        assert len({make_config(name, profile).train for name in PRESETS}) == 1, profile
    size_fields = {f.name for f in dataclasses.fields(ModelConfig)} - set(PAPER_SWITCH_FIELDS) - {"name"}
    f = preset("F")
    for name in PRESETS:
        cfg = preset(name)
        for field in size_fields:
            assert getattr(cfg, field) == getattr(f, field), (name, field)


def test_table1_switches():
    a, b, c, d, e, f = (preset(n) for n in "ABCDEF")
    assert (a.resample, a.loss, a.use_pixel_norm, a.use_styles) == ("nearest", "wgan_gp", True, False)
    assert (b.resample, b.loss) == ("bilinear", "ns_r1")
    assert c.use_styles and c.mapping_layers == 8 and not c.const_input
    assert d.const_input and not d.use_noise
    assert e.use_noise and e.style_mixing_prob == 0
    assert f.style_mixing_prob == 0.9
    # each step turns exactly the switches Table 1 names
    changed = [
        sorted(k for k in PAPER_SWITCH_FIELDS if getattr(x, k) != getattr(y, k))
        for x, y in zip((a, b, c, d, e), (b, c, d, e, f), strict=True)
    ]
    assert changed == [
        ["loss", "resample"],
        ["mapping_layers", "use_instance_norm", "use_pixel_norm", "use_styles"],
        ["const_input"],
        ["use_noise"],
        ["style_mixing_prob"],
    ]


def test_derived_sizes_follow_the_official_rule():
    f = preset("F")
    assert f.num_layers == 18
    assert [f.channels_at(r) for r in f.resolutions] == [512, 512, 512, 512, 256, 128, 64, 32, 16]


@pytest.mark.parametrize("profile", list(PROFILES))
@pytest.mark.parametrize("name", PRESETS)
def test_json_round_trip(name, profile):
    cfg = make_config(name, profile)
    again = RunConfig.from_json(cfg.to_json())
    assert again == cfg
    assert json.loads(again.to_json()) == json.loads(cfg.to_json())


def test_unknown_options_are_errors():
    with pytest.raises(ConfigError, match="Unknown config option.*'lrr'"):
        make_config("F", "cpu", lrr=0.1)
    with pytest.raises(ConfigError, match="Unknown config 'G'"):
        make_config("G", "cpu")
    with pytest.raises(ConfigError, match="Unknown profile"):
        make_config("F", "laptop")
    with pytest.raises(ConfigError, match="Unknown ModelConfig option"):
        RunConfig.from_dict({"model": {"use_stlyes": True}})


def test_impossible_combinations_are_errors():
    with pytest.raises(ConfigError, match="const_input=True needs use_styles"):
        dataclasses.replace(preset("F"), use_styles=False)
    with pytest.raises(ConfigError, match="style_mixing_prob > 0 needs use_styles"):
        dataclasses.replace(preset("B"), style_mixing_prob=0.5)
    with pytest.raises(ConfigError, match="power of two"):
        make_config("F", "cpu", resolution=48)
    with pytest.raises(ConfigError, match="choose one of"):
        make_config("F", "cpu", loss="hinge")
    with pytest.raises(ConfigError, match="start_resolution"):
        make_config("F", "smoke", start_resolution=32)
    with pytest.raises(ConfigError, match="blur_in='G' needs resample='bilinear'"):
        make_config("A", "smoke", blur_in="G")
    with pytest.raises(ConfigError, match="blur_in='both'.*choose one of"):
        make_config("B", "smoke", blur_in="both")
    with pytest.raises(ConfigError, match="tick_fid_samples=-1"):
        make_config("F", "smoke", tick_fid_samples=-1)
    with pytest.raises(ConfigError, match="tick_fid_features='vgg'"):
        make_config("F", "smoke", tick_fid_features="vgg")


def test_overrides_reach_the_right_config():
    cfg = make_config("E", "smoke", style_mixing_prob=0.5, r1_gamma=5.0)
    assert cfg.model.style_mixing_prob == 0.5 and cfg.train.r1_gamma == 5.0
    assert cfg.differences(make_config("E", "smoke")) == ["model.style_mixing_prob", "train.r1_gamma"]


def test_tables_look_up_by_resolution():
    t = TrainConfig()
    assert t.batch_at(8) == 128 and t.batch_at(32) == 64 and t.batch_at(1024) == 4
    assert t.lr_at(64) == 0.001 and t.lr_at(256) == 0.002


# Fields that set how a run is watched or where it runs, not what it learns: no paper value to depart from.
NOT_PAPER_VALUES = {"num_threads", "tick_kimg", "grid_size", "checkpoint_ticks", "tick_fid_samples",
                    "tick_fid_features", "device"}


def profile_comment(profile: str) -> str:
    """The comment block right above the profile's entry in sgan/profiles.py."""
    import inspect

    import sgan.profiles

    lines = inspect.getsource(sgan.profiles).splitlines()
    start = next(i for i, line in enumerate(lines) if line.strip().startswith(f'"{profile}": dict('))
    block = []
    for line in reversed(lines[:start]):
        if not line.strip().startswith("#"):
            break
        block.append(line.strip().lstrip("#"))
    return " ".join(reversed(block))


@pytest.mark.parametrize("profile", ["cpu", "gpu"])
def test_every_departure_from_the_paper_is_written_next_to_the_profile(profile):
    """The brief: where a profile departs from the paper's values, it says so next to the line that departs."""
    comment = profile_comment(profile)
    paper_model, paper_train = ModelConfig(), TrainConfig()
    changed = [k for k, v in PROFILES[profile]["model"].items() if getattr(paper_model, k) != v]
    changed += [k for k, v in PROFILES[profile]["train"].items()
                if k not in NOT_PAPER_VALUES and getattr(paper_train, k) != TrainConfig(**{k: v}).__getattribute__(k)]
    assert changed, profile
    missing = [k for k in changed if k not in comment]
    assert not missing, f"profile {profile!r} departs from the paper in {missing} without saying so: {comment!r}"


def test_the_papers_values_are_the_defaults_and_the_departures_table_reads_the_profiles():
    import json

    from sgan.config import PAPER_VALUES, RunConfig, departures

    defaults = RunConfig().to_dict()
    for key, (value, source) in PAPER_VALUES.items():
        part, name = key.split(".")
        assert json.dumps(defaults[part][name]) == json.dumps(value), key
        assert source, key
    rows = {r["setting"]: r for r in departures()}
    assert rows["r1_gamma"]["paper"] == "10" and rows["r1_gamma"]["cpu"] == "1" and rows["r1_gamma"]["gpu"] == "= paper"
    assert rows["learning_rates"]["cpu"] == "0.0025" and rows["ema_kimg"]["cpu"] == "1"
    assert rows["channels (4² upwards)"]["cpu"] == "64/64/32/16"
