"""The performance benchmark: sgan's throughput against the machine's own limit, measured in one run.

    python -m sgan bench                      # every case on the current device (cuda when available)
    python -m sgan bench --tiny               # seconds: tiny sizes, 1 timed step, every case and column (CI)
    python -m sgan bench --cases train-F-cpu,frechet --threads 2 --json runs/bench/mine.json

For each case it prints images/s, model FLOPs per image (counted on the plain fp32 path with
``sgan.studies.flops.count_flops``: matrix products and convolutions, forward and backward), the FLOP/s achieved, the
ratio to the device's peak measured in the same run and the peak memory (resident set size on CPU,
``torch.cuda.max_memory_allocated`` on GPU). The peak is a large matmul (fp32 on CPU, bf16 on GPU), measured
before the first case and after each one: a row's ratio uses the better of the two peaks beside it, and the
run's highest peak gives a second, conservative ratio. Training cases time
``sgan.training.trainer.Trainer.train_step`` itself (one D step with R1 or WGAN-GP, one G step, the EMA update) in its
stable phase at the final resolution, so the benchmark measures what training runs. The machine's load
average is recorded with every row: on a shared machine, compare figures taken under similar load.
Results are also written as JSON (default ``runs/bench/<device>-<timestamp>.json``).
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import torch

from sgan.atomic import write_json
from sgan.config import RunConfig, make_config
from sgan.data.dataset import ImageDataset
from sgan.generator import Generator
from sgan.metrics.features import feature_network
from sgan.metrics.frechet import feature_statistics, frechet_distance, frechet_distance_scipy
from sgan.metrics.pretrained import INCEPTION, weights_available
from sgan.studies.flops import count_flops
from sgan.training.device import DeviceError, resolve_device
from sgan.training.distributed import DistInfo
from sgan.training.trainer import Trainer

CASES = ("train-A-cpu", "train-F-cpu", "train-F-32-512", "train-F-64-512", "train-F-64-512-fast",
         "train-F-256-512", "train-F-256-512-fast", "generate-F-cpu", "features-domain", "features-inception",
         "frechet")
GPU_ONLY = {"train-F-64-512", "train-F-64-512-fast", "train-F-256-512", "train-F-256-512-fast"}


@dataclass
class Row:
    """One case's figures (None where skipped); ``extra`` holds case-specific figures (e.g. scipy's time)."""

    case: str
    what: str
    status: str = "ok"  # "ok" | "skipped"
    reason: str = ""  # why it was skipped
    unit: str = "img"  # what the rate counts
    rate: float | None = None  # units per second
    flop_per_unit: float | None = None
    flop_per_s: float | None = None
    peak_ratio: float | None = None  # to the better of the peaks measured just before and just after the case
    run_peak_ratio: float | None = None  # to the highest peak of the whole run (the conservative figure)
    adjacent_peak: float | None = None  # FLOP/s: the better of the peaks measured just before and after the case
    peak_mem_bytes: int | None = None
    load: tuple[float, float, float] = (0.0, 0.0, 0.0)
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class Context:
    device: torch.device
    tiny: bool
    steps: int | None  # timed training steps (None: the case's default)
    # plain-path (FLOPs per image, first-step losses) per config, shared with its speed-path case
    flop_cache: dict[str, tuple[float, dict[str, float]]] = field(default_factory=dict)


def log(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)


# ----- the machine: synchronisation, peak memory, peak FLOP/s -----
def sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def reset_peak_memory(device: torch.device) -> None:
    """Start a new peak: CUDA's counter, or Linux's resident-set high-water mark (``/proc/self/clear_refs``)."""
    if device.type == "cuda":
        torch.cuda.reset_peak_memory_stats(device)
        return
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        pass  # not Linux: the peak below is then the process-wide maximum so far


def peak_memory(device: torch.device) -> int:
    """Bytes: max allocated on CUDA; on CPU the peak RSS (VmHWM, else ``ru_maxrss``) since the last reset."""
    if device.type == "cuda":
        return int(torch.cuda.max_memory_allocated(device))
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    import resource

    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return int(rss if sys.platform == "darwin" else rss * 1024)


def matmul_peak(device: torch.device, tiny: bool) -> float:
    """FLOP/s of a large square matmul, the best of a few: fp32 on CPU, bf16 on GPU."""
    n = 512 if tiny else (2048 if device.type == "cpu" else 8192)
    dtype = torch.float32 if device.type == "cpu" else torch.bfloat16
    gen = torch.Generator(device).manual_seed(0)
    a = torch.randn(n, n, generator=gen, device=device).to(dtype)
    b = torch.randn(n, n, generator=gen, device=device).to(dtype)
    best, repeats = math.inf, 3 if tiny else (8 if device.type == "cpu" else 20)
    torch.mm(a, b)
    for _ in range(repeats):
        sync(device)
        start = time.perf_counter()
        torch.mm(a, b)
        sync(device)
        best = min(best, time.perf_counter() - start)
    # 2 n³ FLOPs per product (one multiply and one add per term)
    return 2 * n**3 / best


def measured(row: Row, ctx: Context, units: float, seconds: float, flop_per_unit: float) -> Row:
    """Fill the rate and FLOP/s of ``row``: ``units`` processed in ``seconds`` (``run`` adds the peak ratio)."""
    row.rate = units / seconds
    row.flop_per_unit = flop_per_unit
    row.flop_per_s = flop_per_unit * row.rate
    row.load = os.getloadavg()
    return row


# ----- training steps -----
def random_images(n: int, resolution: int) -> Any:
    """An ``ImageDataset`` of uniform-noise images: the step's cost does not depend on the pixels."""
    rng = np.random.default_rng(0)
    return ImageDataset(rng.integers(0, 256, (n, 3, resolution, resolution), dtype=np.uint8), "noise")


