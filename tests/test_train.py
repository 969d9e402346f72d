"""The training loop: smoke runs of A-F, the pieces of the procedure against closed forms, and bad input."""

import json
import math
import os
import signal

import pytest
import torch

import sgan.training.trainer as train_module
from sgan.config import PRESETS, ConfigError, RunConfig, make_config
from sgan.data import load_dataset
from sgan.ema import ema_beta, update_ema
from sgan.training.checkpoint import load_checkpoint
from sgan.training.distributed import DistInfo
from sgan.training.loop import TrainingError, train
from sgan.training.trainer import Trainer, area_downsample, fade_reals


@pytest.fixture(scope="module")
def data16(tmp_path_factory):
    root = tmp_path_factory.mktemp("data")
    return load_dataset("synthetic", resolution=16, n=512, root=root, progress=False)


def trainer(config, data):
    return Trainer(config, data, DistInfo(), torch.device("cpu"))


# ----- end to end -----
@pytest.mark.parametrize("name", PRESETS)
def test_smoke_run_of_each_config(name, data16, tmp_path):
    cfg = make_config(name, "smoke")
    run = train(cfg, data16, tmp_path / name, progress=False)
    assert run.kimg == pytest.approx(cfg.train.total_kimg) and not run.interrupted
    rows = [json.loads(line) for line in run.log_path.read_text().splitlines()]
    assert [r["tick"] for r in rows] == [1, 2, 3, 4]  # 0.512 kimg in ticks of 0.128
    assert [r["resolution"] for r in rows] == [8, 16, 16, 16]
    assert rows[1]["alpha"] < 1.0 and rows[2]["alpha"] == 1.0  # tick 2 ends inside the fade of 16²
    assert all(math.isfinite(r["loss_D"] + r["loss_G"]) and r["images_per_s"] > 0 for r in rows)
    assert RunConfig.from_json(run.config_path.read_text()) == cfg
    grids = sorted(p.name for p in run.grids_dir.iterdir())
    assert grids == ["reals.png"] + [f"tick-{t:06d}.png" for t in range(5)]
    assert load_checkpoint(run.run_dir)["progress"]["step"] == run.step == 32
    rgb, rgb_ema = run.G.synthesis.to_rgb["16"].conv.weight, run.G_ema.synthesis.to_rgb["16"].conv.weight
    assert not torch.equal(rgb, rgb_ema)  # the EMA lags behind G
    # the learning curve: the FID of G_ema at every tick, outside the training time
    assert [r["fid_metric"] for r in rows] == ["fid256"] * 4 and all(r["fid"] > 0 for r in rows)
    assert all(r["fid_network"].startswith("domain-net-") and r["fid_seconds"] > 0 for r in rows)


def test_the_last_tick_fid_is_the_metric_of_the_final_generator(data16, tmp_path):
    from sgan.metrics import compute_metric
    from sgan.training.checkpoint import load_generator

    # ema_kimg 0.01: G_ema's averaged level of detail (sgan.ema.ema_lod) has reached G's by the last tick
    cfg = make_config("E", "smoke", tick_fid_samples=96, ema_kimg=0.01)
    train(cfg, data16, tmp_path / "E", progress=False, data_root=tmp_path)
    last = json.loads((tmp_path / "E" / "log.jsonl").read_text().splitlines()[-1])
    metric = compute_metric("fid96", load_generator(tmp_path / "E"), data16, seed=cfg.train.seed,
                            features="domain", cache_dir=tmp_path, progress=False)
    assert last["fid_metric"] == "fid96" and last["fid"] == pytest.approx(metric["value"], rel=1e-12)
    assert metric["real_stats_cached"]  # the tick FID cached the same real statistics under data_root


def test_no_learning_curve_when_tick_fid_is_off(data16, tmp_path):
    run = train(make_config("A", "smoke", tick_fid_samples=0), data16, tmp_path / "A", progress=False)
    assert not any("fid" in json.loads(line) for line in run.log_path.read_text().splitlines())


