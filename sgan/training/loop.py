"""The training procedure of the paper as one function: ``train(config, data, run_dir) -> Run``.

Progressive growing (``sgan.schedule``), one D step and one G step per minibatch, Adam (β1 = 0, β2 = 0.99,
ε = 1e-8) reset when a fade starts or ends, the loss of ``config.model.loss`` (``sgan.losses``), mixing
regularization, the EMA generator (``sgan.ema``) and the tracked w̄. Each minibatch:

    reals x: a box-filtered (area) copy of the data at the current resolution r; during a fade,
             x ← lerp(up(down(x)), x, α)   (official ``process_reals``: nearest up of the 2×2 box down)
    D step:  L_D(x, G(z)) (+ R1 or GP)   →  Adam on D;   w̄ ← lerp(mean f(z), w̄, 0.995)
    G step:  L_G(G(z'))                  →  Adam on G;   w̄ ← lerp(mean f(z'), w̄, 0.995)
    EMA:     θ_ema ← lerp(θ, θ_ema, 0.5^(batch / (ema_kimg·1000)))

w̄ moves in both passes, as officially: the official G updates its ``dlatent_avg`` whenever it runs in
training mode, and both the D loss and the G loss run it.

Every random draw comes from two seeded ``torch.Generator`` s (data indices and mirror flips; latents, noise,
mixing and the GP's u), drawn for the *global* minibatch so that one process and N data-parallel ranks
(``sgan.training.distributed``) see the same numbers. A run directory holds ``config.json``, ``log.jsonl`` (one row per
tick, with the tick's FID when ``tick_fid_samples`` > 0: the learning curve), ``grids/`` (the EMA generator
on fixed latents, every tick) and ``checkpoints/latest.pt``, from which ``train(..., resume=True)`` continues
bit for bit.
"""

from __future__ import annotations

import contextlib
import json
import math
import signal
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
from torch import nn
from tqdm.auto import tqdm

from sgan.atomic import write_text
from sgan.config import RunConfig
from sgan.metrics.fid import FIDTracker
from sgan.sample import save_grid
from sgan.schedule import Phase
from sgan.training import distributed as dist
from sgan.training.checkpoint import has_checkpoint, load_checkpoint, save_checkpoint
from sgan.training.frontend import in_live_frontend
from sgan.training.live import LiveView
from sgan.training.prepare import (
    check_batches,
    check_data,
    check_memory,
    check_same_data,
    load_data,
    prepare_run_dir,
    record_changes,
    resume_changes,
    training_device,
)
from sgan.training.rundir import RunDir
from sgan.training.runlock import RunLock
from sgan.training.tensorboard_events import training_events
from sgan.training.trainer import Trainer, area_downsample

BAR_FORMAT = "{l_bar}{bar}| {n:.2f}/{total:.2f} kimg [{elapsed}<{remaining}{postfix}]"
GRID_SEED_OFFSET = 123_457  # the fixed grid latents come from seed + this, never from the training generators


class TrainingError(RuntimeError):
    """Training cannot go on (a non-finite loss); the message names the step and the last good checkpoint."""


@dataclass
class Run:
    """What ``train`` returns: where the run lives, how far it got, and the live networks of this process."""

    run_dir: Path
    kimg: float
    step: int
    last_log: dict[str, Any]
    interrupted: bool = False
    G: nn.Module | None = field(default=None, repr=False)
    D: nn.Module | None = field(default=None, repr=False)
    G_ema: nn.Module | None = field(default=None, repr=False)

    @property
    def config_path(self) -> Path:
        return RunDir(self.run_dir).config_path

    @property
    def log_path(self) -> Path:
        return RunDir(self.run_dir).log_path

    @property
    def grids_dir(self) -> Path:
        return RunDir(self.run_dir).grids_dir

    @property
    def checkpoint_path(self) -> Path:
        return RunDir(self.run_dir).latest_checkpoint