def train_config(case: str, tiny: bool) -> RunConfig:
    """The run configuration of a training case (its stable phase at the final resolution is timed)."""
    fast = case.endswith("-fast")
    if case in ("train-A-cpu", "train-F-cpu"):
        cfg = make_config(case.split("-")[1], "smoke" if tiny else "cpu")
    else:
        res = int(case.split("-")[2])
        paper = dict(resolution=res, start_resolution=res, batch_sizes=((res, 32),))  # paper widths, batch 32
        if tiny:  # the same layout, shrunk: 8² or 16², 32 channels, batch 8
            small = 8 if res == 32 else 16
            paper = dict(resolution=small, start_resolution=small, batch_sizes=((small, 8),), fmap_base=128,
                         fmap_max=32, z_dim=32, w_dim=32, mapping_width=32)
        cfg = make_config("F", "paper", **paper)
    train = replace(cfg.train, amp_bf16=fast, channels_last=fast, compile=fast, num_threads=0)
    return RunConfig(model=cfg.model, train=train, profile=cfg.profile)


def describe(cfg: RunConfig, batch: int) -> str:
    m, t = cfg.model, cfg.train
    speed = " bf16+cl+compile" if t.amp_bf16 else ""
    return f"{m.name} {m.resolution}² ≤{m.fmap_max}ch b{batch} {m.loss}{speed}"


def make_trainer(cfg: RunConfig, device: torch.device) -> Any:
    batch = cfg.train.batch_at(cfg.model.resolution)
    trainer = Trainer(cfg, random_images(max(2 * batch, 16), cfg.model.resolution), DistInfo(), device)
    trainer.nimg = round(cfg.train.total_kimg * 1000)  # the end of the schedule: final resolution, α = 1
    return trainer


def plain_key(cfg: RunConfig) -> str:
    plain = replace(cfg.train, amp_bf16=False, channels_last=False, compile=False)
    return RunConfig(model=cfg.model, train=plain).to_json()


def counted_step(trainer: Any) -> tuple[float, dict[str, float]]:
    """One training step under the FLOP counter: (FLOPs per image, the step's losses)."""
    with count_flops() as counter:
        phase, losses = trainer.train_step()
    return counter.total / phase.batch, losses