# ----- the pieces -----
def test_ema_beta_and_update():
    assert ema_beta(10_000, 10.0) == pytest.approx(0.5)  # one half-life
    assert ema_beta(32, 1.0) == pytest.approx(0.5 ** (32 / 1000))
    assert ema_beta(16, 0.0) == 0.0
    model, ema = torch.nn.Linear(2, 2), torch.nn.Linear(2, 2)
    model.register_buffer("w_avg", torch.tensor([1.0, 2.0]))
    ema.register_buffer("w_avg", torch.zeros(2))
    expected = model.weight.detach() + 0.9 * (ema.weight.detach() - model.weight.detach())
    update_ema(ema, model, 0.9)
    torch.testing.assert_close(ema.weight.detach(), expected)
    torch.testing.assert_close(ema.w_avg, model.w_avg)  # buffers (w̄) are copied


def test_reals_are_box_filtered_and_faded_like_progan():
    x = torch.randn(2, 3, 8, 8)
    blocks = [[x[..., 4 * i:4 * i + 4, 4 * j:4 * j + 4].mean((-1, -2)) for j in range(2)] for i in range(2)]
    naive = torch.stack([torch.stack(row, -1) for row in blocks], -2)  # [2, 3, 2, 2]
    torch.testing.assert_close(area_downsample(x, 2), naive)
    low = area_downsample(x, 4).repeat_interleave(2, -1).repeat_interleave(2, -2)  # box down, nearest up
    torch.testing.assert_close(fade_reals(x, 0.0), low)
    torch.testing.assert_close(fade_reals(x, 0.25), 0.75 * low + 0.25 * x)
    assert fade_reals(x, 1.0) is x


def test_adam_resets_when_a_fade_starts_and_lr_follows_the_table(data16):
    cfg = make_config("D", "smoke", learning_rates=((8, 0.002), (16, 0.004)))
    t = trainer(cfg, data16)
    t.nimg = 96  # three steps before the fade of 16² starts (at 144 images)
    for _ in range(3):
        phase, _ = t.train_step()
    first = next(iter(t.opt_D.state.values()))
    assert (phase.resolution, float(first["step"])) == (8, 3.0)
    assert t.opt_G.param_groups[0]["lr"] == 0.002
    phase, _ = t.train_step()
    assert phase.stage == (16, True)
    steps = {float(s["step"]) for s in [*t.opt_D.state.values(), *t.opt_G.state.values()]}
    assert steps == {1.0}  # every Adam state restarted
    assert t.opt_D.param_groups[0]["lr"] == 0.004


def test_w_avg_moves_in_the_d_pass_and_in_the_g_pass(data16):
    """Officially G updates dlatent_avg whenever it runs in training mode, i.e. in both losses: two lerps a
    step, towards the mean w of the D pass's latents, then of the G pass's."""
    cfg = make_config("F", "smoke")
    t = trainer(cfg, data16)
    seen, latents = [], t.latents

    def recording(phase, rows):
        z1, ws, noise = latents(phase, rows)
        seen.append(ws[:, 0].mean(0))
        return z1, ws, noise

    t.latents = recording
    w0 = t.G.w_avg.clone()
    t.train_step()
    beta = cfg.model.w_avg_beta
    assert len(seen) == 2  # one draw for the D step, one for the G step
    expected = torch.lerp(seen[1], torch.lerp(seen[0], w0, beta), beta)
    torch.testing.assert_close(t.G.w_avg, expected)


def test_latents_mix_with_one_crossover_per_image_among_the_layers_in_use(data16):
    cfg = make_config("F", "smoke", style_mixing_prob=1.0, batch_sizes=((8, 64), (16, 64)))
    t = trainer(cfg, data16)
    phase = train_module.schedule(0.0, cfg.train, 16)  # 8²: 4 layers in use
    state = t.latent_rng.get_state()
    z1, ws, noise = t.latents(phase, slice(None))
    t.latent_rng.set_state(state)
    z1_again = torch.randn(64, cfg.model.z_dim, generator=t.latent_rng)
    z2 = torch.randn(64, cfg.model.z_dim, generator=t.latent_rng)
    torch.testing.assert_close(z1, z1_again)
    w1, w2 = t.G.mapping(z1), t.G.mapping(z2)
    used = 4
    from_w2 = torch.isclose(ws, w2[:, None], atol=1e-6).all(dim=2)[:, :used]  # [N, 4]
    crossover = (~from_w2).sum(dim=1)
    assert torch.equal(from_w2, torch.arange(used)[None] >= crossover[:, None])  # one switch per image
    assert crossover.min() >= 1 and crossover.max() <= used - 1 and len(set(crossover.tolist())) > 1
    torch.testing.assert_close(ws[:, 0], w1, atol=1e-6, rtol=0)
    assert len(noise) == used and noise[-1].shape == (64, 1, 8, 8)


