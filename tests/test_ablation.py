"""sgan.studies.ablation: run folders, completeness and reuse, results and the paper's tables."""

import json
import math

import numpy as np
import pytest
import torch

from sgan.config import PRESETS, make_config
from sgan.studies import ablation, ablation_tables


class TinyData:
    """An in-memory stand-in for ``ImageDataset`` (the contract's attributes), so no rendering is needed."""

    def __init__(self, n: int = 64, resolution: int = 16) -> None:
        rng = np.random.default_rng(0)
        self.images = rng.integers(0, 256, size=(n, 3, resolution, resolution), dtype=np.uint8)
        self.resolution, self.name, self.factors = resolution, "tiny", None

    def __len__(self) -> int:
        return len(self.images)

    def batch(self, indices, mirror=False, generator=None, device="cpu"):
        return (torch.from_numpy(self.images[np.asarray(indices)]).float() / 127.5 - 1).to(device)


# A few-step run: 64 images at 8², then 16² faded in over 32 images (the smoke profile, shortened).
TINY = dict(fade_kimg=0.032, stable_kimg=0.032, total_kimg=0.096, tick_kimg=0.048)
METRICS = ["ppl_wend_8"]


@pytest.fixture
def runs(tmp_path, monkeypatch):
    monkeypatch.setenv("SGAN_RUNS", str(tmp_path / "runs"))
    monkeypatch.setattr(ablation, "load_data", lambda *args, **kwargs: TinyData())
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # tiny networks: one thread is several times faster than two
    yield tmp_path / "runs" / "course" / "smoke"
    torch.set_num_threads(threads)


def test_paper_tables_are_complete_and_cite_their_source():
    assert list(ablation_tables.PAPER_TABLE1) == list(PRESETS)
    assert ablation_tables.PAPER_TABLE1["A"] == {"CelebA-HQ": 7.79, "FFHQ": 8.04}
    assert ablation_tables.PAPER_TABLE1["F"]["FFHQ"] == 4.40
    assert [r["config"] for r in ablation_tables.PAPER_TABLE3] == ["B", "D", "E", None, "F"]
    assert all(set(row) == {1, 2, 3, 4} for row in ablation_tables.PAPER_TABLE2.values())
    assert ablation_tables.PAPER_TABLE4[-1]["separability"] == ablation_tables.PAPER_TABLE3[-1]["separability"] == 3.79
    assert "1812.04948" in ablation_tables.PAPER_SOURCE


def test_paths_follow_the_environment_and_the_repository(tmp_path, monkeypatch):
    monkeypatch.setenv("SGAN_RUNS", str(tmp_path / "r"))
    monkeypatch.setenv("SGAN_DATA", str(tmp_path / "d"))
    assert ablation.course_dir("cpu") == tmp_path / "r" / "course" / "cpu"
    assert ablation.data_root() == tmp_path / "d"
    monkeypatch.delenv("SGAN_RUNS")
    root = ablation.repo_root(__file__)
    assert (root / "sgan" / "studies" / "ablation.py").is_file()
    monkeypatch.chdir(root / "sgan")
    assert ablation.runs_root() == root / "runs"  # a subfolder (e.g. notebooks/) writes where make course does
    assert ablation.repo_root(tmp_path) is None
    with pytest.raises(ValueError, match="Unknown profile"):
        ablation.course_dir("laptop")


def test_run_names_and_config_resolution():
    assert ablation.run_name("F") == "F"
    assert ablation.run_name("F", {"style_mixing_prob": 0.5, "mapping_layers": 2}) == \
        "F-mapping_layers=2-style_mixing_prob=0.5"
    cfg = ablation.resolve_config("E", "smoke", seed=3, overrides={"style_mixing_prob": 0.5})
    assert cfg.train.seed == 3 and cfg.model.style_mixing_prob == 0.5 and cfg.model.name == "E"
    with pytest.raises(ValueError, match="Unknown config"):
        ablation.resolve_config("G", "smoke")


def test_training_complete_needs_the_same_config_and_the_full_schedule(tmp_path):
    cfg = make_config("F", "smoke")
    run = tmp_path / "F"
    (run / "checkpoints").mkdir(parents=True)
    assert not ablation.training_complete(run, cfg)
    (run / "config.json").write_text(cfg.to_json())
    (run / "checkpoints" / "latest.pt").write_bytes(b"x")
    (run / "log.jsonl").write_text(json.dumps({"kimg": cfg.train.total_kimg - 0.016}) + "\n")
    assert ablation.config_matches(run, cfg) and not ablation.training_complete(run, cfg)
    (run / "log.jsonl").write_text(json.dumps({"kimg": cfg.train.total_kimg}) + "\n")
    assert ablation.training_complete(run, cfg)
    assert not ablation.training_complete(run, make_config("F", "smoke", seed=1))


