"""The ``train`` command: ``python -m sgan train --config F --profile cpu --data synthetic --out runs/F``.

    python -m sgan train --config F --profile cpu --data synthetic --out runs/F [--resume] [--set key=value]
    torchrun --nproc_per_node=2 -m sgan train ...           (data-parallel; rank 0 writes)
"""

from __future__ import annotations

import argparse
import json
import math
from typing import Any

from sgan.config import PRESETS, PROFILES, RunConfig, make_config
from sgan.data import load_dataset
from sgan.training.loop import train
from sgan.training.rundir import RunDir
from sgan.usage import UsageError


def parse_overrides(items: list[str]) -> dict[str, Any]:
    """``["seed=2", "mirror=false", "batch_sizes=[[8,32]]"]`` -> dict; values are JSON, else strings."""
    overrides: dict[str, Any] = {}
    for item in items:
        key, sep, text = item.partition("=")
        if not sep or not key.strip():
            raise UsageError(f"--set {item!r}: write key=value, e.g. --set total_kimg=12 --set mirror=false.")
        lowered = text.strip().lower()
        if lowered in ("true", "false"):
            value: Any = lowered == "true"
        else:
            try:
                value = json.loads(text)
            except json.JSONDecodeError:
                value = text
        overrides[key.strip()] = value
    return overrides


def add_train_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--config", choices=PRESETS, help="config A-F (default F; --resume alone: the run's)")
    p.add_argument("--profile", choices=sorted(PROFILES),
                   help="sizes and budget (default cpu; --resume alone: the run's)")
    p.add_argument("--data", default="synthetic", help="'synthetic', 'digits' or an image folder")
    p.add_argument("--data-root", default="data", help="where data sets are cached (default data/)")
    p.add_argument("--data-n", type=int, default=None, help="number of images (default: the data set's)")
    p.add_argument("--upscale", action="store_true",
                   help="an image folder: enlarge images smaller than the resolution (else an error lists them)")
    p.add_argument("--out", required=True, help="run directory, e.g. runs/F")
    p.add_argument("--resume", action="store_true", help="continue the run in --out from its checkpoint")
    p.add_argument("--max-kimg", type=float, default=None, help="stop after this many thousand images")
    p.add_argument("--max-steps", type=int, default=None, help="stop after this many minibatches")
    p.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                   help="override a ModelConfig/TrainConfig field (repeatable), e.g. --set loss=wgan_gp")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")


def train_config(args: argparse.Namespace) -> RunConfig:
    """From --config/--profile/--set; with --resume and neither --config nor --profile, the run's own
    config.json with the --set changes (those a resumed run may make: ``sgan.training.prepare.RESUMABLE``)."""
    overrides = parse_overrides(args.overrides)
    if args.device_name is not None:  # --device: the same as --set device=..., checked by check_device
        overrides["device"] = args.device_name
    if args.resume and args.config is None and args.profile is None:
        saved = RunDir(args.out).config_path
        if not saved.is_file():
            raise UsageError(f"--resume: {saved} not found; is --out a run directory?")
        return RunConfig.from_json(saved.read_text()).with_overrides(**overrides)
    return make_config(args.config or "F", args.profile or "cpu", **overrides)


def check_train_arguments(args: argparse.Namespace) -> None:
    if not args.out.strip():
        raise UsageError("--out is empty: give the run directory, e.g. --out runs/F.")
    if args.max_kimg is not None and not (math.isfinite(args.max_kimg) and args.max_kimg > 0):
        raise UsageError(f"--max-kimg {args.max_kimg}: give a positive number of thousands of images, e.g. 12.")
    for name in ("max_steps", "data_n"):
        value = getattr(args, name)
        if value is not None and value < 1:
            raise UsageError(f"--{name.replace('_', '-')} {value}: give a positive integer.")


def run_train(args: argparse.Namespace) -> int:
    check_train_arguments(args)
    config = train_config(args)
    data = args.data
    if args.upscale:
        data = load_dataset(args.data, resolution=config.model.resolution, n=args.data_n, seed=config.train.seed,
                            root=args.data_root, progress=not args.no_progress, upscale=True)
    run = train(config, data, args.out, resume=args.resume, progress=not args.no_progress,
                max_steps=args.max_steps, max_kimg=args.max_kimg, data_root=args.data_root, data_n=args.data_n)
    if run.interrupted:
        return 130
    print(f"trained {run.kimg:.3f} kimg ({run.step} steps) into {run.run_dir}")
    return 0
