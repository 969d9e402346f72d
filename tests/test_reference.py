"""sgan.studies.reference: Tables 1-4 from seeded runs, the "what reproduced" table, the model zoo, Table 2's metric."""

import math
import statistics
from pathlib import Path

import numpy as np
import pytest
import torch

import sgan
from sgan.config import make_config
from sgan.generator import Generator
from sgan.metrics import sampling
from sgan.metrics.registry import UnknownMetricError, metric_name, parse_metric_name
from sgan.mixing import draw_test_crossovers
from sgan.studies import model_zoo
from sgan.studies import reference_tables as rt
from sgan.studies.reference import REFERENCE_RUNS, ReferenceRun, export_zoo, train_and_evaluate, write_report


# ---------------------------------------------------------------------------------------------------------
# Table 2's metric: FID of images mixed from k latents
# ---------------------------------------------------------------------------------------------------------
def test_mixed_fid_names_round_trip_and_bad_ones_are_clear():
    spec = parse_metric_name("fid2k_mix3")
    assert (spec.kind, spec.num_samples, spec.latents, spec.name) == ("fid", 2000, 3, "fid2k_mix3")
    assert parse_metric_name("fid2k_mix1").name == "fid2k"  # one latent is plain FID
    assert metric_name("fid", 256, latents=4) == "fid256_mix4"
    with pytest.raises(UnknownMetricError, match="at least 1 latent"):
        parse_metric_name("fid2k_mix0")
    with pytest.raises(ValueError, match="only FID mixes"):
        metric_name("ppl", 1000, "w", "end", latents=2)


def test_test_crossovers_are_distinct_sorted_layers_and_cover_every_choice():
    gen = torch.Generator().manual_seed(0)
    cs = torch.stack(draw_test_crossovers(4000, 8, 3, gen), dim=1)  # [n, 2]
    assert cs.shape == (4000, 2)
    assert bool((cs[:, 0] < cs[:, 1]).all()) and int(cs.min()) >= 1 and int(cs.max()) <= 7
    pairs = {tuple(p) for p in cs.tolist()}
    assert len(pairs) == math.comb(7, 2)  # every pair of the 7 possible crossovers is drawn
    assert torch.stack(draw_test_crossovers(5, 8, 8, gen), 1).tolist() == [list(range(1, 8))] * 5
    assert draw_test_crossovers(5, 8, 1, gen) == []
    with pytest.raises(ValueError, match="cannot mix 9 latents over 8 layers"):
        draw_test_crossovers(5, 8, 9, gen)


def test_mixed_images_match_a_naive_per_image_loop():
    torch.manual_seed(0)
    G = Generator(make_config("F", "smoke").model, seed=1).eval()
    b, seed, k = 6, 3, 3
    (z, w, images), = sampling.iterate_generated(G, b, seed, b, torch.device("cpu"), False, latents=k)
    # the oracle redraws the same streams and builds every image's per-layer latents one layer at a time
    z_gen, noise_gen, mix_gen = (sampling.stream(seed, s) for s in
                                 (sampling.LATENT_STREAM, sampling.NOISE_STREAM, sampling.MIX_STREAM))
    z0 = torch.randn(b, G.cfg.z_dim, generator=z_gen)
    noise = sampling.draw_noise(G, b, noise_gen, torch.device("cpu"))
    others = [torch.randn(b, G.cfg.z_dim, generator=mix_gen) for _ in range(k - 1)]
    crossovers = torch.stack(draw_test_crossovers(b, G.num_layers, k, mix_gen), dim=1)  # [b, k − 1]
    latents = [G.mapping(x) for x in (z0, *others)]
    ws = torch.empty(b, G.num_layers, G.cfg.w_dim)
    for i in range(b):
        for layer in range(G.num_layers):
            j = int((crossovers[i] <= layer).sum())  # how many crossovers lie at or below this layer
            ws[i, layer] = latents[j][i]
    with torch.no_grad():
        expected = G.synthesis(ws, noise=noise)
    assert torch.equal(z, z0)
    torch.testing.assert_close(images, expected, rtol=0, atol=1e-6)
    (_, _, plain), = sampling.iterate_generated(G, b, seed, b, torch.device("cpu"), False)
    assert not torch.allclose(plain, images)  # mixing changed the images