def test_run_ablation_trains_measures_and_then_reuses(runs, monkeypatch):
    results = ablation.run_ablation("F", "smoke", overrides=TINY, metrics=METRICS, progress=False)
    run_dir = runs / ablation.run_name("F", TINY)
    assert results["run_dir"] == str(run_dir) and (run_dir / "results.json").is_file()
    assert set(results["metrics"]) == set(METRICS) and math.isfinite(results["metrics"]["ppl_wend_8"])
    assert results["details"]["ppl_wend_8"]["metric"] == "ppl_wend_8"
    curve = results["learning_curve"]  # the FID of every tick, from the run's log
    assert len(curve["fid"]) == len(curve["kimg"]) == 2 and curve["final"] == curve["fid"][-1]
    assert curve["best"] == min(curve["fid"]) and curve["best_kimg"] in curve["kimg"]
    cfg = ablation.resolve_config("F", "smoke", 0, TINY)
    assert ablation.results_complete(run_dir, cfg, METRICS)

    def no_training(*args, **kwargs):
        raise AssertionError("a complete run was trained again")

    monkeypatch.setattr(ablation, "train", no_training)
    again = ablation.run_ablation("F", "smoke", overrides=TINY, metrics=METRICS, progress=False)
    assert again == results
    assert ablation.ensure_trained("F", "smoke", overrides=TINY, progress=False) == run_dir
    log = [json.loads(line) for line in (run_dir / "log.jsonl").read_text().splitlines()]
    assert results["train_seconds"] == round(log[-1]["time"], 1)  # the trainer's clock
    # trained over several sessions (its log's clock says 1234.5 s), measured now: the training time is the log's,
    # not this call's (which trained nothing)
    log[-1]["time"] = 1234.5
    (run_dir / "log.jsonl").write_text("".join(json.dumps(r) + "\n" for r in log))
    ablation.results_path(run_dir).unlink()
    measured = ablation.run_ablation("F", "smoke", overrides=TINY, metrics=METRICS[:1], progress=False)
    assert measured["train_seconds"] == 1234.5


def test_a_run_whose_config_changed_is_moved_aside_and_retrained(runs):
    ablation.ensure_trained("D", "smoke", overrides=TINY, progress=False)
    run_dir = runs / ablation.run_name("D", TINY)
    cfg = json.loads((run_dir / "config.json").read_text())
    cfg["train"]["r1_gamma"] = 5.0  # as if the profile had been retuned since
    (run_dir / "config.json").write_text(json.dumps(cfg))
    ablation.ensure_trained("D", "smoke", overrides=TINY, progress=False)
    stale = [p.name for p in runs.iterdir() if ".stale-" in p.name]
    assert len(stale) == 1 and stale[0].startswith(run_dir.name)
    assert ablation.training_complete(run_dir, ablation.resolve_config("D", "smoke", 0, TINY))
    assert ablation_tables.load_results(runs) == []  # stale folders are never collected


def _result(config: str, fid: float, use_styles: bool) -> dict:
    cfg = make_config(config, "smoke")
    metrics = {"fid256": fid, "ppl_zfull_128": 10.0, "ppl_zend_128": 11.0, "ppl_wfull_128": 5.0,
               "ppl_wend_128": 4.0, "ls512": 3.0}
    details = {k: {"value": v} for k, v in metrics.items()}
    details["ls512"].update(value_z=7.0, value_w=3.0)
    assert cfg.model.use_styles == use_styles
    return {"name": config, "config": config, "profile": "smoke", "overrides": {},
            "run_config": cfg.to_dict(), "metrics": metrics, "details": details}


def test_tables_put_ours_beside_the_paper(tmp_path):
    results = [_result("B", 30.0, False), _result("F", 20.0, True)]
    results[1]["details"]["fid256"]["feature_network"] = "domain-net-x"
    results[1]["learning_curve"] = {"metric": "fid256", "feature_network": "domain-net-x", "best": 15.0,
                                    "best_kimg": 0.384, "final": 20.0}
    results[0]["learning_curve"] = {**results[1]["learning_curve"], "feature_network": "inception-x"}
    t1 = ablation_tables.table1_rows(results)
    assert [r["config"] for r in t1] == ["B", "F"]
    assert t1[1]["fid256"] == 20.0 and t1[1]["paper FFHQ"] == 4.40 and t1[0]["paper CelebA-HQ"] == 6.11
    assert (t1[1]["fid256 best"], t1[1]["best at kimg"]) == (15.0, 0.384)
    assert ablation_tables.attribute_rows(results) == []  # no attrs measured
    facial = {f: {"rate": 0.5} for f in ("eyes_open", "smiling", "glasses")}
    results[1]["metrics"]["attrs256"] = 0.1
    results[1]["details"]["attrs256"] = {"value": 0.1, "fake": {**facial, "eyes_open": {"rate": 0.25}},
                                         "real": facial}
    rows = ablation_tables.attribute_rows(results)
    assert rows == [{"config": "F", "attrs256": 0.1, "eyes_open G / data": "0.25 / 0.50",
                     "smiling G / data": "0.50 / 0.50", "glasses G / data": "0.50 / 0.50"}]
    del results[1]["metrics"]["attrs256"], results[1]["details"]["attrs256"]
    assert math.isnan(t1[0]["fid256 best"])  # a curve of another feature network is not the same metric
    t3 = ablation_tables.table3_rows(results)
    assert t3[0]["space"] == "Z" and t3[0]["ppl full"] == 10.0 and t3[0]["separability"] == 7.0
    assert t3[1]["space"] == "W" and t3[1]["ppl end"] == 4.0 and t3[1]["separability"] == 3.0
    assert t3[1]["paper ppl full"] == 234.0 and t3[0]["paper separability"] == 10.78
    md = ablation_tables.markdown_table(t1)
    assert md.splitlines()[0].startswith("| config |") and len(md.splitlines()) == 4
    for r in results:
        (tmp_path / r["name"]).mkdir()
        (tmp_path / r["name"] / "results.json").write_text(json.dumps(r))
    paths = ablation_tables.write_tables(tmp_path)
    tables = json.loads(paths["json"].read_text())
    assert [r["config"] for r in tables["table1"]] == ["B", "F"]
    assert "Table 1" in paths["markdown"].read_text() and "—" in md.splitlines()[2]  # B has no best
    assert "—" not in md.splitlines()[3]
