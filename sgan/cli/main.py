"""The command line: ``python -m sgan <command> ...`` (a thin layer over the library).

    python -m sgan train --config F --profile cpu --data synthetic --out runs/F [--resume] [--set key=value]
    python -m sgan sample --run runs/F --seeds 0-15 --psi 0.7 --out grid.png
    python -m sgan project --run runs/F --image face.png --out w.npy --preview check.png
    python -m sgan edit --run runs/F --w w.npy --factor beard --steps -3,3 --out strip.png
    python -m sgan timelapse --run runs/F [--run ...] --out F.gif   (a run's grids, tick by tick, as a GIF)
    python -m sgan tensorboard [--logdir runs]                      (rebuild stale events, serve TensorBoard)
    torchrun --nproc_per_node=2 -m sgan train ...           (data-parallel; rank 0 writes)

and the studies (``sgan.studies``), each with its own arguments (``python -m sgan <study> --help``):

    python -m sgan course --profile cpu                     (the whole course: ablation runs and notebooks)
    python -m sgan reference --profile cpu --seeds 0,1,2    (the paper's Tables 1-4; --study long: cpu-long)
    python -m sgan sweep budget --profile cpu --seeds 0,1,2 (a study of one question, sgan.studies.sweep)
    python -m sgan bench                                    (the throughput benchmark of record)
    python -m sgan prose                                    (the notebooks' typed numbers)

Every command runs inside one error boundary (``main``): a mistake in the arguments prints ``usage`` and
``error: ...`` (exit 2), an expected failure (a missing run, a corrupt checkpoint, a locked run directory, a
full disk, a diverged run) prints ``error: ...`` (exit 1), an interrupt exits 130; ``--debug`` shows the
traceback instead. A study parses its own arguments and reports its own errors (``STUDIES``).

Each command is a ``Command`` in ``COMMANDS``: its arguments and the function that runs it. To add one, write
``add_<name>_arguments(parser)`` and ``run_<name>(args) -> int`` in a module of ``sgan.cli`` and register
them there; a study's ``main(argv)`` is registered in ``STUDIES``.
"""

from __future__ import annotations

import argparse
import sys
import traceback
from collections.abc import Callable
from dataclasses import dataclass

from sgan.cli import editing, sample, watch
from sgan.cli import train as train_command
from sgan.config import ConfigError
from sgan.studies import bench, course, prose, reference, sweep
from sgan.training.checkpoint import CheckpointError
from sgan.training.device import DeviceError, resolve_device, run_device
from sgan.training.loop import TrainingError
from sgan.training.runlock import RunLockedError
from sgan.usage import UsageError


@dataclass(frozen=True)
class Command:
    help: str
    add_arguments: Callable[[argparse.ArgumentParser], None]
    run: Callable[[argparse.Namespace], int]


COMMANDS: dict[str, Command] = {
    "train": Command("train a config A-F with the paper's procedure", train_command.add_train_arguments,
                     train_command.run_train),
    "sample": Command("images from a trained run's generator, as a grid", sample.add_sample_arguments,
                      sample.run_sample),
    "project": Command("find the latents that reproduce images (W or W+)", editing.add_project_arguments,
                       editing.run_project),
    "edit": Command("edit projected latents along a factor of the faces, as a strip",
                    editing.add_edit_arguments, editing.run_edit),
    "timelapse": Command("a run's fixed-latent grids, tick by tick, as an animated GIF (several: side by side)",
                         watch.add_timelapse_arguments, watch.run_timelapse),
    "tensorboard": Command("write the runs' TensorBoard events from their logs (when stale) and serve them",
                           watch.add_tensorboard_arguments, watch.run_tensorboard),
}


@dataclass(frozen=True)
class Study:
    """A study run from the command line: it parses its own arguments (``main(argv)``) and reports its errors."""

    help: str
    main: Callable[[list[str]], object]


STUDIES: dict[str, Study] = {
    "course": Study("run the whole course at a profile: the ablation runs, then every notebook", course.main),
    "reference": Study("the reference results: the paper's Tables 1-4 (or the long study) over seeds",
                       reference.main),
    "sweep": Study("a study of one question over seeds: tables, learning curves, spectra", sweep.main),
    "bench": Study("the throughput benchmark of record: training, inference, features, Fréchet (JSON)",
                   bench.main),
    "prose": Study("print the typed numbers of the notebooks' Markdown (exit 1 when there is one)", prose.main),
}


def run_study(name: str, argv: list[str]) -> int:
    """Run the study ``name`` with its arguments; its exit status (0 unless it returns one)."""
    status = STUDIES[name].main(argv)
    return status if isinstance(status, int) else 0


def check_device(args: argparse.Namespace) -> None:
    """The one validation of ``--device`` for every command: ``args.device`` becomes the ``torch.device`` to
    run on (without ``--device``: ``$SGAN_DEVICE``, else the GPU when there is one), ``args.device_name`` the
    name as given (None without it). A malformed name, or a GPU this machine lacks, is a usage error.
    ``train`` without ``--device`` keeps the run's own ``device`` setting (``args.device`` stays None)."""
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
    for name, study in STUDIES.items():  # listed in --help; main() hands their arguments to the study
        sub.add_parser(name, help=study.help, add_help=False)
    return parser


def expected_errors() -> tuple[type[BaseException], ...]:
    """The failures a user can meet and fix (printed as ``error: ...``); anything else is a bug (traceback)."""
    return TrainingError, RunLockedError, CheckpointError, OSError, ValueError


def main(argv: list[str] | None = None) -> int:
    """Run one command inside the error boundary; returns the exit status (usage errors exit 2). A study
    (``python -m sgan course ...``) gets the arguments after its name."""
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv and argv[0] in STUDIES:
        return run_study(argv[0], argv[1:])
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

