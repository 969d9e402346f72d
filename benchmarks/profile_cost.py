"""What a profile costs, counted: FLOPs per image of every training phase, per config and for the course.

    python benchmarks/profile_cost.py --profile gpu                 # A-F at the gpu profile, counted on CPU
    python benchmarks/profile_cost.py --profile gpu --configs F --set total_kimg=600
    python benchmarks/profile_cost.py --profile gpu --json results/gpu/cost.json

The FLOPs come from ``sgan.studies.flops.count_flops`` (matrix products and convolutions, forward and backward, R1's
double backward included; element-wise work is not counted): one training step (D step + G step) at a small
minibatch in the fade-in and the stable phase of every resolution, divided by the minibatch, then summed over
the schedule's images. Metric work is counted as generated images times (G forward + the judge's forward):
the learning curve (``tick_fid_samples`` at every tick), the run's final metrics (``profile_metrics``) and the
teaching notebooks' own metrics (08: two FIDs, 09: four PPLs, 10: LS and the probes, 14: renders and
projection, with the image counts stated in ``NOTEBOOK_IMAGES``).

Times are the FLOPs divided by a sustained throughput given on the command line (``--tflops``): the FLOPs are
counted, the throughput is an assumption until a GPU measures it (``python -m sgan bench`` prints FLOP/s).
"""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path

import torch

from sgan.atomic import write_json
from sgan.cli.train import parse_overrides
from sgan.config import PRESETS, RunConfig, make_config
from sgan.data import load_dataset
from sgan.generator import Generator
from sgan.metrics.domain_net import load_domain_net
from sgan.metrics.registry import parse_metric_name
from sgan.schedule import schedule
from sgan.studies.ablation import profile_metrics
from sgan.studies.flops import count_flops
from sgan.training.distributed import DistInfo
from sgan.training.trainer import Trainer

COUNT_BATCH = 4  # images per counted step (FLOPs per image do not depend on it; mbstd needs a group of 4)
# generated images of the teaching notebooks, at the profile's counts: 08 two fid (trained, untrained); 09 four
# ppl pairs (2 images each) plus two small ones; 10 ls and probes; 14 about 45k renders (directions, matrices)
NOTEBOOK_IMAGES = {"08": lambda t: 2 * t.fid_samples, "09": lambda t: 8 * t.ppl_samples + 4 * 256,
                   "10": lambda t: 2 * t.ls_samples, "14": lambda t: 45_000}


def step_flops(cfg: RunConfig, data, resolution: int, fading: bool) -> float:
    """FLOPs per image of one training step at ``resolution``, in its fade-in (α = 0.5) or stable phase."""
    small = cfg.with_overrides(batch_sizes=[[r, COUNT_BATCH] for r in cfg.model.resolutions], num_threads=0,
                               device="cpu", tick_fid_samples=0, compile=False, amp_bf16=False,
                               channels_last=False)
    trainer = Trainer(small, data, DistInfo(), torch.device("cpu"))
    trainer.nimg = first_nimg(small, resolution, fading)
    with count_flops() as counter:
        phase, _ = trainer.train_step()
    assert (phase.resolution, phase.fading) == (resolution, fading), (phase, resolution, fading)
    return counter.total / phase.batch


