"""The command line: ``python -m sgan <command> ...`` (a thin layer over the library).

    python -m sgan train --config F --profile cpu --data synthetic --out runs/F [--resume] [--set key=value]
    python -m sgan sample --run runs/F --seeds 0-15 --psi 0.7 --out grid.png
    python -m sgan project --run runs/F --image face.png --out w.npy --preview check.png
    python -m sgan edit --run runs/F --w w.npy --factor beard --steps -3,3 --out strip.png
    python -m sgan timelapse --run runs/F [--run ...] --out F.gif   (a run's grids, tick by tick, as a GIF)
    python -m sgan tensorboard [--logdir runs]                      (rebuild stale events, serve TensorBoard)
    torchrun --nproc_per_node=2 -m sgan train ...           (data-parallel; rank 0 writes)

Every command runs inside one error boundary (``main``): a mistake in the arguments prints ``usage`` and
``error: ...`` (exit 2), an expected failure (a missing run, a corrupt checkpoint, a locked run directory, a
full disk, a diverged run) prints ``error: ...`` (exit 1), an interrupt exits 130; ``--debug`` shows the
traceback instead.

Each command is a ``Command`` in ``COMMANDS``: its arguments and the function that runs it. To add one, write
``add_<name>_arguments(parser)`` and ``run_<name>(args) -> int`` and register them there.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sgan import editing_cli, watch_cli
from sgan.config import PRESETS, PROFILES, ConfigError, RunConfig, make_config
from sgan.rundir import RunDir
from sgan.usage import UsageError


@dataclass(frozen=True)
class Command:
    help: str
    add_arguments: Callable[[argparse.ArgumentParser], None]
    run: Callable[[argparse.Namespace], int]


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


# ----- train -----
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
    config.json with the --set changes (those a resumed run may make: ``sgan.training.RESUMABLE``)."""
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
    from sgan.training import train

    check_train_arguments(args)
    config = train_config(args)
    data = args.data
    if args.upscale:
        from sgan.data import load_dataset

        data = load_dataset(args.data, resolution=config.model.resolution, n=args.data_n, seed=config.train.seed,
                            root=args.data_root, progress=not args.no_progress, upscale=True)
    run = train(config, data, args.out, resume=args.resume, progress=not args.no_progress,
                max_steps=args.max_steps, max_kimg=args.max_kimg, data_root=args.data_root, data_n=args.data_n)
    if run.interrupted:
        return 130
    print(f"trained {run.kimg:.3f} kimg ({run.step} steps) into {run.run_dir}")
    return 0


# ----- sample -----
def add_sample_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--run", required=True, help="run directory, checkpoint file, or zoo:<config>[@profile] "
                   "(e.g. zoo:F, zoo:F@cpu-long)")
    p.add_argument("--seeds", default="0-15", help="e.g. 0-15 or 1,5,9-12 (one image per seed)")
    p.add_argument("--psi", type=float, default=None, help="truncation ψ (default: the model's, 0.7)")
    p.add_argument("--cutoff", type=int, default=None, help="truncate layers below it (default: the model's)")
    p.add_argument("--which", default="ema", choices=("ema", "G"), help="EMA generator (default) or G")
    p.add_argument("--out", required=True, help="PNG file to write")
    p.add_argument("--columns", type=int, default=None, help="grid columns (default ⌈√n⌉)")


def run_sample(args: argparse.Namespace) -> int:
    from sgan.model_zoo import load_run
    from sgan.sample import generate_images, parse_seeds, save_grid

    try:
        seeds = parse_seeds(args.seeds)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    if args.psi is not None and not math.isfinite(args.psi):
        raise UsageError(f"--psi {args.psi}: truncation ψ must be a finite number (1: none, 0.7: the paper's).")
    if args.columns is not None and args.columns < 1:
        raise UsageError(f"--columns {args.columns}: give a positive number of columns.")
    G = load_run(args.run, which=args.which, device=args.device)
    psi = G.cfg.truncation_psi if args.psi is None else args.psi
    images = generate_images(G, seeds, psi=psi, cutoff=args.cutoff)
    path = save_grid(images, args.out, columns=args.columns)
    print(f"{len(seeds)} images (ψ={psi}) written to {path}")
    return 0


COMMANDS: dict[str, Command] = {
    "train": Command("train a config A-F with the paper's procedure", add_train_arguments, run_train),
    "sample": Command("images from a trained run's generator, as a grid", add_sample_arguments, run_sample),
    "project": Command("find the latents that reproduce images (W or W+)", editing_cli.add_project_arguments,
                       editing_cli.run_project),
    "edit": Command("edit projected latents along a factor of the faces, as a strip",
                    editing_cli.add_edit_arguments, editing_cli.run_edit),
    "timelapse": Command("a run's fixed-latent grids, tick by tick, as an animated GIF (several: side by side)",
                         watch_cli.add_timelapse_arguments, watch_cli.run_timelapse),
    "tensorboard": Command("write the runs' TensorBoard events from their logs (when stale) and serve them",
                           watch_cli.add_tensorboard_arguments, watch_cli.run_tensorboard),
}


def check_device(args: argparse.Namespace) -> None:
    """The one validation of ``--device`` for every command: ``args.device`` becomes the ``torch.device`` to
    run on (without ``--device``: ``$SGAN_DEVICE``, else the GPU when there is one), ``args.device_name`` the
    name as given (None without it). A malformed name, or a GPU this machine lacks, is a usage error.
    ``train`` without ``--device`` keeps the run's own ``device`` setting (``args.device`` stays None)."""
    from sgan.device import DeviceError, resolve_device, run_device

    args.device_name = args.device
    try:
        if args.device is not None:
            args.device = resolve_device(args.device, "--device")
        elif args.command != "train":
            args.device = run_device()
    except DeviceError as exc:
        raise UsageError(str(exc)) from None


def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--debug", action="store_true", help="show the traceback of an error")
    common.add_argument("--device", default=None,
                        help="auto (the GPU when there is one), cpu, cuda or cuda:<index> (default: $SGAN_DEVICE, "
                             "else auto; train: the run's device setting)")
    parser = argparse.ArgumentParser(prog="python -m sgan", description="StyleGAN (Karras et al. 2019).",
                                     parents=[common])
    sub = parser.add_subparsers(dest="command", required=True, metavar="command")
    for name, command in COMMANDS.items():
        command.add_arguments(sub.add_parser(name, help=command.help, description=command.help,
                                             parents=[common]))
    return parser


def expected_errors() -> tuple[type[BaseException], ...]:
    """The failures a user can meet and fix (printed as ``error: ...``); anything else is a bug (traceback)."""
    from sgan.checkpoint import CheckpointError
    from sgan.runlock import RunLockedError
    from sgan.training import TrainingError

    return TrainingError, RunLockedError, CheckpointError, OSError, ValueError


def main(argv: list[str] | None = None) -> int:
    """Run one command inside the error boundary; returns the exit status (usage errors exit 2)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        check_device(args)
        return COMMANDS[args.command].run(args)
    except (UsageError, ConfigError) as exc:
        if args.debug:
            traceback.print_exc()
        parser.error(str(exc))  # exits with status 2
    except KeyboardInterrupt:
        if args.debug:
            traceback.print_exc()
        print("error: interrupted; a training run resumes from its last checkpoint with --resume.",
              file=sys.stderr)
        return 130
    except expected_errors() as exc:
        if args.debug:
            traceback.print_exc()
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 2


if __name__ == "__main__":
    sys.exit(main())