class _StopRequests:
    """SIGINT (Ctrl-C) and SIGTERM (``kill``, a job scheduler) become a request to stop after the current step,
    which then writes a checkpoint; a second one raises ``KeyboardInterrupt`` at once (the checkpoint write is
    atomic: the run resumes from the last one written)."""

    SIGNALS = (signal.SIGINT, signal.SIGTERM)

    def __init__(self) -> None:
        self.requested = False
        self.signal_name: str | None = None
        self._previous: dict[int, Any] = {}

    def _handle(self, signum, frame) -> None:
        if self.requested:
            raise KeyboardInterrupt(f"{signal.Signals(signum).name} while stopping")
        self.requested = True
        self.signal_name = signal.Signals(signum).name

    def __enter__(self) -> _StopRequests:
        with contextlib.suppress(ValueError):  # not the main thread: signals act as usual
            for sig in self.SIGNALS:
                self._previous[sig] = signal.signal(sig, self._handle)
        return self

    def __exit__(self, *exc) -> None:
        for sig, handler in self._previous.items():
            signal.signal(sig, handler)


def _trim_log(path: Path, step: int) -> None:
    """Keep the log rows up to ``step`` (a resumed run rewrites what came after its checkpoint)."""
    if not path.is_file():
        return
    rows = []
    for line in path.read_text().splitlines():
        with contextlib.suppress(json.JSONDecodeError):  # a line cut short by a kill is dropped
            row = json.loads(line)
            if row.get("step", math.inf) <= step:
                rows.append(line)
    write_text(path, "".join(f"{line}\n" for line in rows))


@dataclass
class _Tick:
    """Running sums over the current tick, for its log row."""

    start: float = field(default_factory=time.perf_counter)
    step_seconds: float = 0.0
    images: int = 0
    sums: dict[str, float] = field(default_factory=dict)
    steps: int = 0

    def add(self, values: dict[str, float], batch: int, seconds: float) -> None:
        for k, v in values.items():
            self.sums[k] = self.sums.get(k, 0.0) + v
        self.steps += 1
        self.images += batch
        self.step_seconds += seconds

    def row(self, trainer: Trainer, phase: Phase) -> dict[str, Any]:
        means = {k: v / max(self.steps, 1) for k, v in self.sums.items()}
        return {
            "tick": trainer.tick, "step": trainer.step, "kimg": trainer.nimg / 1000.0,
            "resolution": phase.resolution, "alpha": round(phase.alpha, 6), "batch": phase.batch,
            "lr": phase.lr, "ema_lod": None if trainer.ema_lod is None else round(trainer.ema_lod, 6),
            **means,
            "images_per_s": self.images / self.step_seconds if self.step_seconds > 0 else 0.0,
            "sec_per_tick": time.perf_counter() - self.start, "time": trainer.elapsed,
        }


