"""Watching a run: the live view's figure data, TensorBoard events equal to the log, the timelapse (no browser;
tests/test_browser.py drives the live view in JupyterLab). One smoke run of F is shared by the module."""

import io
import json
import math
import os
import signal
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from sgan.config import make_config
from sgan.data import load_dataset
from sgan.training import live, tensorboard_events
from sgan.training.loop import train
from sgan.viz import timelapse
from sgan.viz.curves import read_log

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def data16(tmp_path_factory):
    return load_dataset("synthetic", resolution=16, n=512, root=tmp_path_factory.mktemp("data"), progress=False)


@pytest.fixture(scope="module")
def smoke_run(data16, tmp_path_factory):
    """Config F at the smoke profile, trained with the live view forced on (as in JupyterLab)."""
    out = tmp_path_factory.mktemp("watch") / "F"
    seen = []
    run = train(make_config("F", "smoke"), data16, out, progress=False, live=True, on_tick=seen.append)
    return {"run": run, "rows": seen, "dir": out}


def _row(tick, kimg, **extra):
    return {"tick": tick, "kimg": kimg, "resolution": 8, "alpha": 1.0, "loss_D": 1.0 / tick, "loss_G": -tick,
            "images_per_s": 100.0 + tick, "sec_per_tick": 2.0, "fid_seconds": 1.0, **extra}


# ----- the live view -----
def test_figure_data_follows_the_log():
    rows = [_row(1, 2.0, fid=50.0, fid_metric="fid2k"), _row(2, 4.0, fid=30.0, fid_metric="fid2k"),
            _row(3, 6.0, fid=40.0, fid_metric="fid2k")]
    band = {"metric": "fid2k", "mean": 25.0, "std": 2.0, "n": 3, "low": 21.0, "high": 29.0}
    data = live.figure_data(rows, total_kimg=30.0, band=band)
    assert data["losses"]["loss_D"] == {"kimg": [2.0, 4.0, 6.0], "value": [1.0, 0.5, 1 / 3]}
    assert data["losses"]["loss_G"]["value"] == [-1.0, -2.0, -3.0]
    assert data["fid"] == {"metric": "fid2k", "kimg": [2.0, 4.0, 6.0], "value": [50.0, 30.0, 40.0],
                           "best": 30.0, "best_kimg": 4.0}
    assert data["band"] is band
    now = data["now"]
    assert (now["tick"], now["kimg"], now["images_per_s"]) == (3, 6.0, 103.0)
    # 3 s of wall time (2 training + 1 FID) per 2 kimg: the 24 kimg left take 36 s
    assert now["eta_s"] == pytest.approx(36.0)
    assert live.figure_data(rows, 30.0, {**band, "metric": "fid10k"})["band"] is None  # another metric: no band
    first = live.figure_data(rows[:1], 30.0)
    assert first["now"]["eta_s"] == pytest.approx(28.0 * 3.0 / 2.0) and first["band"] is None
    assert live.figure_data([], 30.0)["fid"] is None and live.figure_data([], 30.0)["now"]["eta_s"] is None
    assert "ETA 0:36" in live.status_text(data) and "fid2k 40.00" in live.status_text(data)


def test_svg_chart_draws_each_series_and_the_band():
    svg = live.svg_chart([("a", "#f00", [0, 1, 2], [1.0, 2.0, 3.0]), ("b", "#00f", [0, 2], [0.5, math.nan])],
                         "t", x_max=4.0, band=(1.5, 2.5, "ref"))
    assert svg.startswith("<svg") and svg.endswith("</svg>")
    assert svg.count("<polyline") == 2 and 'stroke="#f00"' in svg  # the NaN is skipped, one point is left
    assert 'fill-opacity="0.18"' in svg and ">ref<" in svg
    assert live.nice_ticks(0, 30) == [0, 10, 20, 30] and live.nice_ticks(0.3, 0.9)[0] <= 0.3


