"""Network sizes and CPU forward speed for configs A-F.

For each config: G and D parameter counts at the paper's size (1024², 512 channels; built on the meta device,
no memory) and at the ``cpu`` profile size, and the forward time of G (and D) at 32² and 64² with the ``cpu``
profile's widths, batch 32, no gradients. FLOP counts come from torch's FlopCounterMode, so the achieved
GFLOP/s can be compared with the machine's matmul peak. Also times one paper-size G forward at 1024², batch 1.

    python benchmarks/bench_networks.py [--repeats 5] [--batch 32] [--threads 0] [--configs ABCDEF]
"""

from __future__ import annotations

import argparse
import statistics
import time

import torch
from torch.utils.flop_counter import FlopCounterMode

from sgan.config import PRESETS, make_config, preset
from sgan.discriminator import Discriminator
from sgan.generator import Generator


def count(module: torch.nn.Module) -> int:
    return sum(p.numel() for p in module.parameters())


def median_ms(fn, repeats: int) -> float:
    fn()  # warm-up (allocator, oneDNN primitives)
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return 1000 * statistics.median(times)


def flops(fn) -> int:
    with torch.enable_grad(), FlopCounterMode(display=False) as counter:  # its module hooks need autograd on
        fn()
    return counter.get_total_flops()


@torch.no_grad()
def forward_times(name: str, resolution: int, batch: int, repeats: int) -> dict[str, float]:
    cfg = make_config(name, "cpu", resolution=resolution).model  # cpu-profile widths at this resolution
    G, D = Generator(cfg).eval(), Discriminator(cfg).eval()
    z = torch.randn(batch, cfg.z_dim, generator=torch.Generator().manual_seed(0))
    gen = torch.Generator().manual_seed(1)
    imgs = torch.randn(batch, 3, resolution, resolution, generator=gen)
    g_ms = median_ms(lambda: G(z, generator=gen), repeats)
    d_ms = median_ms(lambda: D(imgs), repeats)
    g_gflops = flops(lambda: G(z, generator=gen)) / (g_ms / 1000) / 1e9
    return {"G": g_ms, "D": d_ms, "G_gflops": g_gflops}


@torch.no_grad()
def paper_forward_seconds() -> float:
    G = Generator(preset("F")).eval()
    z = torch.randn(1, 512, generator=torch.Generator().manual_seed(0))
    start = time.perf_counter()
    G(z, generator=torch.Generator().manual_seed(0))
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=5, help="timed forward passes (median reported)")
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--threads", type=int, default=0, help="torch threads (0: leave the default)")
    parser.add_argument("--configs", default="".join(PRESETS), help="which of A-F, e.g. 'AF'")
    parser.add_argument("--skip-paper-forward", action="store_true", help="skip the 1024² forward")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, batch {args.batch}, "
          f"median of {args.repeats}")
    header = (f"{'cfg':>3} | {'G paper':>10} {'D paper':>10} | {'G cpu':>8} {'D cpu':>8} | "
              f"{'G 32² ms':>8} {'GFLOP/s':>7} {'D 32² ms':>8} | "
              f"{'G 64² ms':>8} {'GFLOP/s':>7} {'D 64² ms':>8}")
    print(header)
    print("-" * len(header))
    for name in args.configs:
        with torch.device("meta"):
            g_paper, d_paper = count(Generator(preset(name))), count(Discriminator(preset(name)))
        cpu_cfg = make_config(name, "cpu").model
        g_cpu, d_cpu = count(Generator(cpu_cfg)), count(Discriminator(cpu_cfg))
        t32 = forward_times(name, 32, args.batch, args.repeats)
        t64 = forward_times(name, 64, args.batch, args.repeats)
        print(f"{name:>3} | {g_paper:>10,} {d_paper:>10,} | {g_cpu:>8,} {d_cpu:>8,} | "
              f"{t32['G']:>8.1f} {t32['G_gflops']:>7.1f} {t32['D']:>8.1f} | "
              f"{t64['G']:>8.1f} {t64['G_gflops']:>7.1f} {t64['D']:>8.1f}")
    if not args.skip_paper_forward:
        print(f"paper-size G (config F) forward at 1024², batch 1: {paper_forward_seconds():.2f} s")


if __name__ == "__main__":
    main()