class _Loop:
    """The outer loop of ``train``: steps, ticks (log row, grid, checkpoint), progress bar, stopping."""

    def __init__(self, trainer: Trainer, run_dir: Path, total_nimg: int, max_steps: int | None, progress: bool,
                 on_tick: Callable[[dict[str, Any]], None] | None, cache_dir: str | Path | None) -> None:
        self.trainer, self.run_dir, self.total_nimg, self.max_steps = trainer, run_dir, total_nimg, max_steps
        self.on_tick = on_tick
        self.events = None  # tensorboard_events.EventLog (rank 0): the log's rows and grids for TensorBoard
        self.view = None  # sgan.training.live.LiveView (rank 0, in JupyterLab): redrawn at every tick
        self.stop_signal: str | None = None  # SIGINT or SIGTERM when a signal stopped the run
        self.main = trainer.info.is_main
        self.progress = progress and self.main
        self.last_row: dict[str, Any] = (RunDir(run_dir).last_row() or {}) if self.main else {}
        self.last_checkpoint_step: int | None = trainer.step if trainer.step else None
        cfg = trainer.config
        gen = torch.Generator("cpu").manual_seed(cfg.train.seed + GRID_SEED_OFFSET)
        self.grid_z = torch.randn(cfg.train.grid_size, cfg.model.z_dim, generator=gen, device="cpu").to(trainer.device)
        self.grid_noise = trainer.G.synthesis.make_noise(cfg.train.grid_size, gen, trainer.device)
        self.fid = None
        if self.main and cfg.train.tick_fid_samples > 0:
            self.fid = FIDTracker(trainer.data, cfg.train.tick_fid_samples, cfg.model.resolution,
                                  cfg.train.tick_fid_features, trainer.device, seed=cfg.train.seed,
                                  mirror=cfg.train.mirror, cache_dir=cache_dir)

    def done(self) -> bool:
        steps_done = self.max_steps is not None and self.trainer.step >= self.max_steps
        return self.trainer.nimg >= self.total_nimg or steps_done

    def write_grid(self) -> None:
        with torch.no_grad():
            resolution, alpha = self.trainer.ema_view()
            images = self.trainer.G_ema(self.grid_z, resolution=resolution, alpha=alpha, noise=self.grid_noise)
        path = RunDir(self.run_dir).grid_path(self.trainer.tick)
        save_grid(images, path, size=self.trainer.config.model.resolution)

    def check_finite(self, values: dict[str, float]) -> None:
        bad = {k: v for k, v in values.items() if not math.isfinite(v)}
        if not bad:
            return
        where = (f"the last good checkpoint is {RunDir(self.run_dir).latest_checkpoint} (step "
                 f"{self.last_checkpoint_step})" if self.last_checkpoint_step is not None
                 else "no checkpoint was written yet")
        raise TrainingError(
            f"Non-finite loss at step {self.trainer.step} (kimg {self.trainer.nimg / 1000:.3f}): "
            + ", ".join(f"{k} = {v}" for k, v in bad.items())
            + f". Training stopped; {where}. Lower the learning rate and resume "
            "(--resume --set learning_rates=[[8,0.001]]), or check the data."
        )

    def end_tick(self, tick: _Tick, phase: Phase, checkpoint: bool) -> dict[str, Any]:
        trainer = self.trainer
        trainer.tick += 1
        trainer.tick_start_nimg = trainer.nimg
        trainer.elapsed += time.perf_counter() - tick.start
        row = tick.row(trainer, phase)
        if self.fid is not None:
            row.update(self.measure_fid())
        if self.main:
            with open(RunDir(self.run_dir).log_path, "a") as f:
                f.write(json.dumps(row) + "\n")
            self.write_grid()
            if checkpoint or trainer.tick % trainer.config.train.checkpoint_ticks == 0:
                save_checkpoint(RunDir(self.run_dir).latest_checkpoint, trainer.state_dict())
            if self.events is not None:
                self.events.add(row)
        if checkpoint or trainer.tick % trainer.config.train.checkpoint_ticks == 0:
            self.last_checkpoint_step = trainer.step
        self.last_row = row
        if self.view is not None:
            self.view.update(row)
        if self.on_tick is not None:
            self.on_tick(row)
        return row

    def measure_fid(self) -> dict[str, Any]:
        """The tick's point of the learning curve: FID of G_ema as it renders now, at its own level of detail
        (``Trainer.ema_view``), outside the training time."""
        result = self.fid(self.trainer.G_ema, *self.trainer.ema_view())
        return {"fid": result["value"], "fid_metric": self.fid.name, "fid_network": self.fid.network.name,
                "fid_seconds": round(result["seconds"], 3)}

    def stop_agreed(self, stop: _StopRequests) -> bool:
        flag = torch.tensor([1.0 if stop.requested else 0.0], device=self.trainer.device)
        return bool(dist.average(flag, self.trainer.info).item() > 0)

    def run(self) -> bool:
        """Train until done or stopped; returns True when stopped by Ctrl-C or SIGTERM."""
        trainer, cfg = self.trainer, self.trainer.config.train
        bar = tqdm(total=self.total_nimg / 1000, initial=trainer.nimg / 1000, unit="kimg",
                   disable=not self.progress, bar_format=BAR_FORMAT)
        tick, stopped = _Tick(), False
        try:
            with _StopRequests() as stop:
                while not self.done():
                    start = time.perf_counter()
                    phase, values = trainer.train_step()
                    self.check_finite(values)
                    tick.add(values, phase.batch, time.perf_counter() - start)
                    bar.update(phase.batch / 1000)
                    speed = tick.images / max(tick.step_seconds, 1e-9)
                    last = self.last_row
                    fid = f", {last['fid_metric']} {last['fid']:.1f}" if "fid" in last else ""
                    bar.set_postfix_str(f"{phase.resolution}², α={phase.alpha:.2f}, {speed:.0f} img/s{fid}",
                                        refresh=False)
                    stopped = self.stop_agreed(stop)
                    if trainer.nimg >= trainer.tick_start_nimg + cfg.tick_kimg * 1000 or self.done() or stopped:
                        self.end_tick(tick, phase, checkpoint=self.done() or stopped)
                        tick = _Tick()
                    if stopped:
                        self.stop_signal = stop.signal_name
                        break
        finally:
            bar.close()
        return stopped