def test_a_traditional_generator_cannot_mix_latents():
    G = Generator(make_config("B", "smoke").model, seed=1)
    with pytest.raises(ValueError, match="style-based generator"):
        next(sampling.iterate_generated(G, 4, 0, 4, torch.device("cpu"), False, latents=2))


# ---------------------------------------------------------------------------------------------------------
# The tables' arithmetic, against numpy and hand-made results
# ---------------------------------------------------------------------------------------------------------
def test_stat_is_the_mean_and_sample_std():
    values = [3.0, 5.0, 10.0]
    s = rt.stat(values)
    assert s["mean"] == pytest.approx(np.mean(values)) and s["std"] == pytest.approx(np.std(values, ddof=1))
    assert s["n"] == 3 and math.isnan(rt.stat([1.0])["std"]) and rt.fmt(rt.stat([])) == "—"
    assert rt.fmt(s) == f"{np.mean(values):.2f} ± {statistics.stdev(values):.2f}"


def fake_result(fid_best, ls_z=1.0, ls_w=1.0):
    return {"metrics": {"fid2k": fid_best + 1, "ppl_wfull_1k": 10.0},
            "details": {"fid2k": {"feature_network": "net"}, "ls2k": {"value_z": ls_z, "value_w": ls_w}},
            "learning_curve": {"metric": "fid2k", "feature_network": "net", "best": fid_best, "best_kimg": 2,
                               "final": fid_best + 1}}


def test_reproduced_reads_direction_and_whether_the_seed_bands_separate():
    results = {"A": [fake_result(20), fake_result(22)], "B": [fake_result(10), fake_result(11)],
               "C": [fake_result(12), fake_result(30)]}
    rows = {r["claim"]: r for r in rt.reproduced(results)}
    b_vs_a = rows["B's tuning lowers FID (B < A)"]
    assert b_vs_a["holds"] and b_vs_a["bands_separate"] and b_vs_a["explained_by"] == ""
    c_vs_b = rows["mapping network and styles lower FID (C < B)"]  # 21 ± 12.7 against 10.5 ± 0.7
    assert not c_vs_b["holds"] and c_vs_b["bands_separate"] is False
    assert c_vs_b["explained_by"] == "no controlled experiment yet"
    assert len(rows) == 2  # claims about runs that were not measured are left out


# ---------------------------------------------------------------------------------------------------------
# The pipeline end to end at the smoke profile: a reduced sweep, 2 seeds
# ---------------------------------------------------------------------------------------------------------
SMOKE_RUNS = (
    ReferenceRun("B", {}, ("1", "3", "4"), all_seeds=True),
    ReferenceRun("E", {}, ("1", "2", "3", "4"), all_seeds=True),
    ReferenceRun("F", {}, ("1", "2", "3", "4"), all_seeds=True),
    ReferenceRun("F", {"style_mixing_prob": 0.5}, ("2",)),
    ReferenceRun("F", {"mapping_layers": 0}, ("4",)),
)


@pytest.fixture(scope="module")
def smoke_reference(tmp_path_factory):
    root = tmp_path_factory.mktemp("reference")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SGAN_DATA", str(root / "data"))
        train_and_evaluate("smoke", (0, 1), extra_seeds=2, out_dir=root / "runs", jobs=2, runs=SMOKE_RUNS)
        run_root = root / "runs" / "smoke"
        paths = write_report(run_root, (0, 1), root / "report", SMOKE_RUNS)
        zoo = export_zoo(run_root, "smoke", 0, "BF", root / "zoo")
    return {"root": root, "run_root": run_root, "paths": paths, "zoo": zoo}


def finite_band(s):
    return s["n"] == 2 and math.isfinite(s["mean"]) and math.isfinite(s["std"])


