"""Exact resume: N steps straight == N/2 steps, SIGKILL, resume, N/2 more (bitwise, on CPU).

A child process trains to its checkpoint at step N/2, says READY and waits; the test kills it with SIGKILL
(no chance to clean up) and resumes from what it left on disk. The halves cross the fade-in of 16² (an Adam
reset) and use config F (noise inputs, mixing regularization, mirror), so every random stream is exercised.
"""

import json
import signal
import subprocess
import sys
import textwrap

import pytest
import torch

from sgan.config import make_config
from sgan.data import load_dataset
from sgan.training.checkpoint import load_checkpoint
from sgan.training.loop import train

STEPS = 8  # 16 images a step; a tick (and a checkpoint) every 4 steps; the fade of 16² starts at step 5
OVERRIDES = dict(tick_kimg=0.064, stable_kimg=0.064, fade_kimg=0.064, num_threads=1)

CHILD = textwrap.dedent("""
    import sys, time
    from sgan.config import make_config
    from sgan.data import load_dataset
    from sgan.training.loop import train

    out, root, steps = sys.argv[1], sys.argv[2], int(sys.argv[3])
    data = load_dataset("synthetic", resolution=16, n=64, root=root, progress=False)

    def on_tick(row):
        if row["step"] == steps // 2:  # the checkpoint of this tick is on disk: ready to be killed
            print("READY", flush=True)
            time.sleep(300)

    cfg = make_config("F", "smoke", **{overrides})
    train(cfg, data, out, progress=False, max_steps=steps, on_tick=on_tick)
    print("NOT KILLED", flush=True)
""").replace("{overrides}", repr(OVERRIDES))


def test_sigkill_then_resume_is_bitwise_identical(tmp_path):
    root = tmp_path / "data"
    data = load_dataset("synthetic", resolution=16, n=64, root=root, progress=False)
    cfg = make_config("F", "smoke", **OVERRIDES)

    child = subprocess.Popen([sys.executable, "-c", CHILD, str(tmp_path / "killed"), str(root), str(STEPS)],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = child.stdout.readline()
        assert line.strip() == "READY", f"child did not reach its checkpoint: {line!r} {child.stderr.read()}"
        child.send_signal(signal.SIGKILL)
        assert child.wait(timeout=30) == -signal.SIGKILL
    finally:
        child.kill()
    assert load_checkpoint(tmp_path / "killed")["progress"]["step"] == STEPS // 2

    straight = train(cfg, data, tmp_path / "straight", progress=False, max_steps=STEPS)
    resumed = train(cfg, data, tmp_path / "killed", resume=True, progress=False, max_steps=STEPS)
    assert resumed.step == straight.step == STEPS

    a, b = load_checkpoint(tmp_path / "straight"), load_checkpoint(tmp_path / "killed")
    for net in ("G", "D", "G_ema"):
        for name, tensor in a[net].items():
            assert torch.equal(tensor, b[net][name]), f"{net}.{name} differs after resume"
    for opt in ("opt_G", "opt_D"):
        for index, state in a[opt]["state"].items():
            assert all(torch.equal(v, b[opt]["state"][index][k]) for k, v in state.items()), opt
    assert a["progress"]["nimg"] == b["progress"]["nimg"]
    for name, state in a["rng"]["generators"].items():
        assert torch.equal(state, b["rng"]["generators"][name]), f"generator {name} differs"
    # the learning curve survives the kill: the resumed log holds every tick's FID, equal to the straight run's
    curve = [(r["step"], r["fid"]) for r in map(json.loads, (tmp_path / "straight" / "log.jsonl").open())]
    again = [(r["step"], r["fid"]) for r in map(json.loads, (tmp_path / "killed" / "log.jsonl").open())]
    # (the weights above are bitwise equal; the FID's matrix square root runs in BLAS, whose threads may sum in
    # another order in another process under load: equal to 1e-6, measured 3e-9 apart once)
    assert [s for s, _ in again] == [s for s, _ in curve] and len(curve) == 2
    assert [f for _, f in again] == pytest.approx([f for _, f in curve], rel=1e-6)


def test_training_on_past_total_kimg_is_the_longer_run(tmp_path):
    """``train(..., resume=True, max_kimg=K)`` continues a finished run to K: the schedule, the EMA and every
    random draw depend on the images shown, never on ``total_kimg``, so it ends bit for bit where a run with
    ``total_kimg=K`` ends (the learning curves of sgan.studies.sweep's longer studies rely on it)."""
    root = tmp_path / "data"
    data = load_dataset("synthetic", resolution=16, n=64, root=root, progress=False)
    short = make_config("F", "smoke", total_kimg=0.128, **OVERRIDES)
    long = make_config("F", "smoke", total_kimg=0.256, **OVERRIDES)
    train(short, data, tmp_path / "short", progress=False, data_root=root)
    train(short, data, tmp_path / "short", resume=True, progress=False, max_kimg=0.256, data_root=root)
    train(long, data, tmp_path / "long", progress=False, data_root=root)
    a, b = load_checkpoint(tmp_path / "short"), load_checkpoint(tmp_path / "long")
    assert a["progress"]["nimg"] == b["progress"]["nimg"] == 256
    for net in ("G", "D", "G_ema"):
        assert all(torch.equal(t, b[net][k]) for k, t in a[net].items()), net
    fids = [[json.loads(line)["fid"] for line in (tmp_path / d / "log.jsonl").open()] for d in ("short", "long")]
    assert fids[0] == fids[1]