def test_reference_band_is_the_reference_runs_best_fid(monkeypatch):
    tables = json.loads((ROOT / "results" / "cpu" / "tables.json").read_text())
    row = next(r for r in tables["table1"] if r["config"] == "F")
    monkeypatch.chdir(ROOT)
    band = live.reference_band(make_config("F", "cpu"))
    assert band["metric"] == tables["metric"] and band["n"] == row["fid_best"]["n"]
    assert band["low"] == pytest.approx(row["fid_best"]["mean"] - 2 * row["fid_best"]["std"])
    assert band["high"] == pytest.approx(row["fid_best"]["mean"] + 2 * row["fid_best"]["std"])
    assert live.reference_band(make_config("F", "cpu", style_mixing_prob=0.5)) is None  # not the preset
    assert live.reference_band(make_config("F", "smoke")) is None  # no reference runs at smoke


def test_live_view_fed_the_log_shows_its_curves_and_latest_grid(smoke_run):
    run_dir, rows = smoke_run["dir"], read_log(smoke_run["dir"])
    assert smoke_run["rows"] == rows  # on_tick still gets every row beside the view
    view = live.LiveView(make_config("F", "smoke"), run_dir)
    for row in rows:
        view.update(row)
    assert view.updates == len(rows) and view.seconds > 0
    assert view.data == live.figure_data(rows, 0.512)
    assert view.data["fid"]["value"] == [r["fid"] for r in rows]
    assert view.progress.value == pytest.approx(0.512) and view.status.value.startswith(f"tick {len(rows)} ·")
    assert bytes(view.losses.value).decode().count("<polyline") == 2
    assert bytes(view.fid.value).decode().count("<polyline") == 1
    from PIL import Image

    grid = np.asarray(Image.open(run_dir / "grids" / f"tick-{rows[-1]['tick']:06d}.png").convert("RGB"))
    shown = np.asarray(Image.open(io.BytesIO(bytes(view.grid.value))).convert("RGB"))
    factor = shown.shape[0] // grid.shape[0]
    assert factor >= 2 and np.array_equal(shown, grid.repeat(factor, 0).repeat(factor, 1))  # nearest neighbour


def test_stop_button_interrupts_this_kernel_through_the_server():
    button = live.stop_button_html("0123-abcd")
    assert "api/kernels/0123-abcd/interrupt" in button and "method:&#x27;POST&#x27;" in button
    assert live.STOP_LABEL in button
    assert "interrupt the kernel" in live.stop_button_html(None)  # outside a Jupyter server: how to stop
    assert live.kernel_id() is None  # pytest is no kernel


def test_the_view_is_shown_only_where_a_person_watches(monkeypatch):
    from sgan.training.frontend import in_live_frontend

    monkeypatch.delenv("SGAN_LIVE", raising=False)
    monkeypatch.setenv("JPY_SESSION_NAME", "x.ipynb")
    assert not in_live_frontend()  # no kernel here
    monkeypatch.setenv("SGAN_LIVE", "1")
    assert in_live_frontend()
    monkeypatch.setenv("SGAN_LIVE", "0")
    assert not in_live_frontend()


def test_a_stop_during_a_live_run_leaves_a_resumable_checkpoint(data16, tmp_path):
    cfg = make_config("B", "smoke")
    # what the stop button does: the server sends the kernel SIGINT
    run = train(cfg, data16, tmp_path / "run", progress=False, live=True,
                on_tick=lambda row: os.kill(os.getpid(), signal.SIGINT) if row["tick"] == 1 else None)
    assert run.interrupted and run.step == 9
    done = train(cfg, data16, tmp_path / "run", resume=True, progress=False, live=True)
    assert done.step == 32 and not done.interrupted


# ----- TensorBoard -----
def _assert_events_equal_log(run_dir: Path):
    rows = read_log(run_dir)
    events = tensorboard_events.read_events(run_dir)
    expected: dict[str, list] = {}
    for row in rows:
        for tag, value in tensorboard_events.scalars_of(row).items():
            expected.setdefault(tag, []).append((round(row["kimg"] * 1000), row["time"], value))
    assert set(events["scalars"]) == set(expected) and "fid/fid256" in expected and "loss/D" in expected
    for tag, points in expected.items():
        got = events["scalars"][tag]
        assert [s for s, _, _ in got] == [s for s, _, _ in points], tag
        assert np.allclose([w for _, w, _ in got], [w for _, w, _ in points]), tag
        assert np.allclose([v for _, _, v in got], [v for _, _, v in points], rtol=1e-6), tag  # float32
    images = events["images"][tensorboard_events.GRID_TAG]
    assert [s for s, _, _ in images] == [0] + [round(r["kimg"] * 1000) for r in rows]  # tick 0, then each tick
    from PIL import Image

    last = np.asarray(Image.open(io.BytesIO(images[-1][2])).convert("RGB"))
    grid = np.asarray(Image.open(run_dir / "grids" / f"tick-{rows[-1]['tick']:06d}.png").convert("RGB"))
    assert np.array_equal(last, grid)