def test_every_table_has_its_rows_with_finite_values_and_bands(smoke_reference):
    import json

    tables = json.loads(smoke_reference["paths"]["json"].read_text())
    assert [r["config"] for r in tables["table1"]] == ["B", "E", "F"]
    assert all(finite_band(r["fid_best"]) and finite_band(r["fid_final"]) for r in tables["table1"])
    assert [r["mixing"] for r in tables["table2"]] == ["E 0%", "50%", "F 90%"]
    assert all(finite_band(r[f"fid_mix{k}"]) for r in tables["table2"] for k in rt.MIX_LATENTS)
    assert [r["config"] for r in tables["table3"]] == ["B", "E", "F"]
    assert all(finite_band(r[k]) for r in tables["table3"]
               for k in ("ppl_zfull", "ppl_zend", "ppl_wfull", "ppl_wend", "ls_z", "ls_w"))
    assert [(r["generator"], r["mapping_layers"], r["mixing"]) for r in tables["table4"]] == [
        ("traditional", 0, 0), ("style-based", 8, 0), ("style-based", 0, 90), ("style-based", 8, 90)]
    assert all(finite_band(r[k]) for r in tables["table4"] for k in ("fid_best", "ppl_full", "ls_z", "ls_w"))
    claims = tables["reproduced"]
    assert claims and all(isinstance(c["holds"], bool) and c["bands_separate"] in (True, False) for c in claims)
    for name in ("table1", "table2", "table3", "table4", "reproduced", "curves", "table2_figure"):
        assert smoke_reference["paths"][name].stat().st_size > 100, name
    assert "± " in smoke_reference["paths"]["table1"].read_text()


def test_table2_mixes_only_where_asked_and_one_latent_is_the_final_fid(smoke_reference):
    from sgan.studies.ablation import read_results

    f = read_results(smoke_reference["run_root"] / "seed0" / "F")
    assert {"fid256_mix2", "fid256_mix3", "fid256_mix4"} <= set(f["metrics"])
    assert f["details"]["fid256_mix3"]["latents"] == 3
    b = read_results(smoke_reference["run_root"] / "seed0" / "B")
    assert not any("_mix" in n for n in b["metrics"])  # a traditional generator is not in Table 2


def test_zoo_files_load_with_weights_only_and_draw_their_stored_images(smoke_reference):
    for path in smoke_reference["zoo"]:
        state = torch.load(path, weights_only=True)
        assert {v.dtype for v in state["G_ema"].values() if v.is_floating_point()} == {torch.float16}
        assert path.stat().st_size <= model_zoo.MAX_BYTES
        G = sgan.load_generator(path)
        assert next(G.parameters()).dtype == torch.float32
        assert model_zoo.redraw_difference(G, state) == (0, 0.0)  # the same machine draws the same bytes
        with torch.no_grad():
            next(G.synthesis.parameters()).mul_(1.5)  # a changed weight is seen
        largest, changed = model_zoo.redraw_difference(G, state)
        assert largest > 1 and changed > 0.001
        state["images"][0, 0, 0, 0] ^= 1
        with pytest.raises(ValueError, match="damaged"):
            model_zoo.redraw_difference(G, state)
        with pytest.raises(ValueError, match="only the EMA generator"):
            sgan.load_generator(path, which="G")
        assert state["provenance"]["config"] == path.stem and state["provenance"]["kimg"] == 0.512