def first_nimg(cfg: RunConfig, resolution: int, fading: bool) -> int:
    """An image count inside ``resolution``'s fade-in (its middle) or stable phase."""
    step = max(1, round(min(cfg.train.fade_kimg or 1, cfg.train.stable_kimg or 1) * 1000 / 8))
    hits = [k for k in range(0, int(cfg.train.total_kimg * 1000) + 1, step)
            if schedule(k / 1000, cfg.train, cfg.model.resolution).stage == (resolution, fading)]
    if not hits:
        raise ValueError(f"the schedule has no {'fade-in' if fading else 'stable'} phase at {resolution}².")
    return hits[len(hits) // 2]


def schedule_images(cfg: RunConfig) -> dict[tuple[int, bool], int]:
    """Images trained in each (resolution, fading) stage over the run."""
    out: dict[tuple[int, bool], int] = {}
    nimg = 0
    while nimg < cfg.train.total_kimg * 1000:
        phase = schedule(nimg / 1000, cfg.train, cfg.model.resolution)
        out[phase.stage] = out.get(phase.stage, 0) + phase.batch
        nimg += phase.batch
    return out


def render_flops(cfg: RunConfig) -> tuple[float, float]:
    """(G forward, the judge's forward) FLOPs per image at the final resolution."""
    G = Generator(cfg.model, seed=0).eval()
    z = torch.randn(COUNT_BATCH, cfg.model.z_dim, generator=torch.Generator().manual_seed(0), device="cpu")
    with torch.no_grad(), count_flops() as g:
        images = G(z)
    net = load_domain_net("cpu", resolution=cfg.model.resolution)  # the judge of the final resolution
    with torch.no_grad(), count_flops() as j:
        net.features(images)
    return g.total / COUNT_BATCH, j.total / COUNT_BATCH


def metric_images(cfg: RunConfig) -> dict[str, int]:
    """Generated images (each: G forward + judge forward) of the learning curve and the final metrics."""
    t = cfg.train
    ticks = int(t.total_kimg / t.tick_kimg) if t.tick_kimg else 0
    final = 0
    for name in profile_metrics(cfg):
        spec = parse_metric_name(name)
        final += spec.num_samples * (2 if spec.kind == "ppl" else 1)
    return {"tick_fid": ticks * t.tick_fid_samples, "final_metrics": final}


def config_cost(name: str, profile: str, overrides: dict, data, cache: dict, counted: dict | None = None) -> dict:
    """One config's counted cost; ``counted``: a previous run's row for the same networks (its per-image FLOPs
    are reused, the schedule and metric counts are this config's)."""
    cfg = make_config(name, profile, **overrides)
    stages = schedule_images(cfg)
    per_image = {}
    for stage in stages:
        key = (repr(cfg.model), stage)
        label = f"{stage[0]}{'-fade' if stage[1] else ''}"
        if counted is not None:
            cache[key] = counted["step_flop_per_image"][label]
        if key not in cache:
            cache[key] = step_flops(cfg, data, *stage)
        per_image[stage] = cache[key]
    g_fwd, judge = (counted["g_forward_flop"], counted["judge_flop"]) if counted else render_flops(cfg)
    images = metric_images(cfg)
    train = sum(per_image[s] * n for s, n in stages.items())
    metrics = sum(images.values()) * (g_fwd + judge)
    last = (cfg.model.resolution, False)
    return {"config": name, "train_flop": train, "metric_flop": metrics, "total_flop": train + metrics,
            "step_flop_per_image": {f"{r}{'-fade' if f else ''}": v for (r, f), v in sorted(per_image.items())},
            "final_stage_flop_per_image": per_image.get(last), "g_forward_flop": g_fwd, "judge_flop": judge,
            "images": {f"{r}{'-fade' if f else ''}": n for (r, f), n in sorted(stages.items())},
            "metric_images": images}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", default="gpu")
    parser.add_argument("--configs", default="".join(PRESETS))
    parser.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE")
    parser.add_argument("--tflops", default="20,45", help="sustained TFLOP/s to turn FLOPs into time (assumed)")
    parser.add_argument("--json", type=Path, default=None)
    parser.add_argument("--counts-from", type=Path, default=None,
                        help="reuse the per-image FLOPs of this earlier --json (same networks; seconds, not minutes)")
    args = parser.parse_args()
    overrides = parse_overrides(args.overrides)
    rates = [float(x) for x in args.tflops.split(",")]
    rows, cache = [], {}
    with tempfile.TemporaryDirectory() as root:
        cfg0 = make_config("F", args.profile, **overrides)
        data = load_dataset("synthetic", resolution=cfg0.model.resolution, n=64, root=root, progress=False)
        earlier = {}
        if args.counts_from:
            previous = json.loads(args.counts_from.read_text())
            if previous["profile"] != args.profile or make_config("F", args.profile, **overrides).model != \
                    make_config("F", previous["profile"], **previous["overrides"]).model:
                raise SystemExit(f"--counts-from {args.counts_from}: other networks than these; count afresh.")
            earlier = {r["config"]: r for r in previous["configs"]}
        for name in args.configs:
            row = config_cost(name, args.profile, overrides, data, cache, earlier.get(name))
            rows.append(row)
            times = " / ".join(f"{row['total_flop'] / (r * 1e12) / 60:.0f}" for r in rates)
            print(f"{name}: {row['final_stage_flop_per_image'] / 1e9:.1f} GFLOP/img at the last stage; "
                  f"train {row['train_flop'] / 1e15:.1f} PFLOP + metrics {row['metric_flop'] / 1e15:.1f} PFLOP; "
                  f"{times} min at {args.tflops} TFLOP/s", flush=True)
    t = cfg0.train
    notebooks = {k: f(t) for k, f in NOTEBOOK_IMAGES.items()}
    nb_flop = sum(notebooks.values()) * (rows[-1]["g_forward_flop"] + rows[-1]["judge_flop"])
    course = sum(r["total_flop"] for r in rows) + nb_flop
    print(f"teaching notebooks: {sum(notebooks.values())} generated images, {nb_flop / 1e15:.2f} PFLOP")
    print(f"course ({args.configs} + notebooks): {course / 1e15:.1f} PFLOP; "
          + " / ".join(f"{course / (r * 1e12) / 3600:.1f} h" for r in rates) + f" at {args.tflops} TFLOP/s")
    if args.json:
        write_json(args.json, {"profile": args.profile, "overrides": overrides, "configs": rows,
                               "notebook_images": notebooks, "notebook_flop": nb_flop, "course_flop": course,
                               "assumed_tflops": rates, "torch": torch.__version__})
        print(f"(written to {args.json})")
    print(json.dumps({"course_pflop": round(course / 1e15, 2)}))


if __name__ == "__main__":
    main()