def test_mapping_learns_at_one_hundredth_of_the_rate(data16):
    """Adam's first step moves every stored weight by ≈ lr; the equalized lrmul (0.01) scales the mapping's
    effective weights once, so the optimizer must use one learning rate for all of G."""
    cfg = make_config("F", "smoke")
    t = trainer(cfg, data16)
    assert len(t.opt_G.param_groups) == 1
    mapping, conv = t.G.mapping.layers[0], t.G.synthesis.layers[1].conv
    before = [m.effective_weight().detach().clone() for m in (mapping, conv)]
    phase, _ = t.train_step()
    for m, w0, lrmul in ((mapping, before[0], 0.01), (conv, before[1], 1.0)):
        step = (m.effective_weight().detach() - w0).abs().median()
        unit = phase.lr * math.sqrt(2) / math.sqrt(m.weight[0].numel())  # lr · gain / √fan_in
        assert step / unit == pytest.approx(lrmul, rel=0.02)


def test_mirror_flips_about_half_of_the_reals(data16):
    cfg = make_config("F", "smoke", start_resolution=16)
    t = trainer(cfg, data16)
    phase = train_module.schedule(0.0, cfg.train, 16)
    gen_state = t.data_rng.get_state()
    reals = t.reals(phase, slice(None))
    t.data_rng.set_state(gen_state)
    index = torch.randint(len(data16), (phase.batch,), generator=t.data_rng)
    plain = data16.batch(index.numpy(), mirror=False)
    kept = [torch.equal(r, p) for r, p in zip(reals, plain, strict=True)]
    flipped = [torch.equal(r, p.flip(-1)) and not k for r, p, k in zip(reals, plain, kept, strict=True)]
    assert all(f or k for f, k in zip(flipped, kept, strict=True)) and 2 <= sum(flipped) <= 14


# ----- stopping, failures and bad input -----
def test_ctrl_c_saves_a_checkpoint_and_resume_finishes(data16, tmp_path):
    cfg = make_config("B", "smoke")
    handler = signal.getsignal(signal.SIGINT)
    run = train(cfg, data16, tmp_path / "run", progress=False,
                on_tick=lambda row: os.kill(os.getpid(), signal.SIGINT) if row["tick"] == 1 else None)
    assert run.interrupted and run.step == 9  # the tick at step 8, then one more step, then stop
    assert load_checkpoint(tmp_path / "run")["progress"]["step"] == 9
    assert signal.getsignal(signal.SIGINT) is handler
    done = train(cfg, data16, tmp_path / "run", resume=True, progress=False)
    assert done.step == 32 and not done.interrupted
    ticks = [json.loads(line)["step"] for line in (tmp_path / "run" / "log.jsonl").read_text().splitlines()]
    assert ticks == [8, 9, 17, 25, 32]


def test_non_finite_loss_names_the_step_and_keeps_the_last_checkpoint(data16, tmp_path, monkeypatch):
    calls = []

    def g_loss(kind, scores):
        calls.append(1)
        loss = train_module.losses.g_nonsaturating(scores)
        return loss * float("nan") if len(calls) == 11 else loss

    monkeypatch.setattr(train_module.losses, "g_loss", g_loss)
    with pytest.raises(TrainingError, match=r"step 11 .*loss_G = nan.*latest\.pt \(step 8\)"):
        train(make_config("E", "smoke"), data16, tmp_path / "run", progress=False)
    assert load_checkpoint(tmp_path / "run")["progress"]["step"] == 8


def test_unwritable_out_dir_fails_before_anything_else(tmp_path):
    (tmp_path / "file").write_text("not a directory")
    with pytest.raises(OSError, match="Cannot write the run directory"):
        train(make_config("F", "smoke"), "no-such-data-set", tmp_path / "file" / "run", progress=False)