def bench_train(case: str, ctx: Context) -> Row:
    cfg = train_config(case, ctx.tiny)
    fast, key = cfg.train.amp_bf16, plain_key(cfg)
    batch = cfg.train.batch_at(cfg.model.resolution)
    row = Row(case, describe(cfg, batch))
    if fast and key not in ctx.flop_cache:  # count the plain path: same seed, so the same first losses too
        ctx.flop_cache[key] = counted_step(make_trainer(RunConfig.from_json(key), ctx.device))
    reset_peak_memory(ctx.device)
    trainer = make_trainer(cfg, ctx.device)
    if fast:
        _, first = trainer.train_step()  # compiles
        row.extra["plain_first_losses"] = ctx.flop_cache[key][1]
    else:
        ctx.flop_cache[key] = counted_step(trainer)  # the counted step is the warm-up
        first = ctx.flop_cache[key][1]
    paper_size = cfg.model.fmap_max >= 512 and ctx.device.type == "cpu"
    warmup = 0 if ctx.tiny or paper_size else (3 if fast else 1)
    steps = ctx.steps or (1 if ctx.tiny else (2 if paper_size else 10))
    for _ in range(warmup):
        trainer.train_step()
    sync(ctx.device)
    start_wall, start_cpu, images = time.perf_counter(), time.process_time(), 0
    for _ in range(steps):
        phase, _ = trainer.train_step()
        images += phase.batch
    sync(ctx.device)
    wall, cpu = time.perf_counter() - start_wall, time.process_time() - start_cpu
    row.extra.update(steps=steps, batch=batch, seconds=wall, cpu_s_per_img=cpu / images, first_losses=first)
    row.peak_mem_bytes = peak_memory(ctx.device)
    return measured(row, ctx, images, wall, ctx.flop_cache[key][0])


# ----- inference, feature extraction, Fréchet -----
def timed_calls(fn: Callable[[], Any], device: torch.device, repeats: int) -> float:
    """Median seconds of ``fn()`` over ``repeats`` calls (after one warm-up call)."""
    fn()
    times = []
    for _ in range(repeats):
        sync(device)
        start = time.perf_counter()
        fn()
        sync(device)
        times.append(time.perf_counter() - start)
    return float(np.median(times))


def bench_forward(row: Row, ctx: Context, fn: Callable[[], Any], n: int) -> Row:
    """Rate and counted FLOPs of a no-grad forward ``fn`` that processes ``n`` images."""
    with torch.no_grad():
        with count_flops() as counter:
            fn()
        seconds = timed_calls(fn, ctx.device, 3 if ctx.tiny else 10)
    row.extra.update(batch=n, seconds=seconds)
    row.peak_mem_bytes = peak_memory(ctx.device)
    return measured(row, ctx, n, seconds, counter.total / n)


def bench_generate(case: str, ctx: Context) -> Row:
    cfg = make_config("F", "smoke" if ctx.tiny else "cpu").model
    n = 8 if ctx.tiny else 64
    reset_peak_memory(ctx.device)
    G = Generator(cfg).to(ctx.device).eval()
    gen = torch.Generator(ctx.device).manual_seed(0)
    z = torch.randn(n, cfg.z_dim, generator=gen, device=ctx.device)
    row = Row(case, f"G(z) F {cfg.resolution}² ≤{cfg.fmap_max}ch b{n}")
    return bench_forward(row, ctx, lambda: G(z, generator=gen), n)


def bench_features(case: str, ctx: Context) -> Row:
    name = case.split("-")[1]
    n = (2 if name == "inception" else 8) if ctx.tiny else (16 if name == "inception" and ctx.device.type == "cpu"
                                                             else 64)
    if name == "inception" and not weights_available(INCEPTION):
        return Row(case, "Inception-v3 pool features", status="skipped", load=os.getloadavg(),
                   reason=f"Inception-v3 FID weights not found ({INCEPTION.filenames[0]}; set "
                          f"{INCEPTION.env_var} or put it in torch hub's checkpoints)")
    reset_peak_memory(ctx.device)
    net = feature_network(name, ctx.device)
    gen = torch.Generator(ctx.device).manual_seed(0)
    images = torch.rand(n, 3, 32, 32, generator=gen, device=ctx.device) * 2 - 1  # [N, 3, 32, 32] in [-1, 1]
    row = Row(case, f"{net.name} features of 32² images, {net.dim}-d, b{n}")
    return bench_forward(row, ctx, lambda: net(images), n)