def train(config: RunConfig, data: Any = "synthetic", run_dir: str | Path = "runs/run",
          resume: bool | str = False, progress: bool = True, max_steps: int | None = None,
          max_kimg: float | None = None, data_root: str | Path = "data", data_n: int | None = None,
          on_tick: Callable[[dict[str, Any]], None] | None = None, live: bool | None = None) -> Run:
    """Train a GAN with the paper's procedure and return the ``Run``.

    config:    a ``RunConfig`` (``make_config("F", "cpu")``).
    data:      an ``ImageDataset``, or a name / folder for ``load_dataset`` (at the model's resolution, cached
               under ``data_root``, ``data_n`` images). The learning curve's real statistics are cached
               under ``data_root`` too.
    run_dir:   the run directory (created; must be writable).
    resume:    False: a new run (an error if ``run_dir`` holds a checkpoint); True: continue from
               ``run_dir/checkpoints/latest.pt`` (an error if none, or if ``config`` differs from the
               checkpoint's); "auto": resume when a checkpoint exists.
    max_steps: stop once this many minibatches were trained since the run began (resumed runs count on).
    max_kimg:  stop after this many thousand images (default ``config.train.total_kimg``).
    on_tick:   called with each tick's log row (after its checkpoint is written), on every rank.
    live:      the live view (``sgan.training.live``: losses, FID curve, latest grid, ETA, a stop button) instead of the
               progress bar; None: when a person watches this Jupyter kernel (JupyterLab, not papermill or
               nbval: ``sgan.training.frontend.in_live_frontend``) and ``progress`` is on.

    Besides ``log.jsonl`` and the grids, rank 0 writes the same rows and grids as TensorBoard events in the run
    directory (``sgan.training.tensorboard_events``), rebuilt from the log when training starts.

    Ctrl-C (SIGINT) or SIGTERM finishes the current minibatch, writes a checkpoint and returns
    (``run.interrupted``). The run directory is locked for the whole run (``sgan.training.runlock``): a second training
    into it fails with ``RunLockedError`` naming the first.
    A non-finite loss raises ``TrainingError`` naming the step, leaving the last good checkpoint in place.
    Under ``torchrun`` the global minibatch is split across processes and only rank 0 writes.
    """
    if not isinstance(config, RunConfig):
        raise TypeError(f"config must be a RunConfig (e.g. make_config('F', 'cpu')), got {type(config)}.")
    if not str(run_dir).strip():
        raise ValueError("run_dir is empty: give the run directory, e.g. runs/F (--out runs/F).")
    wants_cuda = config.train.device.startswith("cuda") or (config.train.device == "auto"
                                                            and torch.cuda.is_available())
    info = dist.init_distributed("cuda" if wants_cuda else "cpu")
    threads = torch.get_num_threads()
    try:
        if config.train.num_threads > 0:
            torch.set_num_threads(config.train.num_threads)
        lock = RunLock(run_dir)
        try:
            return _train(config, data, Path(run_dir), resume, progress, max_steps, max_kimg, data_root, data_n,
                          on_tick, live, info, lock)
        finally:
            lock.release()
    finally:
        torch.set_num_threads(threads)
        dist.shutdown(info)


