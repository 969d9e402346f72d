"""Checkpoints: atomic writes, weights_only reads, every RNG state restored, generators rebuilt from a run."""

import random

import numpy as np
import pytest
import torch

from sgan.config import make_config
from sgan.data import load_dataset
from sgan.training.checkpoint import (
    capture_rng,
    checkpoint_path,
    load_checkpoint,
    load_generator,
    restore_rng,
    save_checkpoint,
)
from sgan.training.loop import train


def test_round_trip_with_weights_only(tmp_path):
    state = {"G": {"w": torch.arange(6.0).view(2, 3)}, "progress": {"nimg": 1234, "stage": [16, True]},
             "config": '{"a": 1}'}
    path = save_checkpoint(tmp_path / "ck" / "latest.pt", state)
    loaded = torch.load(path, weights_only=True)  # plain data and tensors only: no code is unpickled
    assert torch.equal(loaded["G"]["w"], state["G"]["w"])
    assert load_checkpoint(path)["progress"] == {"nimg": 1234, "stage": [16, True]}
    assert load_checkpoint(tmp_path / "ck" / "latest.pt")["config"] == '{"a": 1}'
    assert [p.name for p in (tmp_path / "ck").iterdir()] == ["latest.pt"]  # no temporary file left


def test_failed_write_keeps_the_previous_checkpoint(tmp_path):
    path = save_checkpoint(tmp_path / "latest.pt", {"step": 1})
    with pytest.raises(Exception):  # noqa: B017 - a lambda cannot be pickled: torch.save fails mid-write
        save_checkpoint(path, {"step": 2, "bad": lambda: 0})
    assert load_checkpoint(path)["step"] == 1
    assert [p.name for p in tmp_path.iterdir()] == ["latest.pt"]


def test_missing_and_foreign_files_are_clear_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match="checkpoints/latest.pt"):
        checkpoint_path(tmp_path)
    torch.save({"x": torch.zeros(1)}, tmp_path / "other.pt")
    with pytest.raises(ValueError, match="not an sgan checkpoint"):
        load_checkpoint(tmp_path / "other.pt")


def test_every_random_state_is_restored(tmp_path):
    gen = torch.Generator().manual_seed(5)
    random.seed(1), np.random.seed(2), torch.manual_seed(3)
    save_checkpoint(tmp_path / "rng.pt", {"rng": capture_rng({"loop": gen})})

    def draws():
        return (random.random(), np.random.rand(), torch.rand(1).item(), torch.rand(1, generator=gen).item())

    first = draws()
    random.seed(9), np.random.seed(9), torch.manual_seed(9), gen.manual_seed(9)
    restore_rng(load_checkpoint(tmp_path / "rng.pt")["rng"], {"loop": gen})
    assert draws() == first
    with pytest.raises(ValueError, match="no state for generator"):
        restore_rng(load_checkpoint(tmp_path / "rng.pt")["rng"], {"other": gen})


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory):
    root = tmp_path_factory.mktemp("ckrun")
    data = load_dataset("synthetic", resolution=16, n=64, root=root / "data", progress=False)
    cfg = make_config("F", "smoke", start_resolution=16, num_threads=1)
    return train(cfg, data, root / "run", progress=False, max_steps=2)


def test_load_generator_rebuilds_the_ema_and_the_trained_generator(tiny_run):
    z = torch.randn(3, tiny_run.G.cfg.z_dim, generator=torch.Generator().manual_seed(0))
    for which, live in (("ema", tiny_run.G_ema), ("G", tiny_run.G)):
        G = load_generator(tiny_run.run_dir, which=which)
        assert not G.training and not any(p.requires_grad for p in G.parameters())
        torch.testing.assert_close(G.w_avg, live.w_avg, rtol=0, atol=0)
        torch.testing.assert_close(G(z, noise="zero"), live(z, noise="zero"), rtol=0, atol=0)
    assert G.w_avg.abs().sum() > 0  # w̄ was tracked during training
    from_file = load_generator(tiny_run.checkpoint_path)  # a checkpoint file works as well as a run directory
    torch.testing.assert_close(from_file(z, noise="zero"), tiny_run.G_ema(z, noise="zero"), rtol=0, atol=0)
    with pytest.raises(ValueError, match="which"):
        load_generator(tiny_run.run_dir, which="D")


def test_checkpoint_holds_the_whole_training_state(tiny_run):
    state = load_checkpoint(tiny_run.run_dir)
    assert {"config", "G", "D", "G_ema", "opt_G", "opt_D", "w_avg", "progress", "rng"} <= set(state)
    assert state["progress"]["step"] == 2 and state["progress"]["nimg"] == 32
    assert set(state["rng"]["generators"]) == {"data", "latent"}
    torch.testing.assert_close(state["w_avg"], state["G"]["w_avg"], rtol=0, atol=0)
