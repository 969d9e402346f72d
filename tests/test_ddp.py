"""Data parallel: two CPU processes (torchrun, gloo on 127.0.0.1) against one process with the same batch.

With strided shards and group_size · ranks dividing the minibatch, the per-rank minibatch stddev equals the
single-process one (see sgan.training.distributed), so the first step of two ranks must give the losses and averaged
gradients of one process (up to summation order). Weights after later steps are not compared with one
process: at initialisation layer 0 of configs D-F instance-normalises a constant map (ones + zero-weighted
noise), which amplifies rounding differences ~10⁴-fold (as in the official network; Adam then turns the
bias's zero gradient into ±lr steps). The ranks themselves must stay bitwise identical, through a resume too.
"""

import json
import os
import socket
import subprocess
import sys
import textwrap

import pytest
import torch

from sgan.config import make_config
from sgan.data import load_dataset
from sgan.training.loop import train

OVERRIDES = dict(num_threads=1, start_resolution=16)

WORKER = textwrap.dedent("""
    import os, sys, torch
    import torch.distributed as dist
    from sgan.config import make_config
    from sgan.data import load_dataset
    from sgan.training.loop import train

    out, root = sys.argv[1], sys.argv[2]
    dist.init_process_group("gloo")  # joined here: train() uses the group and leaves it open
    data = load_dataset("synthetic", resolution=16, n=64, root=root, progress=False)
    cfg = make_config("F", "smoke", **{overrides})
    run = train(cfg, data, out, progress=False, max_steps=1)
    grads = {f"{net}.{k}": p.grad for net in ("G", "D") for k, p in getattr(run, net).named_parameters()
             if p.grad is not None}
    later = train(cfg, data, out, resume=True, progress=False, max_steps=3)
    nets = {net: getattr(later, net).state_dict() for net in ("G", "D", "G_ema")}
    torch.save({"grads": grads, "w_avg": run.G.w_avg, **nets}, os.path.join(out, f"rank{dist.get_rank()}.pt"))
    dist.destroy_process_group()
""").replace("{overrides}", repr(OVERRIDES))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_two_ranks_match_each_other_and_one_process(tmp_path):
    root = tmp_path / "data"
    data = load_dataset("synthetic", resolution=16, n=64, root=root, progress=False)
    script = tmp_path / "worker.py"
    script.write_text(WORKER)
    env = {**os.environ, "GLOO_SOCKET_IFNAME": "lo", "OMP_NUM_THREADS": "1"}
    cmd = [sys.executable, "-m", "torch.distributed.run", "--nproc_per_node=2", "--nnodes=1",
           "--master_addr=127.0.0.1", f"--master_port={free_port()}",
           str(script), str(tmp_path / "ddp"), str(root)]
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stderr[-3000:]
    rank0, rank1 = (torch.load(tmp_path / "ddp" / f"rank{r}.pt", weights_only=True) for r in (0, 1))

    for net in ("G", "D", "G_ema"):  # after 3 steps and a resume, the ranks hold the same weights
        for name, tensor in rank0[net].items():
            assert torch.equal(tensor, rank1[net][name]), f"ranks differ in {net}.{name}"

    cfg = make_config("F", "smoke", **OVERRIDES)
    single = train(cfg, data, tmp_path / "one", progress=False, max_steps=1)
    ddp_row = json.loads((tmp_path / "ddp" / "log.jsonl").read_text().splitlines()[0])
    for key in ("loss_D", "loss_G", "penalty"):
        assert ddp_row[key] == pytest.approx(single.last_log[key], rel=1e-5), key
    torch.testing.assert_close(rank0["w_avg"], single.G.w_avg, rtol=1e-5, atol=1e-7)
    for net in ("G", "D"):
        grads = {name: p.grad for name, p in getattr(single, net).named_parameters() if p.grad is not None}
        largest = max(g.abs().max() for g in grads.values())
        for name, g in grads.items():
            # equal to 1e-5 of the tensor's scale, up to the rounding noise that layer 0's instance norm of a
            # nearly constant map amplifies (bounded by 1e-6 of the network's largest gradient)
            gap = (rank0["grads"][f"{net}.{name}"] - g).abs().max()
            assert gap <= 1e-5 * g.abs().max() + 1e-6 * largest, f"{net}.{name}: gradient gap {gap:.2e}"
