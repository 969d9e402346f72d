"""sgan.studies.sweep: studies of variants over seeds, their tables (mean ± std) and learning-curve figures."""

import json
import math
import statistics
from pathlib import Path

import numpy as np
import pytest

from sgan.config import make_config
from sgan.studies import sweep
from sgan.viz import curves, plots


def write_log(run_dir, fids, seconds_per_tick=30.0, kimg_per_tick=2.0, metric="fid2k", config="A",
              total_kimg=None):
    """A run folder as training leaves it: config.json, a checkpoint file and a log with a FID per tick."""
    run_dir.mkdir(parents=True)
    total = kimg_per_tick * len(fids) if total_kimg is None else total_kimg
    (run_dir / "config.json").write_text(make_config(config, "cpu", total_kimg=total).to_json())
    (run_dir / "checkpoints").mkdir()
    (run_dir / "checkpoints" / "latest.pt").write_bytes(b"x")
    rows = [{"tick": i + 1, "step": 10 * (i + 1), "kimg": kimg_per_tick * (i + 1), "loss_D": 1.0,
             "time": seconds_per_tick * (i + 1), "fid": f, "fid_metric": metric, "fid_network": "domain-net-x"}
            for i, f in enumerate(fids)]
    (run_dir / "log.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))


def test_every_study_resolves_at_the_cpu_profile_and_the_general_ones_everywhere():
    for name, variants in sweep.STUDIES.items():
        assert len({v.label for v in variants}) == len(variants), name
        assert len({sweep.run_dir(Path("."), v, 0) for v in variants}) == len(variants), name  # one folder each
        for v in variants:
            make_config(v.config, "cpu", **v.overrides)
            if name in ("b_tuning", "configs"):
                make_config(v.config, "smoke", **v.overrides)


def test_the_budget_study_is_the_cpu_profile_wider_and_longer():
    course, wide, paper = (make_config(v.config, "cpu", **v.overrides) for v in sweep.STUDIES["budget"])
    profile = make_config("F", "cpu")
    assert course == profile
    assert wide.changes_from(profile) == {"model.fmap_base": (256, 512), "train.total_kimg": (30.0, 192.0)}
    assert [wide.model.channels_at(r) for r in (4, 8, 16, 32)] == [64, 64, 64, 32]
    assert paper.changes_from(wide) == {"train.ema_kimg": (1.0, 10.0), "train.total_kimg": (192.0, 144.0),
                                        "train.learning_rates": ([[8, 0.0025]], [[8, 0.001]])}
    assert paper.train.ema_kimg == make_config("F", "paper").train.ema_kimg
    assert paper.train.lr_at(32) == make_config("F", "paper").train.lr_at(32)


def test_b_tuning_takes_b_apart_one_piece_at_a_time():
    variants = {v.label: make_config(v.config, "cpu", **v.overrides).model for v in sweep.STUDIES["b_tuning"]}
    a, b = variants["A"], variants["B"]
    assert (a.resample, a.loss) == ("nearest", "wgan_gp")
    assert (b.resample, b.loss, b.blur_in) == ("bilinear", "ns_r1", "GD")
    assert (variants["A + blur in G"].blur_in, variants["A + blur in G"].loss) == ("G", "wgan_gp")
    assert (variants["A + blur in D"].blur_in, variants["A + blur in D"].loss) == ("D", "wgan_gp")
    assert (variants["A + NS loss + R1"].resample, variants["A + NS loss + R1"].loss) == ("nearest", "ns_r1")
    for m in variants.values():  # apart from B's two switches, every variant is A's traditional generator
        assert not m.use_styles and m.use_pixel_norm and m.mapping_layers == 0


def test_unknown_studies_configs_and_seeds_are_clear_errors():
    with pytest.raises(ValueError, match="Unknown study 'c_tuning'.*b_tuning"):
        sweep.resolve_study("c_tuning")
    with pytest.raises(ValueError, match="unknown config 'G'"):
        sweep.Variant("x", "G")
    with pytest.raises(ValueError, match="give seeds like"):
        sweep.parse_seeds("0,a")
    assert sweep.parse_seeds("0-2,5") == [0, 1, 2, 5]
    with pytest.raises(ValueError, match="non-empty list"):
        sweep.resolve_study([])


def test_rows_are_mean_and_std_over_seeds_of_best_and_final(tmp_path):
    variants = (sweep.Variant("A", "A"), sweep.Variant("B, γ 1", "B", {"r1_gamma": 1.0}))
    curves = {0: [50.0, 20.0, 25.0], 1: [40.0, 30.0, 22.0], 2: [45.0, 18.0, 19.0]}
    for seed, fids in curves.items():
        write_log(sweep.run_dir(tmp_path, variants[0], seed), fids)
    write_log(sweep.run_dir(tmp_path, variants[1], 0), [60.0, 30.0])
    write_log(sweep.run_dir(tmp_path, variants[1], 1), [60.0, 20.0], total_kimg=6.0)  # still training
    rows = sweep.study_rows(variants, tmp_path, seeds=(0, 1, 2))
    a, b = rows
    assert a["seeds"] == [0, 1, 2] and b["seeds"] == [0]
    assert a["best_mean"] == pytest.approx(statistics.fmean([20.0, 22.0, 18.0]))
    assert a["best_std"] == pytest.approx(statistics.stdev([20.0, 22.0, 18.0]))
    assert a["final_mean"] == pytest.approx(statistics.fmean([25.0, 22.0, 19.0]))
    assert a["best_kimg"] == [4.0, 6.0, 4.0] and a["minutes_mean"] == pytest.approx(1.5)
    assert b["best_mean"] == 30.0 and math.isnan(b["best_std"])
    md = sweep.markdown(rows)
    assert "| A | 3 | 20.00 ± 2.00 | 22.00 ± 3.00 | 4, 6, 4 | 6 | 1.5 |" in md
    assert "| B, γ 1 | 1 | 30.00 | 30.00 |" in md
    paths = sweep.write_report(variants, tmp_path, seeds=(0, 1, 2))
    assert json.loads(paths["json"].read_text())["rows"][0]["best_mean"] == pytest.approx(20.0)
    assert paths["figure"].stat().st_size > 10_000
    # with a target: where each seed's curve first reaches it (kimg, training minutes), or never
    a, b = sweep.study_rows(variants, tmp_path, seeds=(0, 1, 2), target=22.0)
    assert a["reached"] == [(4.0, 1.0), (6.0, 1.5), (4.0, 1.0)] and b["reached"] == [None]
    md = sweep.markdown([a, b])
    assert md.splitlines()[0].endswith("| first ≤ 22 at kimg (train min) |")
    assert md.splitlines()[2].endswith("| 4 (1.0), 6 (1.5), 4 (1.0) |") and md.splitlines()[3].endswith("| never |")
    assert "first ≤" not in sweep.markdown(rows)


def test_curve_band_is_the_mean_and_sample_std_per_tick(tmp_path):
    runs = []
    for seed, fids in enumerate(([10.0, 8.0, 6.0, 5.0], [12.0, 9.0, 7.0])):
        runs.append(tmp_path / f"s{seed}")
        write_log(runs[-1], fids, seconds_per_tick=60.0 + seed)
    band = curves.curve_band(runs)
    np.testing.assert_allclose(band["fid"], [11.0, 8.5, 6.5])  # cut to the shorter run
    np.testing.assert_allclose(band["std"], np.std([[10, 8, 6], [12, 9, 7]], axis=0, ddof=1))
    np.testing.assert_allclose(band["minutes"], [1.0083333, 2.0166667, 3.025], rtol=1e-6)
    single = curves.curve_band(runs[:1])
    assert (single["std"] == 0).all() and len(single["fid"]) == 4
    fig = curves.learning_curves_figure({"two seeds": runs, "one": runs[:1]})
    assert len(fig.axes) == 2 and fig.axes[0].get_yscale() == "log"
    targeted = curves.learning_curves_figure({"two seeds": runs}, target=7.5)
    for ax in targeted.axes:  # the target: a horizontal line at 7.5 on both plots, named in the legend
        lines = [line for line in ax.get_lines() if line.get_label() == "target: fid2k 7.5"]
        assert len(lines) == 1 and list(lines[0].get_ydata()) == [7.5, 7.5]


def test_a_log_without_fid_says_how_to_get_a_curve(tmp_path):
    (tmp_path / "run").mkdir()
    (tmp_path / "run" / "log.jsonl").write_text(json.dumps({"tick": 1, "kimg": 1.0, "time": 3.0}) + "\n")
    with pytest.raises(ValueError, match="tick_fid_samples > 0"):
        curves.fid_curve(tmp_path / "run")


@pytest.mark.slow
def test_run_study_trains_each_seed_in_its_own_process_and_reuses_them(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("SGAN_DATA", str(tmp_path / "data"))
    variants = (sweep.Variant("A tiny", "A", {"total_kimg": 0.256, "fid_samples": 64, "tick_fid_samples": 64}),)
    root = sweep.run_study(variants, "smoke", seeds=(0, 1), out_dir=tmp_path / "studies", jobs=2, name="t")
    assert root == tmp_path / "studies" / "smoke" / "t"
    rows = sweep.study_rows(variants, root, (0, 1))
    assert rows[0]["seeds"] == [0, 1] and rows[0]["best_std"] > 0  # two seeds, two different curves
    first = capsys.readouterr().out
    assert first.count("done: A tiny") == 2
    logs = [sweep.run_dir(root, variants[0], s) / "log.jsonl" for s in (0, 1)]
    stamps = [p.stat().st_mtime_ns for p in logs]
    sweep.run_study(variants, "smoke", seeds=(0, 1), out_dir=tmp_path / "studies", jobs=1, name="t")
    assert [p.stat().st_mtime_ns for p in logs] == stamps  # complete runs are reused, not retrained
    from sgan.studies.ablation import load_data, resolve_config

    data = load_data(resolve_config("A", "smoke", 0, variants[0].overrides), progress=False)
    paths = sweep.write_report(variants, root, (0, 1), spectra_of=data, report_dir=tmp_path / "report",
                               attributes_of=data)
    assert all(p.parent == tmp_path / "report" for p in paths.values())
    spectra = json.loads(paths["spectra_json"].read_text())["rows"][0]
    assert spectra["runs"] == 2 and spectra["hf_ratio_mean"] > 0 and 0 < spectra["grad_hf_share_mean"] < 1
    assert math.isfinite(spectra["blur_sensitivity_mean"]) and "blurred" in paths["spectra_markdown"].read_text()
    assert len(spectra["spectra"]["real"]) == 16 // 2 + 1
    # attributes: the mean over the seeds of each run's attrs metric, computed here on its own (the oracle)
    from sgan.metrics import compute_metric
    from sgan.training.checkpoint import load_generator

    runs = sweep.finished_runs(root, variants[0], (0, 1))
    direct = [compute_metric("attrs64", load_generator(p), data, progress=False) for p in runs]
    row = json.loads(paths["attributes_json"].read_text())["rows"][0]
    assert row["runs"] == 2 and row["metric"] == "attrs64"
    assert row["attrs_mean"] == pytest.approx(statistics.fmean(d["value"] for d in direct))
    assert row["attrs_std"] == pytest.approx(statistics.stdev(d["value"] for d in direct))
    assert row["rate"]["eyes_open"] == pytest.approx(statistics.fmean(d["fake"]["eyes_open"]["rate"] for d in direct))
    assert row["data_rate"]["glasses"] == direct[0]["real"]["glasses"]["rate"]
    assert "eyes_open G / data" in paths["attributes_markdown"].read_text()
    samples = sweep.samples_rows(variants, root, (0, 1), data, n=4)
    assert list(samples) == ["data", "A tiny (seed 0)"]
    np.testing.assert_array_equal(samples["A tiny (seed 0)"],
                                  plots.to_uint8(plots.samples(load_generator(runs[0]), range(4))))
    np.testing.assert_array_equal(samples["data"], plots.to_uint8(data.batch(np.arange(4), mirror=False)))
    assert paths["samples"].stat().st_size > 0
