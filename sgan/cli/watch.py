"""The commands that show runs: ``python -m sgan timelapse`` and ``python -m sgan tensorboard``.

    python -m sgan timelapse --run runs/course/cpu/F --out F.gif          (one run's grids, tick by tick)
    python -m sgan timelapse --run A=runs/course/cpu/A --run F=runs/course/cpu/F --out AF.gif   (side by side)
    python -m sgan tensorboard [--logdir runs] [--port 6006] [--no-serve]
"""

from __future__ import annotations

import argparse
from pathlib import Path

from sgan.paths import runs_root
from sgan.training.rundir import RunDir
from sgan.training.tensorboard_events import INSTALL_HINT, refresh_events
from sgan.usage import UsageError
from sgan.viz.timelapse import timelapse_frames, write_timelapse


# ----- timelapse -----
def add_timelapse_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--run", action="append", required=True, metavar="[TITLE=]RUN",
                   help="run directory; repeat for runs side by side, each optionally titled (A=runs/.../A)")
    p.add_argument("--out", default=None, help="GIF to write (default <run>/timelapse.gif)")
    p.add_argument("--frame-ms", type=int, default=400, help="milliseconds per tick (the last is held 2 s)")
    p.add_argument("--height", type=int, default=256, help="frame height in pixels (nearest-neighbour enlarged)")


def _titled(items: list[str]) -> dict[str, Path]:
    runs: dict[str, Path] = {}
    for item in items:
        title, sep, path = item.partition("=")
        title, path = (title, path) if sep else (Path(item).name, item)
        if not RunDir(path).has_log():
            raise UsageError(f"--run {item}: {RunDir(path).log_path} not found; give a run directory written by "
                               "sgan.train (e.g. runs/course/cpu/F).")
        if title in runs:
            raise UsageError(f"--run {item}: the title {title!r} is given twice; title them, e.g. --run A1=...")
        runs[title] = Path(path)
    return runs


def run_timelapse(args: argparse.Namespace) -> int:
    runs = _titled(args.run)
    if args.frame_ms <= 0 or args.height < 8:
        raise UsageError(f"--frame-ms {args.frame_ms} / --height {args.height}: give a positive duration and a "
                           "height of at least 8 pixels.")
    out = Path(args.out) if args.out else next(iter(runs.values())) / "timelapse.gif"
    path = write_timelapse(runs, out, frame_ms=args.frame_ms, height=args.height)
    ticks = ", ".join(f"{t}: {len(timelapse_frames(r))} frames" for t, r in runs.items())
    print(f"timelapse ({ticks}) written to {path}")
    return 0


# ----- tensorboard -----
def add_tensorboard_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--logdir", default=None, help="folder of runs (default: the course's runs/, $SGAN_RUNS)")
    p.add_argument("--port", type=int, default=6006)
    p.add_argument("--host", default="127.0.0.1", help="address to serve on (default: this machine only)")
    p.add_argument("--no-serve", action="store_true", help="only rebuild the runs' stale events, then exit")


def run_tensorboard(args: argparse.Namespace) -> int:
    root = Path(args.logdir) if args.logdir else runs_root()
    if not root.is_dir():
        raise UsageError(f"--logdir {root} does not exist: train a run first (make course) or point --logdir "
                           "at a folder of runs.")
    found = refresh_events(root)
    print(f"{root}: events rebuilt for {len(found['rebuilt'])} run(s) from their log.jsonl, "
          f"{len(found['current'])} already current, {len(found['busy'])} training now (their trainer writes them)")
    if args.no_serve:
        return 0
    try:
        from tensorboard import program
    except ImportError as exc:
        raise UsageError(f"{exc}: {INSTALL_HINT}.") from None
    board = program.TensorBoard()
    board.configure(logdir=str(root), port=args.port, host=args.host)
    print(f"TensorBoard on http://{args.host}:{args.port}/ (Ctrl-C stops it)", flush=True)
    board.main()
    return 0
