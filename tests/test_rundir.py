"""The run directory has one owner (``sgan.training.rundir.RunDir``): its paths are the ones sgan.train writes, and its
answers (the log, the config, complete or not, the training time) follow the files."""

import json

import pytest

from sgan.config import make_config
from sgan.training.loop import train
from sgan.training.rundir import RunDir


def test_a_trained_run_is_where_rundir_says(tmp_path):
    cfg = make_config("F", "smoke", total_kimg=0.064, tick_kimg=0.032)
    run = RunDir(tmp_path / "F")
    result = train(cfg, "synthetic", run.path, progress=False, data_root=tmp_path / "data", data_n=64)
    assert result.run_dir == run.path and not result.interrupted
    for path in (run.config_path, run.data_path, run.log_path, run.latest_checkpoint, run.grid_path("reals"),
                 run.grid_path(0), run.grid_path(1)):
        assert path.is_file(), path
    rows = [json.loads(line) for line in run.log_path.read_text().splitlines()]
    assert run.log() == rows and run.last_row() == rows[-1] and len(run.tick_grids()) == len(rows) + 1
    assert run.config() == cfg and run.matches(cfg) and run.is_complete(cfg)
    assert not run.is_complete(make_config("F", "smoke", total_kimg=0.128, tick_kimg=0.032))  # a longer budget
    assert not run.matches(make_config("F", "smoke", seed=1, total_kimg=0.064, tick_kimg=0.032))
    assert run.train_seconds(-1.0) == rows[-1]["time"] and run.results() is None


def test_an_empty_folder_answers_without_failing_except_for_the_log(tmp_path):
    run = RunDir(tmp_path)
    assert run.config() is None and run.results() is None and run.last_row() is None
    assert not run.has_checkpoint() and not run.is_complete(make_config("F", "smoke"))
    assert run.train_seconds(12.5) == 12.5 and run.tick_grids() == []
    with pytest.raises(FileNotFoundError, match="is .* a run directory written by sgan.train"):
        run.log()
