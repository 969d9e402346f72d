"""The command line: train and sample through ``sgan.cli.main.main``, overrides, and the errors it reports."""

import subprocess
import sys

import numpy as np
import pytest
import torch
from PIL import Image

from sgan.cli.main import COMMANDS, main
from sgan.cli.train import parse_overrides
from sgan.config import RunConfig
from sgan.sample import generate_images
from sgan.training.checkpoint import load_generator


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    root = tmp_path_factory.mktemp("cli")
    code = main(["train", "--config", "E", "--profile", "smoke", "--data", "synthetic", "--data-root",
                 str(root / "data"), "--data-n", "64", "--out", str(root / "run"), "--max-steps", "3",
                 "--set", "start_resolution=16", "--set", "mirror=false", "--set", "num_threads=1",
                 "--no-progress"])
    assert code == 0
    return root / "run"


def test_train_writes_a_run_with_the_overrides(run_dir):
    cfg = RunConfig.from_json((run_dir / "config.json").read_text())
    assert (cfg.model.name, cfg.profile) == ("E", "smoke")
    assert (cfg.train.start_resolution, cfg.train.mirror) == (16, False)
    assert (run_dir / "checkpoints" / "latest.pt").is_file()


def test_resume_alone_uses_the_runs_own_config(run_dir, capsys):
    assert main(["train", "--out", str(run_dir), "--resume", "--max-steps", "4", "--data-n", "64",
                 "--data-root", str(run_dir.parent / "data"), "--no-progress"]) == 0
    assert "(4 steps)" in capsys.readouterr().out


def test_sample_writes_a_grid_of_one_image_per_seed(run_dir, tmp_path):
    out = tmp_path / "grid.png"
    assert main(["sample", "--run", str(run_dir), "--seeds", "0-3", "--psi", "0.7", "--out", str(out)]) == 0
    grid = np.asarray(Image.open(out))
    assert grid.shape == (32, 32, 3)  # 2 × 2 images of 16²
    G = load_generator(run_dir)
    alone = generate_images(G, [3], psi=0.7)  # a seed gives the same image alone or in a batch
    expected = np.asarray((alone[0].permute(1, 2, 0) * 127.5 + 127.5).round().clamp(0, 255).to(torch.uint8))
    np.testing.assert_array_equal(grid[16:, 16:], expected)


def test_sample_takes_a_zoo_entry_like_project_and_edit(tmp_path, capsys):
    from sgan.studies import model_zoo

    out = tmp_path / "zoo.png"
    assert main(["sample", "--run", "zoo:F", "--seeds", "0-3", "--psi", "1", "--out", str(out)]) == 0
    zoo_G = model_zoo.zoo("F", "cpu")
    r = zoo_G.cfg.resolution
    alone = generate_images(zoo_G, [0], psi=1.0)  # the zoo's F itself: seed 0 is the grid's first image
    expected = np.asarray((alone[0].permute(1, 2, 0) * 127.5 + 127.5).round().clamp(0, 255).to(torch.uint8))
    np.testing.assert_array_equal(np.asarray(Image.open(out))[:r, :r], expected)
    assert main(["sample", "--run", "zoo:F@cpu-long", "--seeds", "0", "--out", str(out)]) == 0
    assert np.asarray(Image.open(out)).shape[0] == model_zoo.zoo("F", "cpu-long").cfg.resolution
    assert main(["sample", "--run", "zoo:F", "--which", "G", "--seeds", "0", "--out", str(out)]) == 1
    assert "only the EMA generator" in capsys.readouterr().err
    assert main(["sample", "--run", "zoo:Q", "--seeds", "0", "--out", str(out)]) == 1
    assert "The zoo has no config 'Q'" in capsys.readouterr().err


def test_parse_overrides():
    assert parse_overrides(["seed=3", "mirror=False", "batch_sizes=[[8, 32]]", "loss=wgan_gp"]) == {
        "seed": 3, "mirror": False, "batch_sizes": [[8, 32]], "loss": "wgan_gp"}