def test_events_written_during_training_equal_the_log(smoke_run):
    assert len(list(smoke_run["dir"].glob(tensorboard_events.EVENTS_GLOB))) == 1
    _assert_events_equal_log(smoke_run["dir"])


def test_events_are_rebuilt_from_the_log_for_an_older_run(smoke_run, tmp_path):
    import shutil

    old = tmp_path / "old"
    shutil.copytree(smoke_run["dir"], old, ignore=shutil.ignore_patterns("events.out.tfevents.*"))
    assert tensorboard_events.events_stale(old)
    proc = subprocess.run([sys.executable, "-m", "sgan", "tensorboard", "--logdir", str(tmp_path), "--no-serve"],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert "events rebuilt for 1 run(s)" in proc.stdout
    assert not tensorboard_events.events_stale(old)
    _assert_events_equal_log(old)


def test_resumed_run_events_hold_only_the_logs_rows(data16, tmp_path):
    cfg = make_config("B", "smoke")
    run = train(cfg, data16, tmp_path / "run", progress=False,
                on_tick=lambda row: os.kill(os.getpid(), signal.SIGINT) if row["tick"] == 2 else None)
    assert run.interrupted
    train(cfg, data16, tmp_path / "run", resume=True, progress=False)
    _assert_events_equal_log(tmp_path / "run")


# ----- the timelapse -----
def test_timelapse_has_one_frame_per_tick_labelled_with_kimg_and_fid(smoke_run, tmp_path):
    rows = read_log(smoke_run["dir"])
    frames = timelapse.timelapse_frames(smoke_run["dir"])
    assert [f.tick for f in frames] == [0] + [r["tick"] for r in rows]
    assert frames[-1].label == f"tick {rows[-1]['tick']} · {rows[-1]['kimg']:g} kimg · fid256 {rows[-1]['fid']:.1f}"
    assert frames[0].label == "tick 0 · 0 kimg"
    out = tmp_path / "F.gif"
    proc = subprocess.run([sys.executable, "-m", "sgan", "timelapse", "--run", str(smoke_run["dir"]), "--out",
                           str(out), "--height", "64"], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    gif = timelapse.gif_frames(out)
    assert len(gif) == len(frames)
    assert np.abs(gif[0].astype(int) - gif[-1].astype(int)).mean() > 1  # the faces change over training


def test_side_by_side_frames_hold_the_shorter_runs_last_frame(smoke_run):
    frames = timelapse.timelapse_frames(smoke_run["dir"])
    both = timelapse.side_by_side({"A": frames[:2], "F": frames}, height=64)
    assert len(both) == len(frames)
    single = timelapse.labelled(frames[1], 64, "A")
    assert np.array_equal(both[-1][:, :single.shape[1]], single)  # A holds its last frame (tick 1)


def test_timelapse_widget_slider_shows_each_tick(smoke_run):
    widget = timelapse.TimelapseWidget(smoke_run["dir"], height=64)
    frames = widget.frames
    assert widget.slider.max == len(frames) - 1 and widget.slider.value == len(frames) - 1
    widget.slider.value = 0
    assert np.array_equal(widget.image, timelapse.labelled(frames[0], 64))


def test_timelapse_errors_name_the_fix(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "sgan", "timelapse", "--run", str(tmp_path / "nope")],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2 and "log.jsonl not found" in proc.stderr
    (tmp_path / "r").mkdir()
    (tmp_path / "r" / "log.jsonl").write_text(json.dumps({"tick": 1, "kimg": 1.0}) + "\n")
    with pytest.raises(FileNotFoundError, match="tick-000001.png is missing"):
        timelapse.timelapse_frames(tmp_path / "r")