def _train(config: RunConfig, data: Any, run_dir: Path, resume: bool | str, progress: bool, max_steps: int | None,
           max_kimg: float | None, data_root: str | Path, data_n: int | None,
           on_tick: Callable[[dict[str, Any]], None] | None, live: bool | None, info: dist.DistInfo,
           lock: RunLock) -> Run:
    device = training_device(config.train.device, info)
    check_batches(config, info)
    check_memory(config, device, info)
    resuming = prepare_run_dir(run_dir, resume, lock) if info.is_main else False
    dist.barrier(info)
    if not info.is_main:  # rank 0 checked the directory; the others follow its checkpoint
        resuming = bool(resume) and has_checkpoint(run_dir)
    state = None
    if resuming:
        state = load_checkpoint(run_dir, map_location="cpu")
        changes = resume_changes(run_dir, config, RunConfig.from_json(state["config"]))
    if not info.is_main:
        dist.barrier(info)  # rank 0 builds the data cache first; the others then read it
    data = load_data(data, config.model.resolution, data_root, data_n, config.train.seed,
                     progress and info.is_main)
    if info.is_main:
        dist.barrier(info)
    check_data(data, config.model.resolution)
    if info.is_main:
        check_same_data(run_dir, data, resuming)
    trainer = Trainer(config, data, info, device)
    if state is not None:
        trainer.load_state_dict(state)
        if info.is_main:
            _trim_log(RunDir(run_dir).log_path, trainer.step)
            record_changes(run_dir, config, changes, trainer.step)
    elif info.is_main:
        write_text(RunDir(run_dir).config_path, config.to_json() + "\n")
        write_text(RunDir(run_dir).log_path, "")
        n = min(config.train.grid_size, len(data))
        reals = area_downsample(data.batch(list(range(n)), mirror=False), config.model.resolution)
        save_grid(reals, RunDir(run_dir).grid_path("reals"))
    total = max_kimg if max_kimg is not None else config.train.total_kimg
    if live is None:
        live = progress and in_live_frontend()
    view = None
    if live and info.is_main:
        view = LiveView(config, run_dir, total_kimg=total, rows=RunDir(run_dir).log())
    loop = _Loop(trainer, run_dir, round(total * 1000), max_steps, progress and view is None, on_tick, data_root)
    if state is None and info.is_main:
        loop.write_grid()
    if info.is_main:
        loop.events = training_events(run_dir)
    if view is not None:
        loop.view = view
        view.refresh()  # the grid just written
        view.show()
    try:
        interrupted = loop.run()
    finally:
        if loop.events is not None:
            loop.events.close()
    if view is not None:
        view.finish(interrupted, trainer.step)
    if interrupted and info.is_main:  # whatever the progress setting: the user must learn where the run stands
        tqdm.write(f"Interrupted ({loop.stop_signal}) at step {trainer.step}: checkpoint saved in "
                   f"{RunDir(run_dir).checkpoints_dir}; continue with --resume (train(..., resume=True)).",
                   file=sys.stderr)
    return Run(run_dir=run_dir, kimg=trainer.nimg / 1000.0, step=trainer.step, last_log=loop.last_row,
               interrupted=interrupted, G=trainer.G, D=trainer.D, G_ema=trainer.G_ema)