def gaussian_statistics(dim: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Mean and a full-rank covariance of correlated features (like 50k Inception features) at ``dim``."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((2 * dim + 500, dim))
    return feature_statistics(x @ rng.standard_normal((dim, dim)) / np.sqrt(dim) + rng.uniform(-0.1, 0.1, dim))


def bench_frechet(case: str, ctx: Context) -> Row:
    d = 64 if ctx.tiny else 2048
    a, b = gaussian_statistics(d, 0), gaussian_statistics(d, 1)
    reset_peak_memory(torch.device("cpu"))
    row = Row(case, f"Fréchet distance at {d}-d (float64) vs scipy.linalg.sqrtm", unit="call")
    ours = frechet_distance(*a, *b)
    seconds = timed_calls(lambda: frechet_distance(*a, *b), torch.device("cpu"), 3)
    start = time.perf_counter()
    ref = frechet_distance_scipy(*a, *b)
    scipy_s = time.perf_counter() - start
    row.peak_mem_bytes = peak_memory(torch.device("cpu"))
    row.extra.update(dim=d, seconds=seconds, scipy_seconds=scipy_s, speedup=scipy_s / seconds,
                     relative_difference=abs(ours - ref) / abs(ref), value=ours, scipy_value=ref)
    # nominal LAPACK counts: Cholesky d³/3, two products Bᵀ Σ₂ B 4d³, symmetric eigenvalues ≈ 4d³/3
    return measured(row, ctx, 1, seconds, (1 / 3 + 4 + 4 / 3) * d**3)


def run_case(case: str, ctx: Context) -> Row:
    if case in GPU_ONLY and ctx.device.type != "cuda":
        cfg = train_config(case, ctx.tiny)
        return Row(case, describe(cfg, cfg.train.batch_at(cfg.model.resolution)), status="skipped",
                   reason=f"GPU-only case: this run is on {ctx.device.type} (no CUDA device)", load=os.getloadavg())
    if case.startswith("train-"):
        return bench_train(case, ctx)
    if case.startswith("generate-"):
        return bench_generate(case, ctx)
    if case.startswith("features-"):
        return bench_features(case, ctx)
    return bench_frechet(case, ctx)


# ----- the report -----
def fmt(value: float | None, scale: float = 1.0, digits: int = 1) -> str:
    return "-" if value is None else f"{value / scale:.{digits}f}"


def table(report: dict[str, Any]) -> str:
    load = report["load_start"]
    lines = [f"sgan.studies.bench on {report['device_name']} ({report['device']}), torch {report['torch']}, "
             f"{report['threads']} threads{', tiny' if report['tiny'] else ''}; highest {report['peak_kind']} peak "
             f"{report['peak_flop_per_s'] / 1e9:.1f} GFLOP/s; load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}",
             "(% peak: against the peaks measured just before and after the case; % max: against the run's highest)",
             f"{'case':22} {'rate/s':>9} {'GFLOP/unit':>11} {'GFLOP/s':>8} {'% peak':>7} {'% max':>6} "
             f"{'peak MiB':>9} {'load':>5}  what"]
    for r in report["rows"]:
        if r["status"] != "ok":
            lines.append(f"{r['case']:22} skipped: {r['reason']}  ({r['what']})")
            continue
        note = r["what"]
        if r["case"] == "frechet":
            e = r["extra"]
            note += f"; scipy {e['scipy_seconds']:.2f} s, ×{e['speedup']:.1f}, rel. diff {e['relative_difference']:.1e}"
        if "plain_first_losses" in r["extra"]:
            fast, plain = r["extra"]["first_losses"], r["extra"]["plain_first_losses"]
            diff = max(abs(fast[k] - plain[k]) / max(abs(plain[k]), 1e-12) for k in plain)
            note += f"; first-step losses within {diff:.1e} (relative) of the plain path's"
        lines.append(f"{r['case']:22} {fmt(r['rate'], 1, 2):>9} {fmt(r['flop_per_unit'], 1e9, 3):>11} "
                     f"{fmt(r['flop_per_s'], 1e9):>8} {fmt(r['peak_ratio'], 0.01):>7} "
                     f"{fmt(r['run_peak_ratio'], 0.01):>6} "
                     f"{fmt(r['peak_mem_bytes'], 2**20, 0):>9} {r['load'][0]:5.2f}  {note} ({r['unit']}/s)")
    return "\n".join(lines)


def parse_cases(text: str) -> list[str]:
    cases = [c.strip() for c in text.split(",") if c.strip()] if text != "all" else list(CASES)
    unknown = [c for c in cases if c not in CASES]
    if unknown or not cases:
        raise SystemExit(f"sgan.studies.bench: unknown case(s) {unknown}; choose from {', '.join(CASES)} (or 'all').")
    return cases


def main(argv: list[str] | None = None) -> dict[str, Any]:
    parser = argparse.ArgumentParser(prog="python -m sgan bench", description=__doc__.splitlines()[0])
    parser.add_argument("--tiny", action="store_true", help="seconds-long run at tiny sizes (CI)")
    parser.add_argument("--threads", type=int, default=2, help="torch and BLAS threads (default 2, like CI)")
    parser.add_argument("--cases", default="all", help=f"comma-separated, from: {', '.join(CASES)}")
    parser.add_argument("--device", default="auto", help="auto (cuda when available), cpu, cuda, cuda:1, ...")
    parser.add_argument("--steps", type=int, default=None, help="timed training steps (default: per case)")
    parser.add_argument("--json", type=Path, default=None, help="output (default runs/bench/<device>-<time>.json)")
    args = parser.parse_args(argv)
    cases = parse_cases(args.cases)
    try:
        device = resolve_device(args.device, "--device")
    except DeviceError as exc:
        parser.error(str(exc))
    from threadpoolctl import threadpool_limits  # installed with scikit-learn

    torch.set_num_threads(args.threads)
    with threadpool_limits(args.threads):
        report = run(cases, Context(device, args.tiny, args.steps), args.threads)
    path = args.json or Path("runs/bench") / f"{device.type}-{time.strftime('%Y%m%d-%H%M%S')}.json"
    write_json(path, report)
    print(table(report))
    print(f"(written to {path})")
    return report


def run(cases: list[str], ctx: Context, threads: int) -> dict[str, Any]:
    """Run ``cases`` with the matmul peak measured before the first and after every case.

    A shared or virtual machine's throughput drifts (on this project's 2-vCPU VM the 2-thread peak moved
    between 73 and 168 GFLOP/s within minutes), so each row gets two ratios: ``peak_ratio`` against the peaks
    measured right beside it (before and after, the better of the two), and ``run_peak_ratio`` against the
    highest peak of the run.
    """
    load_start = os.getloadavg()
    log(f"measuring the matmul peak on {ctx.device}")
    peaks, rows = [matmul_peak(ctx.device, ctx.tiny)], []
    for case in cases:
        log(f"{case} ...")
        row = run_case(case, ctx)
        log(f"{case}: " + (f"{row.rate:.2f} {row.unit}/s" if row.status == "ok" else f"skipped ({row.reason})"))
        if row.status == "ok":
            peaks.append(matmul_peak(ctx.device, ctx.tiny))
            row.adjacent_peak = max(peaks[-2:])
        rows.append(row)
    peak = max(peaks)
    for row in rows:
        if row.flop_per_s is not None:
            row.peak_ratio = row.flop_per_s / row.adjacent_peak
            row.run_peak_ratio = row.flop_per_s / peak
    name = torch.cuda.get_device_name(ctx.device) if ctx.device.type == "cuda" else (os.uname().machine + " CPU")
    return dict(device=str(ctx.device), device_name=name, torch=torch.__version__, threads=threads, tiny=ctx.tiny,
                time=time.strftime("%Y-%m-%dT%H:%M:%S"), load_start=load_start, load_end=os.getloadavg(),
                peak_kind="fp32 matmul" if ctx.device.type == "cpu" else "bf16 matmul",
                peak_flop_per_s=peak, peak_measurements=peaks, rows=[asdict(r) for r in rows])