def test_an_over_budget_zoo_entry_is_refused_and_not_left_behind(smoke_reference, tmp_path, monkeypatch):
    from sgan.studies.ablation import read_results

    run = smoke_reference["run_root"] / "seed0" / "F"
    monkeypatch.setattr(model_zoo, "MAX_BYTES", 1000)
    with pytest.raises(ValueError, match="over the zoo's 0.001 MB per file"):
        model_zoo.export(run, read_results(run), "smoke", out_dir=tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_exporting_the_same_run_again_leaves_the_zoo_entry_as_it_is(smoke_reference, tmp_path):
    from sgan.studies.ablation import read_results

    run = smoke_reference["run_root"] / "seed0" / "F"
    path = model_zoo.export(run, read_results(run), "smoke", commit="aaa", out_dir=tmp_path)
    before = path.read_bytes()
    assert model_zoo.export(run, read_results(run), "smoke", commit="bbb", out_dir=tmp_path) == path
    assert path.read_bytes() == before  # only the commit would differ: the file is not rewritten
    changed = {**read_results(run), "kimg": 1.0}  # another run's provenance: written anew
    model_zoo.export(run, changed, "smoke", commit="bbb", out_dir=tmp_path)
    assert torch.load(path, weights_only=True)["provenance"]["commit"] == "bbb"


def test_trained_run_prefers_your_run_then_the_zoo_then_training(smoke_reference, tmp_path, monkeypatch, capsys):
    from sgan.studies.ablation import trained_run

    monkeypatch.setattr(model_zoo, "zoo_dir", lambda profile="cpu": smoke_reference["root"] / "zoo")
    monkeypatch.setenv("SGAN_RUNS", str(tmp_path / "runs"))
    mine = smoke_reference["run_root"] / "seed0"
    assert trained_run("F", "smoke", 0, out_dir=mine) == mine / "F"
    assert "your run" in capsys.readouterr().out
    folder = trained_run("F", "smoke", 0, out_dir=tmp_path / "empty")
    assert "the zoo's" in capsys.readouterr().out and folder == tmp_path / "runs" / "zoo" / "smoke" / "F"
    zoo_G, run_G = sgan.load_generator(folder), sgan.load_generator(mine / "F")
    for (name, a), b in zip(zoo_G.state_dict().items(), run_G.state_dict().values(), strict=True):
        torch.testing.assert_close(a, b.half().float(), rtol=0, atol=0, msg=name)  # the same weights, in fp16
    from sgan.viz.curves import run_figure

    run_figure(folder)  # the notebooks' run figure reads the unpacked log and grid


def test_a_reference_run_lies_inside_its_own_band_at_the_closed_form_distance(smoke_reference):
    from sgan.studies.ablation import read_results
    from sgan.viz import curves

    tables = rt.load_reference(smoke_reference["paths"]["json"].parent)
    mine = [read_results(smoke_reference["run_root"] / "seed0" / c) for c in "BEF"]
    rows = rt.compare_to_reference(tables["table1"], mine)
    assert [r["config"] for r in rows] == ["B", "E", "F"]
    for r in rows:  # two seeds: each lies half their difference from the mean, i.e. 1/√2 sample std
        assert abs(r["z"]) == pytest.approx(1 / math.sqrt(2)) and r["inside_2_std"] is True
    assert "inside ± 2 std" in rt.comparison_markdown(rows)
    curves.reference_bands_figure(rows)
    assert rt.load_reference(smoke_reference["root"]) is None


def test_what_a_switch_bought_reads_both_configs_from_the_reference_and_your_runs(smoke_reference):
    from sgan.studies.ablation import read_results

    tables = rt.load_reference(smoke_reference["paths"]["json"].parent)
    mine = {c: [read_results(smoke_reference["run_root"] / "seed1" / c)] for c in "EF"}
    rows = rt.switch_rows("F", tables, mine)
    assert [r["measure"] for r in rows] == ["FID (best)", "path length, full (W → W)", "separability (W → W)"]
    t1 = {r["config"]: r["fid_best"] for r in tables["table1"]}
    fid = rows[0]
    assert fid["change"] == pytest.approx(t1["F"]["mean"] - t1["E"]["mean"])
    assert fid["bands_separate"] == (abs(fid["change"]) > t1["E"]["std"] + t1["F"]["std"])
    assert (fid["paper_previous"], fid["paper_this"]) == (4.42, 4.40)
    assert fid["yours_this"] == mine["F"][0]["learning_curve"]["best"]
    assert rows[2]["yours_previous"] == mine["E"][0]["details"]["ls512"]["value_w"]
    nothing = rt.switch_rows("F", None)
    assert all(math.isnan(r["change"]) and r["bands_separate"] is None for r in nothing)
    assert "—" in rt.switch_markdown(nothing)
    with pytest.raises(ValueError, match="no config before it"):
        rt.switch_rows("A", tables)


def test_unknown_profile_and_empty_seeds_are_clear_errors(tmp_path):
    with pytest.raises(ValueError, match="Unknown profile"):
        train_and_evaluate("laptop", (0,), out_dir=tmp_path)
    with pytest.raises(ValueError, match="at least one seed"):
        train_and_evaluate("smoke", (), out_dir=tmp_path)


def test_every_reference_run_resolves_at_every_profile_and_has_one_folder():
    for profile in ("smoke", "cpu", "gpu"):
        for run in REFERENCE_RUNS:
            make_config(run.config, profile, **run.overrides)
    assert len({r.name for r in REFERENCE_RUNS}) == len(REFERENCE_RUNS)
    named = {r.name for r in REFERENCE_RUNS}
    for claim in rt.CLAIMS:
        assert {claim.lower, claim.higher} <= named, claim.statement
    for *_, config, overrides, _ in rt.TABLE4_ROWS:
        assert rt.run_name(config, overrides) in named


# ---------------------------------------------------------------------------------------------------------
# The shipped zoo
# ---------------------------------------------------------------------------------------------------------
SHIPPED = model_zoo.zoo_entries("cpu")
# the showcase: the long study's seed-0 runs (results/cpu-long), shipped as they finish
SHOWCASE = model_zoo.zoo_entries("cpu-long")
ENTRIES = [("cpu", c) for c in SHIPPED] + [("cpu-long", c) for c in SHOWCASE]


@pytest.mark.skipif(not ENTRIES, reason="the zoo is not built yet (python -m sgan reference)")
@pytest.mark.parametrize("profile, config", ENTRIES)
def test_the_shipped_zoo_loads_draws_its_hash_and_matches_todays_profile(profile, config):
    path = model_zoo.zoo_path(config, profile)
    state = torch.load(path, weights_only=True)
    origin = state["provenance"]
    assert path.stat().st_size <= model_zoo.MAX_BYTES
    assert {"config", "commit", "kimg", "train_minutes", "fid_best", "fid_final"} <= set(origin)
    assert {v.dtype for v in state["G_ema"].values() if v.is_floating_point()} == {torch.float16}
    G = sgan.zoo(config, profile)
    largest, changed = model_zoo.redraw_difference(G, state)
    assert largest <= 1 and changed < 0.001, (largest, changed)  # another CPU may round a pixel by one level
    shipped = sgan.RunConfig.from_json(state["config"])
    assert not shipped.differences(make_config(config, profile, seed=origin["seed"]))  # not stale
    # the provenance's fid2k is the committed report's number for that run (seed 0 comes first in its values)
    tables = rt.load_reference(Path(__file__).resolve().parents[1] / "results" / profile)
    row = next(r for r in tables["table1"] if r["config"] == config)
    assert origin["fid_metric"] == "fid2k" and origin["seed"] == tables["seeds"][0] == 0
    assert origin["fid_best"] == pytest.approx(row["fid_best"]["values"][0], rel=1e-12)


@pytest.mark.skipif("F" not in SHOWCASE, reason="the long study's F is not in the zoo yet (make reference-long)")
def test_a_fresh_clone_shows_the_showcase_f_in_the_mixing_and_editing_widgets(tmp_path, monkeypatch, capsys):
    """`make lab` with no runs: notebooks 06 and 14 take F from showcase_run, which is then the long study's F."""
    from sgan.studies.ablation import showcase_run

    monkeypatch.setenv("SGAN_RUNS", str(tmp_path / "runs"))
    folder = showcase_run("F", "cpu", 0, out_dir=tmp_path / "runs" / "course" / "cpu")
    assert folder == tmp_path / "runs" / "zoo" / "cpu-long" / "F"
    origin = model_zoo.zoo_provenance("F", "cpu-long")
    out = capsys.readouterr().out
    assert "the showcase" in out and f"fid2k best {origin['fid_best']:.2f}" in out and origin["kimg"] == 192
    G = sgan.load_generator(folder)
    assert G.cfg.resolution == make_config("F", "cpu").model.resolution  # shown beside the learner's data
    notebooks = Path(__file__).resolve().parents[1] / "notebooks"
    assert "StyleMixingWidget(G_show" in (notebooks / "06_config_f_style_mixing.py").read_text()
    assert 'showcase_run("F"' in (notebooks / "14_projection_and_editing.py").read_text()


def test_the_shipped_zoo_is_small_and_complete():
    if not SHIPPED:
        pytest.skip("the cpu zoo is not built yet (python -m sgan reference)")
    assert SHIPPED == list("ABCDEF")
    assert set(SHOWCASE) <= set("ABCDEF")
    assert sum(model_zoo.zoo_path(c, p).stat().st_size for p, c in ENTRIES) <= 25_000_000  # every zoo together
    with pytest.raises(FileNotFoundError, match="has no config 'Q'"):
        sgan.zoo("Q")


# ---------------------------------------------------------------------------------------------------------
# The long study (issue 25): its order, where F crosses A, what reproduced at each budget, the showcase
# ---------------------------------------------------------------------------------------------------------
def test_the_long_study_trains_a_f_b_first_then_e_c_d_then_the_variants_then_third_seeds():
    from sgan.studies.reference import study_jobs

    jobs = study_jobs("long", (0, 1, 2), 2)
    order = [(r.name, s) for r, s in jobs]
    assert order == [("A", 0), ("F", 0), ("B", 0), ("A", 1), ("F", 1), ("B", 1), ("E", 0), ("C", 0), ("D", 0),
                     ("F-resample=nearest", 0), ("F-use_noise=False", 0), ("A", 2), ("F", 2)]
    for run, _ in jobs:  # only the paper's switches differ: a variant is F with exactly its one switch changed
        cfg = make_config(run.config, "cpu-long", **run.overrides)
        expected = [f"model.{k}" for k in run.overrides]
        assert cfg.differences(make_config(run.config, "cpu-long")) == expected
    assert [(r.name, s) for r, s in study_jobs("long", (5,), 2)] == [
        ("A", 5), ("F", 5), ("B", 5), ("E", 5), ("C", 5), ("D", 5), ("F-resample=nearest", 5),
        ("F-use_noise=False", 5)]
    with pytest.raises(ValueError, match="Unknown study 'longer'"):
        study_jobs("longer", (0,), 2)
    long, short = make_config("F", "cpu-long"), make_config("F", "cpu")
    assert long.differences(short) == ["model.fmap_base", "profile", "train.total_kimg"]


def test_crossings_are_where_the_difference_changes_sign_by_linear_interpolation():
    from sgan.studies.reference_long import crossing_summary, crossings

    kimg_a = np.array([0.0, 10, 20, 30, 40])
    fid_a = np.full(5, 10.0)
    kimg_f = np.array([0.0, 5, 15, 25, 35, 40])
    fid_f = np.array([30.0, 20, 8, 12, 6, 5])  # under A between 5 and 15, over between 15 and 25, under after
    found = crossings(kimg_a, fid_a, kimg_f, fid_f)
    # F − A: 10 at 5, −2 at 15 -> 0 at 5 + 10·10/12; −2 at 15, 2 at 25 -> 20; 2 at 25, −4 at 35 -> 25 + 10/3
    assert [c["direction"] for c in found] == ["below", "above", "below"]
    assert [c["kimg"] for c in found] == pytest.approx([5 + 100 / 12, 20.0, 25 + 10 / 3])
    text = crossing_summary(found, True)
    assert "3 times" in text and "F ends below A, from 28.3 kimg on" in text
    assert "never cross" in crossing_summary([], False) and "stays above" in crossing_summary([], False)
    assert "no finished run" in crossing_summary([], None)
    from sgan.studies.reference_long import space_scores_sentence

    assert space_scores_sentence(None, ["B"]).startswith("B has no finished seed-0 run yet")
    assert space_scores_sentence(None, ["F", "B"]).startswith("F and B have no finished seed-0 run yet")
    assert crossings(kimg_a, fid_a, kimg_a, fid_a + 1) == []


def test_a_curve_is_still_falling_when_its_last_quarter_drops_by_more_than_its_noise():
    from sgan.studies.reference_long import late_trend, late_trend_sentence

    kimg = np.arange(1, 17, dtype=float)  # ticks at 1..16 kimg: third quarter 9..12, last 13..16
    wiggle = np.array([0.1, -0.1] * 8)
    falling = late_trend({"kimg": kimg, "fid": 40 - kimg + wiggle})
    # third quarter: 40 − 10.5 = 29.5, last: 40 − 14.5 = 25.5 (the wiggle averages out), spread ≈ 1.3
    assert falling["third"] == pytest.approx(29.5) and falling["last"] == pytest.approx(25.5)
    assert falling["falling"]
    flat = late_trend({"kimg": kimg, "fid": np.where(kimg > 8, 10.0, 30.0) + 3 * wiggle})
    assert flat["last"] == pytest.approx(flat["third"]) and not flat["falling"]
    text = late_trend_sentence({"A": flat, "F": falling}, 16)
    assert "A: mean FID 10.00" in text and "flat within its tick-to-tick noise" in text
    assert "F: mean FID 29.50 over the third quarter of the budget, 25.50 over the last" in text
    assert "still falling" in text


def test_what_reproduced_by_budget_flags_an_order_that_changed():
    from sgan.studies.reference_long import budget_reproduced, budget_reproduced_markdown

    short = rt.reproduced({"A": [fake_result(10), fake_result(11)], "F": [fake_result(20), fake_result(21)]})
    long = rt.reproduced({"A": [fake_result(12), fake_result(13)], "F": [fake_result(8), fake_result(9)]})
    rows = budget_reproduced(long, short)
    assert [r["claim"] for r in rows] == ["the style-based generator beats the baseline (F < A)"]
    assert rows[0]["order_changed"] and not rows[0]["short"]["holds"] and rows[0]["long"]["holds"]
    text = budget_reproduced_markdown(rows, 30, 192)
    assert "reversed (bands separate)" in text and "as the paper (bands separate)" in text and "| yes |" in text
    assert not budget_reproduced(long, long)[0]["order_changed"]


def test_the_variants_table_sets_each_variant_against_f(tmp_path):
    import json

    from sgan.studies.ablation import results_path
    from sgan.studies.reference_long import variants_markdown, variants_table

    bests = {("A", 0): 7.0, ("F", 0): 12.0, ("F", 1): 14.0, ("F-resample=nearest", 0): 9.0}
    for (name, seed), best in bests.items():
        path = results_path(tmp_path / f"seed{seed}" / name)
        path.parent.mkdir(parents=True)
        path.write_text(json.dumps(fake_result(best)))
    rows = {r["run"]: r for r in variants_table(tmp_path, (0, 1), ["F-resample=nearest", "F-use_noise=False"])}
    assert list(rows) == ["A", "F", "F-resample=nearest"]  # F without noise has not run: no row
    assert rows["F"]["fid_best"]["mean"] == 13.0 and rows["F"]["fid_best"]["n"] == 2
    assert rows["F-resample=nearest"]["minus_F"] == pytest.approx(9.0 - 13.0)
    assert rows["A"]["minus_F"] == pytest.approx(-6.0)
    text = variants_markdown(list(rows.values()), "fid2k")
    assert "| F-resample=nearest | 1 | 9.00 | 10.00 | -4.00 |" in text


def test_the_long_report_reads_every_run_and_its_attributes(smoke_reference, tmp_path):
    import json

    from sgan.studies.ablation import load_data, read_results, resolve_config
    from sgan.studies.reference_long import write_long_report

    data = load_data(resolve_config("F", "smoke"), progress=False)
    paths = write_long_report(smoke_reference["run_root"], (0, 1), tmp_path, smoke_reference["paths"]["json"].parent,
                              data)
    report = json.loads(paths["long_json"].read_text())
    rows = {r["config"]: r for r in report["table1"]}
    assert sorted(rows) == ["B", "E", "F"]  # A was not trained: no row, no crossing
    for c in "BEF":
        runs = [read_results(smoke_reference["run_root"] / f"seed{s}" / c) for s in (0, 1)]
        attrs = [r["details"]["attrs256"] for r in runs]
        assert rows[c]["attrs"]["values"] == pytest.approx([a["value"] for a in attrs])
        assert rows[c]["eyes_open"]["mean"] == pytest.approx(np.mean([a["fake"]["eyes_open"]["rate"] for a in attrs]))
        assert rows[c]["fid_best"]["n"] == 2
    assert report["crossings_F_A"] == [] and report["F_ends_below_A"] is None
    text = paths["long_markdown"].read_text()
    assert "no finished run" in text and "(no variant finished yet)" in text
    # F and B of seed 0 finished: issue 28's scores, each in [0, 1], and the sentence follows them
    scores = report["space_scores"]
    assert sorted(scores) == ["B-z", "F-w", "F-w+", "F-z"] and all(0 <= v <= 1 for v in scores.values())
    cleaner = "is cleaner than" if scores["F-w"] < scores["B-z"] else "is not cleaner than"
    assert f"F in W {scores['F-w']:.3f}" in text and f"F's W {cleaner} the traditional B's Z" in text
    for name in ("curves_abf", "samples"):
        assert paths[name].stat().st_size > 1000, name


def test_showcase_run_prefers_a_run_as_long_then_the_showcase_then_trained_run(smoke_reference, tmp_path,
                                                                               monkeypatch, capsys):
    from sgan.studies import ablation

    monkeypatch.setattr(model_zoo, "zoo_dir", lambda profile="cpu": smoke_reference["root"] / "zoo")
    monkeypatch.setattr(ablation, "SHOWCASE_PROFILES", {"smoke": "smoke"})
    monkeypatch.setenv("SGAN_RUNS", str(tmp_path / "runs"))
    mine = smoke_reference["run_root"] / "seed0"
    assert ablation.showcase_run("F", "smoke", 0, out_dir=mine) == mine / "F"  # as long as the showcase
    assert "your run" in capsys.readouterr().out
    longer = {**model_zoo.zoo_provenance("F", "smoke"), "kimg": 192.0}
    monkeypatch.setattr(model_zoo, "zoo_provenance", lambda config, profile: longer)
    folder = ablation.showcase_run("F", "smoke", 0, out_dir=mine)  # yours is shorter: the showcase
    out = capsys.readouterr().out
    assert folder == tmp_path / "runs" / "zoo" / "smoke" / "F" and "the showcase" in out and "192 kimg" in out
    assert ablation.showcase_run("E", "smoke", 0, out_dir=mine) == mine / "E"  # no showcase E: trained_run
    monkeypatch.setattr(ablation, "SHOWCASE_PROFILES", {})
    assert ablation.showcase_run("F", "smoke", 0, out_dir=mine) == mine / "F"


def test_reproduced_from_tables_json_matches_the_runs_and_rebuilds_the_report(tmp_path):
    import json
    import shutil

    from sgan.studies.ablation import repo_root

    committed = repo_root() / "results" / "cpu"
    shutil.copy(committed / "tables.json", tmp_path / "tables.json")
    tables = json.loads((tmp_path / "tables.json").read_text())
    rows = {r["claim"]: r for r in rt.reproduced(None, lookup=rt.tables_lookup(tables))}
    for old in tables["reproduced"]:  # the sides of every claim read back as the runs gave them
        assert rows[old["claim"]]["lower"]["mean"] == pytest.approx(old["lower"]["mean"])
        assert rows[old["claim"]]["higher"]["mean"] == pytest.approx(old["higher"]["mean"])
    paths = rt.rerender_report(tmp_path)
    assert {"table1", "table2", "table3", "table4", "reproduced", "json"} <= set(paths)
    assert "direction by accident" in paths["reproduced"].read_text()
    assert "(final G)" in paths["table2"].read_text()


def test_a_claim_whose_mechanism_fails_holds_only_by_accident():
    def mixed(one, four):
        r = fake_result(one)
        r["metrics"].update({"fid256_mix2": four, "fid256_mix3": four, "fid256_mix4": four})
        return r

    # E improves with more latents (the paper's premise reversed); F is below E at 4 latents anyway
    results = {"E": [mixed(30, 20), mixed(31, 21)], "F": [mixed(25, 15), mixed(26, 16)]}
    rows = {r["claim"]: r for r in rt.reproduced(results)}
    f_below_e = rows["mixing regularization helps with 4 latents at test time (F < E)"]
    assert f_below_e["holds"] and not f_below_e["mechanism"] and "mechanism fails" in f_below_e["explained_by"]
    results = {"E": [mixed(20, 30), mixed(21, 31)], "F": [mixed(20, 22), mixed(21, 23)]}
    rows = {r["claim"]: r for r in rt.reproduced(results)}
    assert rows["mixing regularization helps with 4 latents at test time (F < E)"]["mechanism"]
    assert rows["mixing regularization shrinks the cost of mixing (rise from 1 to 4 latents: F < E)"]["mechanism"]