@pytest.mark.parametrize(("argv", "message"), [
    (["train", "--out", "x", "--set", "learning_rate=0.1"], "learning_rate"),
    (["train", "--out", "x", "--set", "seed"], "key=value"),
    (["sample", "--run", "x", "--seeds", "3-1", "--out", "y.png"], "Bad seeds"),
    (["frobnicate"], "invalid choice"),
])
def test_usage_errors_exit_2_and_name_the_problem(argv, message, capsys):
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 2
    assert message in capsys.readouterr().err


def test_runtime_errors_exit_1(tmp_path, capsys):
    assert main(["train", "--config", "F", "--profile", "smoke", "--out", str(tmp_path), "--resume"]) == 1
    assert "Nothing to resume" in capsys.readouterr().err


def test_module_entry_point_lists_the_commands():
    done = subprocess.run([sys.executable, "-m", "sgan", "--help"], capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0
    assert all(name in done.stdout for name in COMMANDS)


def test_project_then_edit_writes_latents_and_a_strip(run_dir, tmp_path, capsys):
    import numpy as np
    from PIL import Image

    from sgan.sample import generate_images, save_grid
    from sgan.training.checkpoint import load_generator

    G = load_generator(run_dir)
    face = save_grid(generate_images(G, [3]), tmp_path / "face.png")
    assert main(["project", "--run", str(run_dir), "--image", str(face), "--out", str(tmp_path / "w.npy"),
                 "--steps", "20", "--preview", str(tmp_path / "check.png")]) == 0
    ws = np.load(tmp_path / "w.npy")
    assert ws.shape == (1, G.num_layers, G.cfg.w_dim) and "projected into W" in capsys.readouterr().out
    assert main(["edit", "--run", str(run_dir), "--w", str(tmp_path / "w.npy"), "--factor", "beard",
                 "--frames", "5", "--fit", "64", "--remove", "glasses", "--layers", "0-1",
                 "--out", str(tmp_path / "strip.png")]) == 0
    r = G.cfg.resolution
    assert Image.open(tmp_path / "strip.png").size[0] >= 5 * r and "holding glasses" in capsys.readouterr().out
    # the α = 0 frame (the middle of -3..3 in 5 frames) is the projection's image: edit renders with the noise
    # maps project wrote beside the latents (config E draws noise; with zero noise the frame differs)
    assert (tmp_path / "w.noise.npz").is_file()
    strip = np.asarray(Image.open(tmp_path / "strip.png"))
    projected = np.asarray(Image.open(tmp_path / "check.png"))[r:2 * r]  # preview: targets, then projections
    np.testing.assert_array_equal(strip[:, 2 * r:3 * r], projected)
    (tmp_path / "w.noise.npz").unlink()  # latents without their noise maps: zero noise, and the command says so
    assert main(["edit", "--run", str(run_dir), "--w", str(tmp_path / "w.npy"), "--factor", "beard",
                 "--frames", "3", "--fit", "64", "--out", str(tmp_path / "bare.png")]) == 0
    assert "zero noise" in capsys.readouterr().out
    bare = np.asarray(Image.open(tmp_path / "bare.png"))
    assert not np.array_equal(bare[:, r:2 * r], projected)
    with pytest.raises(SystemExit) as exit_info:
        main(["edit", "--run", str(run_dir), "--w", str(tmp_path / "w.npy"), "--factor", "nose", "--out", "x.png"])
    assert exit_info.value.code == 2 and "choose one of yaw" in capsys.readouterr().err
    Image.new("RGB", (r + 3, r + 3)).save(tmp_path / "odd.png")
    with pytest.raises(SystemExit):
        main(["project", "--run", str(run_dir), "--image", str(tmp_path / "odd.png"), "--out", "w.npy"])
    assert "give a square image" in capsys.readouterr().err


@pytest.mark.parametrize("study", ["course", "reference", "sweep", "bench", "prose"])
def test_the_studies_are_subcommands_with_their_own_arguments(study, capsys):
    from sgan.cli.main import STUDIES

    assert study in STUDIES
    with pytest.raises(SystemExit) as done:
        main([study, "--help"])
    assert done.value.code == 0 and f"usage: python -m sgan {study}" in capsys.readouterr().out

