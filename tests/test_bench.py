"""The benchmark runs end to end (tiny mode, as CI runs it) and the FLOP counter matches closed forms."""

from __future__ import annotations

import json
import math
import subprocess
import sys

import pytest
import torch
import torch.nn.functional as F

from sgan.studies.bench import CASES, table
from sgan.studies.flops import count_flops


def conv_flops(n: int, c_in: int, c_out: int, size: int, k: int) -> int:
    # one multiply-add (2 FLOPs) per output element and kernel tap: 2 · N·C_out·H·W · C_in·k²
    return 2 * n * c_out * size * size * c_in * k * k


def test_linear_counts_two_flops_per_multiply_add():
    lin = torch.nn.Linear(10, 7)
    x = torch.randn(5, 10, requires_grad=True)
    with count_flops() as counter:
        lin(x).sum().backward()
    # forward x Wᵀ, backward dL/dx = g W and dL/dW = gᵀ x: three [5, 10] x [10, 7]-sized products
    assert counter.total == 3 * 2 * 5 * 10 * 7


def test_conv_forward_and_depthwise_conv():
    x, w = torch.randn(4, 8, 16, 16), torch.randn(6, 8, 3, 3)
    with count_flops() as counter:
        F.conv2d(x, w, padding=1)
    assert counter.total == conv_flops(4, 8, 6, 16, 3)
    with count_flops() as counter:
        F.conv2d(x, torch.randn(8, 1, 3, 3), padding=1, groups=8)  # depthwise: one input channel per filter
    assert counter.total == conv_flops(4, 1, 8, 16, 3)


def test_conv_with_r1_double_backward():
    """R1: autograd.grad on a leaf input with create_graph, then backward through it (FlopCounterMode's module
    tracker breaks this). conv forward (1) + grad wrt x (1) + backward of that grad wrt its two inputs (2) +
    backward of the forward wrt x and w (2) = 6 convolutions of the forward's size."""
    conv = torch.nn.Conv2d(8, 6, 3, padding=1, bias=False)
    x = torch.randn(4, 8, 16, 16).requires_grad_(True)
    with count_flops() as counter:
        y = conv(x)
        (grad,) = torch.autograd.grad(y.square().sum(), x, create_graph=True)
        grad.square().sum().backward()
    assert counter.total == 6 * conv_flops(4, 8, 6, 16, 3)
    assert conv.weight.grad is not None and torch.isfinite(conv.weight.grad).all()


@pytest.fixture(scope="module")
def tiny_report(tmp_path_factory):
    path = tmp_path_factory.mktemp("bench") / "tiny.json"
    proc = subprocess.run([sys.executable, "-m", "sgan", "bench", "--tiny", "--threads", "1", "--device", "cpu",
                           "--json", str(path)], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return proc.stdout, json.loads(path.read_text())


@pytest.mark.slow
def test_tiny_bench_has_every_case_with_numbers_or_a_reason(tiny_report):
    stdout, report = tiny_report
    assert [r["case"] for r in report["rows"]] == list(CASES)
    assert report["peak_flop_per_s"] == max(report["peak_measurements"]) > 0 and len(report["load_start"]) == 3
    ok = sum(r["status"] == "ok" for r in report["rows"])
    assert len(report["peak_measurements"]) == ok + 1  # one before the first case, one after each measured case
    for row in report["rows"]:
        assert row["case"] in stdout
        if row["status"] == "skipped":
            assert len(row["reason"]) > 10, row
            continue
        assert row["status"] == "ok", row
        for key in ("rate", "flop_per_unit", "flop_per_s", "peak_ratio", "run_peak_ratio", "peak_mem_bytes"):
            assert math.isfinite(row[key]) and row[key] > 0, (row["case"], key, row[key])
        assert row["flop_per_s"] == pytest.approx(row["rate"] * row["flop_per_unit"])
        # the peak beside the case is one of the run's peaks, so its ratio is at least the run-peak ratio
        assert row["adjacent_peak"] in report["peak_measurements"]
        assert row["peak_ratio"] == pytest.approx(row["flop_per_s"] / row["adjacent_peak"])
        assert row["run_peak_ratio"] == pytest.approx(row["flop_per_s"] / report["peak_flop_per_s"])
        assert row["run_peak_ratio"] <= row["peak_ratio"]
    rows = {r["case"]: r for r in report["rows"]}
    assert rows["train-F-64-512"]["status"] == "skipped" or torch.cuda.is_available()
    frechet = rows["frechet"]["extra"]
    assert frechet["relative_difference"] < 1e-6 and frechet["speedup"] > 0


@pytest.mark.slow
def test_tiny_bench_json_round_trips(tiny_report):
    stdout, report = tiny_report
    again = json.loads(json.dumps(report))
    assert again == report
    assert table(again) in stdout  # the printed table is a function of the JSON alone