def test_resume_errors(data16, tmp_path):
    cfg = make_config("C", "smoke")
    with pytest.raises(FileNotFoundError, match="Nothing to resume"):
        train(cfg, data16, tmp_path / "run", resume=True, progress=False)
    train(cfg, data16, tmp_path / "run", progress=False, max_steps=1)
    with pytest.raises(FileExistsError, match="resume=True"):
        train(cfg, data16, tmp_path / "run", progress=False)
    other = make_config("C", "smoke", seed=3, use_noise=True)
    with pytest.raises(ConfigError, match=r"model\.use_noise, train\.seed"):
        train(other, data16, tmp_path / "run", resume=True, progress=False)
    again = train(cfg, data16, tmp_path / "run", resume="auto", progress=False, max_steps=2)
    assert again.step == 2


def test_data_must_match_the_model_resolution(tmp_path):
    data8 = load_dataset("synthetic", resolution=8, n=16, root=tmp_path / "data", progress=False)
    with pytest.raises(ConfigError, match="resolution=16"):
        train(make_config("F", "smoke"), data8, tmp_path / "run", progress=False)
    with pytest.raises(ConfigError, match="split evenly"):
        train(make_config("F", "smoke", batch_sizes=((8, 6),)), data8, tmp_path / "run2", progress=False)


# ----- optional speed paths against the plain path -----
def first_step(cfg, data):
    t = trainer(cfg, data)
    phase = t.begin_step()
    d = t.d_step(phase, slice(None))
    return d.loss.item(), torch.cat([p.grad.flatten() for p in t.D.parameters() if p.grad is not None])


@pytest.mark.parametrize(("flag", "rtol", "min_cosine"),
                         [("channels_last", 1e-4, 0.99999), ("amp_bf16", 0.05, 0.98)])
def test_speed_paths_match_the_plain_path(flag, rtol, min_cosine, data16):
    base = make_config("F", "smoke", start_resolution=16)
    loss, grad = first_step(base, data16)
    loss_fast, grad_fast = first_step(make_config("F", "smoke", start_resolution=16, **{flag: True}), data16)
    assert loss_fast == pytest.approx(loss, rel=rtol)
    assert torch.nn.functional.cosine_similarity(grad, grad_fast, dim=0) > min_cosine


# ----- G_ema's own level of detail (the fade-in spikes, issue 25) -----
def test_g_ema_renders_at_the_ema_of_the_schedules_level_of_detail(data16):
    """lod_ema ← lerp(lod, lod_ema, β) after every step, with the weights' β; snapped to lod within LOD_SNAP."""
    from sgan.ema import LOD_SNAP, ema_lod
    from sgan.schedule import schedule, view_of

    cfg = make_config("A", "smoke")
    t = trainer(cfg, data16)
    expected, seen_fading = None, False
    while t.nimg < 400:  # through the fade of 16² (0.128-0.256 kimg) and into the stable phase
        phase = schedule(t.nimg / 1000, cfg.train, cfg.model.resolution)
        t.train_step()
        beta = ema_beta(phase.batch, cfg.train.ema_kimg)
        # the oracle: the recursion written out, with no snapping until it is within LOD_SNAP
        expected = phase.lod if expected is None else phase.lod + beta * (expected - phase.lod)
        expected = phase.lod if abs(expected - phase.lod) < LOD_SNAP else expected
        assert t.ema_lod == pytest.approx(expected, abs=1e-12)
        assert t.ema_view() == view_of(expected, cfg.model.resolution)
        if phase.fading:
            seen_fading = True
            resolution, alpha = t.ema_view()
            assert (resolution, alpha) != (phase.resolution, phase.alpha)  # G_ema lags G through a fade
            assert t.ema_lod > phase.lod
    assert seen_fading
    assert ema_lod(None, 1.5, 0.9) == 1.5 and ema_lod(1.0, 0.0, 0.5) == 0.5
    assert ema_lod(LOD_SNAP / 2, 0.0, 0.99) == 0.0


def test_g_emas_level_of_detail_survives_a_checkpoint(data16):
    cfg = make_config("A", "smoke")
    t = trainer(cfg, data16)
    for _ in range(12):
        t.train_step()
    again = trainer(cfg, data16)
    again.load_state_dict(t.state_dict())
    assert again.ema_lod == t.ema_lod and again.ema_view() == t.ema_view()
    old = t.state_dict()
    del old["progress"]["ema_lod"]  # a checkpoint from before G_ema had its own lod renders at G's, as it did
    again.load_state_dict(old)
    from sgan.schedule import schedule

    assert again.ema_lod == schedule(t.nimg / 1000, cfg.train, cfg.model.resolution).lod
