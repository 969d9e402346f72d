"""The training procedure of the paper as one function: ``train(config, data, out_dir) -> Run``.

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
import os
import signal
import sys
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn
from tqdm.auto import tqdm

from sgan import losses
from sgan.atomic import write_text
from sgan.config import ConfigError, RunConfig
from sgan.discriminator import Discriminator
from sgan.ema import ema_beta, ema_lod, make_ema, update_ema
from sgan.generator import Generator
from sgan.mixing import draw_crossovers, mix_styles
from sgan.noise import draw_noise
from sgan.sample import save_grid
from sgan.schedule import Phase, schedule, view_of
from sgan.synthesis import layers_at
from sgan.training import device as device_lib
from sgan.training import distributed as dist
from sgan.training.checkpoint import capture_rng, has_checkpoint, load_checkpoint, restore_rng, save_checkpoint
from sgan.training.rundir import RunDir
from sgan.training.runlock import RunLock

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


def training_device(name: str, info: dist.DistInfo) -> torch.device:
    """``sgan.training.device.resolve_device`` (validated; "auto": cuda when available), one GPU per rank under
    torchrun."""
    try:
        device = device_lib.resolve_device(name)
    except device_lib.DeviceError as exc:
        raise ConfigError(str(exc)) from None
    if device.type == "cuda":
        if info.enabled:
            device = torch.device("cuda", info.local_rank)
        torch.cuda.set_device(device)
    return device


def load_data(data: Any, resolution: int, root: str | Path, n: int | None, seed: int, progress: bool):
    """``data`` if it is an ``ImageDataset``, else ``load_dataset(data)`` at ``resolution``."""
    if isinstance(data, str | Path):
        from sgan.data import load_dataset

        return load_dataset(str(data), resolution=resolution, n=n, seed=seed, root=root, progress=progress)
    return data


def check_data(data: Any, resolution: int) -> None:
    """The data must hold images at ``resolution`` or a power-of-two multiple of it (box-filtered down)."""
    res = getattr(data, "resolution", None)
    if res is None or not hasattr(data, "batch") or len(data) == 0:
        raise TypeError(f"data must be a non-empty ImageDataset (sgan.data.load_dataset), got {type(data)}.")
    if res < resolution or res % resolution or (res // resolution) & (res // resolution - 1):
        raise ConfigError(
            f"The data set's resolution {res} cannot feed a {resolution}² model: load the data at "
            f"{resolution} (or a power-of-two multiple), e.g. load_dataset(name, resolution={resolution})."
        )


def check_batches(config: RunConfig, info: dist.DistInfo) -> None:
    """Every minibatch of the schedule must split across ranks and into minibatch-stddev groups."""
    g = config.model.mbstd_group_size
    for res in config.model.resolutions:
        if res < config.train.start_resolution:
            continue
        batch = config.train.batch_at(res)
        local = batch // info.world_size
        if batch % info.world_size or local % min(g, local):
            raise ConfigError(
                f"Minibatch {batch} at {res}² must split evenly across {info.world_size} process(es) and "
                f"each share ({local}) into minibatch-stddev groups of {g}: change batch_sizes or "
                "mbstd_group_size."
            )


STEP_BYTES_PER_ACTIVATION = 4 * 24  # fp32; ~24 saved tensors per feature map through G, D and R1's double backward


def step_memory(config: RunConfig, resolution: int) -> int:
    """A generous estimate of one training step's memory at ``resolution`` (bytes): every feature map of G and
    D for the minibatch, times the tensors a step keeps of it. Only meant to refuse absurd minibatches."""
    maps = sum(config.model.channels_at(r) * r * r for r in config.model.resolutions if r <= resolution)
    return config.train.batch_at(resolution) * maps * STEP_BYTES_PER_ACTIVATION


def machine_memory(device: torch.device) -> int | None:
    """The device's total memory in bytes (a GPU's, or the machine's RAM), None when unknown."""
    if device.type == "cuda":
        return torch.cuda.get_device_properties(device).total_memory
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):  # not a POSIX system
        return None


def check_memory(config: RunConfig, device: torch.device, info: dist.DistInfo) -> None:
    """Refuse, before allocating anything, a schedule whose step cannot fit in the device's memory."""
    total = machine_memory(device)
    if total is None:
        return
    for res in config.model.resolutions:
        if res < config.train.start_resolution:
            continue
        need = step_memory(config, res) / info.world_size
        if need > total:
            raise ConfigError(
                f"Minibatch {config.train.batch_at(res)} at {res}² needs about {need / 2**30:.0f} GiB per step, "
                f"more than the {total / 2**30:.0f} GiB of {device.type}: lower batch_sizes (the profile's "
                f"are {_profile_batches(config)}).")


def _profile_batches(config: RunConfig) -> str:
    from sgan.config import PROFILES

    return json.dumps(PROFILES.get(config.profile, {}).get("train", {}).get("batch_sizes", "the paper's"))


def prepare_out_dir(out_dir: Path, resume: bool | str, lock: RunLock | None = None) -> bool:
    """Create ``out_dir``, prove it writable and take its ``lock`` (before any training); returns whether to
    resume. Nothing is created when there is nothing to resume."""
    if resume not in (True, False, "auto"):
        raise ValueError(f"resume={resume!r}: use True, False or 'auto' (resume when a checkpoint exists).")
    if resume is True and not has_checkpoint(out_dir):
        raise FileNotFoundError(f"Nothing to resume: {RunDir(out_dir).latest_checkpoint} does not exist. "
                                "Start a new run (without --resume / resume=True).")
    try:
        RunDir(out_dir).checkpoints_dir.mkdir(parents=True, exist_ok=True)
        RunDir(out_dir).grids_dir.mkdir(exist_ok=True)
        probe = out_dir / ".write-test"
        probe.write_text("ok")
        probe.unlink()
    except OSError as exc:
        raise OSError(f"Cannot write the run directory {out_dir}: {exc}. Choose a writable out_dir.") from exc
    if lock is not None:
        lock.acquire()  # from here on no other process writes into out_dir
    if resume is False and has_checkpoint(out_dir):
        raise FileExistsError(f"{out_dir} already holds a run (checkpoints/latest.pt): pass --resume / "
                              "resume=True to continue it, or choose another out_dir.")
    sweep_temporaries(out_dir)
    return has_checkpoint(out_dir)


RESUMABLE = ("train.total_kimg", "train.learning_rates", "train.num_threads", "train.device",
             "train.checkpoint_ticks")  # what a resumed run may change: budget, step size, hardware, cadence


def resume_changes(out: Path, config: RunConfig, saved: RunConfig) -> dict[str, tuple[Any, Any]]:
    """``{field: (old, new)}`` for the fields ``config`` changes on resume; a ``ConfigError`` when any of them
    is not in ``RESUMABLE`` (a different model or procedure is a new run, not a continuation)."""
    changes = config.changes_from(saved)
    refused = [k for k in changes if k not in RESUMABLE]
    if refused:
        raise ConfigError(f"Cannot resume {out}: the config differs from the checkpoint's in {', '.join(refused)}; "
                          f"a resumed run may change only {', '.join(RESUMABLE)}. Resume with the run's own "
                          "config (--resume alone) or start a new run.")
    return changes


def record_changes(out: Path, config: RunConfig, changes: dict[str, tuple[Any, Any]], step: int) -> None:
    """Log what a resumed run changed (``resume_changes.jsonl``, and a line on stderr) and save the new
    ``config.json``."""
    if not changes:
        return
    text = ", ".join(f"{k} {json.dumps(old)} -> {json.dumps(new)}" for k, (old, new) in changes.items())
    tqdm.write(f"Resuming {out} at step {step} with {text}.", file=sys.stderr)
    with open(RunDir(out).changes_path, "a") as f:
        f.write(json.dumps({"step": step, "changes": {k: list(v) for k, v in changes.items()}}) + "\n")
    write_text(RunDir(out).config_path, config.to_json() + "\n")


def check_same_data(out: Path, data: Any, resuming: bool) -> None:
    """A new run records its data set (``data.json``: name, size, resolution, fingerprint); a resumed one must
    train on the same data (runs from before this record are not checked)."""
    from sgan.metrics.stats_cache import dataset_fingerprint

    record = {"name": data.name, "n": len(data), "resolution": data.resolution,
              "fingerprint": dataset_fingerprint(data)}
    path = RunDir(out).data_path
    if resuming and path.is_file():
        saved = json.loads(path.read_text())
        if saved != record:
            raise ValueError(f"Cannot resume {out}: it trained on {saved['name']!r} ({saved['n']} images at "
                             f"{saved['resolution']}²), not on {record['name']!r} ({record['n']} images at "
                             f"{record['resolution']}²). Resume with the run's data (--data {saved['name']} "
                             f"--data-n {saved['n']}).")
        return
    write_text(path, json.dumps(record, indent=2) + "\n")


def sweep_temporaries(out_dir: Path) -> list[Path]:
    """Remove the temporary files a killed run left in ``out_dir`` (half-written checkpoints, grids, logs);
    only called under the run's lock, when no writer of this run is alive. Returns what was removed."""
    stray = [p for folder in (out_dir, RunDir(out_dir).checkpoints_dir, RunDir(out_dir).grids_dir) if folder.is_dir()
             for p in folder.glob(".*.tmp")]
    for path in stray:
        path.unlink(missing_ok=True)
    return stray


def area_downsample(x: torch.Tensor, resolution: int) -> torch.Tensor:
    """Box-filter ``[N, C, R, R]`` down to ``[N, C, r, r]`` (mean of each (R/r)² block)."""
    factor = x.shape[-1] // resolution
    return F.avg_pool2d(x, factor) if factor > 1 else x


def fade_reals(x: torch.Tensor, alpha: float) -> torch.Tensor:
    """ProGAN's real-image fade: ``lerp(up(down(x)), x, α)`` with 2×2 box down and nearest up."""
    if alpha >= 1.0:
        return x
    blurred = F.interpolate(F.avg_pool2d(x, 2), scale_factor=2, mode="nearest")
    # x ← up(down(x)) + α (x − up(down(x)))
    return torch.lerp(blurred, x, alpha)


class Trainer:
    """The state of one training process and the steps that advance it (``train`` drives it)."""

    def __init__(self, config: RunConfig, data: Any, info: dist.DistInfo, device: torch.device) -> None:
        self.config, self.data, self.info, self.device = config, data, info, device
        self.kind = config.model.loss
        seed = config.train.seed
        self.G = Generator(config.model, seed=seed).to(device)
        self.D = Discriminator(config.model, seed=seed + 1).to(device)
        if config.train.channels_last:
            self.G.to(memory_format=torch.channels_last)
            self.D.to(memory_format=torch.channels_last)
        dist.broadcast_module(self.G, info)
        dist.broadcast_module(self.D, info)
        self.G_ema = make_ema(self.G)
        # one lr per network: the mapping's ×0.01 is the lrmul inside its equalized layers (sgan.nn.equalized)
        # fused: one kernel per step for all parameters (same update; ~6x faster than torch's CPU for-loop)
        adam = dict(lr=config.train.lr_at(config.train.start_resolution), betas=config.train.adam_betas,
                    eps=config.train.adam_eps, fused=True)
        self.opt_G = torch.optim.Adam(self.G.parameters(), **adam)
        self.opt_D = torch.optim.Adam(self.D.parameters(), **adam)
        self.gen_data = torch.Generator("cpu").manual_seed(seed)
        self.gen_latent = torch.Generator(device).manual_seed(seed + 1)
        self.synthesis = torch.compile(self.G.synthesis) if config.train.compile else self.G.synthesis
        self.bf16 = config.train.amp_bf16 and device_lib.bf16_supported(device)
        if config.train.amp_bf16 and not self.bf16 and info.is_main:
            warnings.warn(f"amp_bf16: {device} has no native bf16 (a GPU needs compute capability 8.0): training "
                          "in fp32 (the plain path); --set amp_bf16=false silences this.", stacklevel=2)
        self.nimg, self.step, self.tick, self.tick_start_nimg = 0, 0, 0, 0
        self.stage: tuple[int, bool] | None = None
        self.ema_lod: float | None = None  # the level of detail G_ema renders at (sgan.ema.ema_lod)
        self.elapsed = 0.0  # seconds of training over all sessions (ticks included)

    # ----- randomness of one minibatch: drawn for the global batch, this rank keeps its slice -----
    def latents(self, phase: Phase, rows: slice) -> tuple[torch.Tensor, torch.Tensor, list | str]:
        """``(z1 [n, z_dim], ws [n, L, w_dim], noise)`` for this rank's share of the minibatch."""
        cfg, gen, B = self.config.model, self.gen_latent, phase.batch
        z1 = torch.randn(B, cfg.z_dim, generator=gen, device=self.device)[rows]
        used = layers_at(phase.resolution)
        if cfg.style_mixing_prob > 0:
            z2 = torch.randn(B, cfg.z_dim, generator=gen, device=self.device)[rows]
            crossover = draw_crossovers(B, used, cfg.style_mixing_prob, gen, self.device)[rows]
            w1, w2 = self.G.mapping(torch.cat([z1, z2])).chunk(2)
            # layers < crossover read w1, the rest w2 (crossover uniform in [1, layers in use − 1])
            ws = mix_styles([self.G.broadcast(w1), w2], [crossover])
        else:
            ws = self.G.broadcast(self.G.mapping(z1))
        noise: list | str = "zero"
        if cfg.use_noise:
            noise = [draw_noise(B, self.G.layer_resolution(i), gen, self.device)[rows] for i in range(used)]
        return z1, ws, noise

    def reals(self, phase: Phase, rows: slice) -> torch.Tensor:
        """This rank's reals ``[n, 3, r, r]`` in [-1, 1]: sampled, mirrored, box-filtered to r, faded."""
        B = phase.batch
        index = torch.randint(len(self.data), (B,), generator=self.gen_data, device="cpu")[rows]
        x = self.data.batch(index.numpy(), mirror=False, device=self.device)
        if self.config.train.mirror:
            flip = (torch.rand(B, generator=self.gen_data, device="cpu") < 0.5)[rows].to(self.device)
            x = torch.where(flip.view(-1, 1, 1, 1), x.flip(3), x)
        x = fade_reals(area_downsample(x, phase.resolution), phase.alpha)
        if self.config.train.channels_last:
            x = x.contiguous(memory_format=torch.channels_last)
        return x

    def autocast(self):
        enabled = self.bf16
        return torch.autocast(self.device.type, dtype=torch.bfloat16, enabled=enabled)

    def synthesize(self, ws: torch.Tensor, noise: list | str, phase: Phase) -> torch.Tensor:
        # compiled graphs serve the stable phases (α = 1, one graph per resolution); fades run eagerly
        synthesis = self.synthesis if phase.alpha == 1.0 else self.G.synthesis
        return synthesis(ws, resolution=phase.resolution, alpha=phase.alpha, noise=noise)

    def critic(self, phase: Phase) -> Callable[[torch.Tensor], torch.Tensor]:
        def D(images: torch.Tensor) -> torch.Tensor:
            with self.autocast():
                return self.D(images, resolution=phase.resolution, alpha=phase.alpha)
        return D

    # ----- one minibatch -----
    def begin_step(self) -> Phase:
        """The phase of the next minibatch; sets the learning rate, resets Adam when a fade starts or ends."""
        phase = schedule(self.nimg / 1000.0, self.config.train, self.config.model.resolution)
        if phase.stage != self.stage:
            if self.stage is not None:
                self.opt_G.state.clear()
                self.opt_D.state.clear()
            self.stage = phase.stage
        for opt in (self.opt_G, self.opt_D):
            for group in opt.param_groups:
                group["lr"] = phase.lr
        return phase

    def d_step(self, phase: Phase, rows: slice) -> losses.DLoss:
        reals = self.reals(phase, rows)
        with torch.no_grad(), self.autocast():
            _, ws, noise = self.latents(phase, rows)
            fakes = self.synthesize(ws, noise, phase)
        self.track_w_avg(ws)
        u = None
        if self.kind == "wgan_gp":
            u = torch.rand(phase.batch, 1, 1, 1, generator=self.gen_latent, device=self.device)[rows]
        self.D.requires_grad_(True)
        out = losses.d_loss(self.kind, self.critic(phase), reals, fakes.float(), self.config.train, u=u)
        self.opt_D.zero_grad(set_to_none=True)
        out.loss.backward()
        dist.average_gradients(self.D, self.info)
        self.opt_D.step()
        return out

    def g_step(self, phase: Phase, rows: slice) -> torch.Tensor:
        self.D.requires_grad_(False)  # gradients flow through D to G only
        with self.autocast():
            z1, ws, noise = self.latents(phase, rows)
            fakes = self.synthesize(ws, noise, phase)
        loss = losses.g_loss(self.kind, self.critic(phase)(fakes))
        self.opt_G.zero_grad(set_to_none=True)
        loss.backward()
        dist.average_gradients(self.G, self.info)
        self.opt_G.step()
        self.track_w_avg(ws)
        return loss.detach()

    @torch.no_grad()
    def track_w_avg(self, ws: torch.Tensor) -> None:
        """w̄ ← lerp(mean of w, w̄, β) over the global batch (``ws[:, 0]`` is w1 = f(z1) even when mixed)."""
        self.G.update_w_avg(dist.average(ws[:, 0].float().mean(0, keepdim=True), self.info))

    def train_step(self) -> tuple[Phase, dict[str, float]]:
        """One D step, one G step, the EMA update; returns the phase and the losses (averaged over ranks)."""
        phase = self.begin_step()
        rows = self.info.shard(phase.batch)
        d = self.d_step(phase, rows)
        g = self.g_step(phase, rows)
        beta = ema_beta(phase.batch, self.config.train.ema_kimg)
        update_ema(self.G_ema, self.G, beta)
        self.ema_lod = ema_lod(self.ema_lod, phase.lod, beta)
        self.nimg += phase.batch
        self.step += 1
        values = torch.stack([d.loss.detach(), d.penalty, g]).float()
        loss_D, penalty, loss_G = dist.average(values, self.info).tolist()
        return phase, {"loss_D": loss_D, "loss_G": loss_G, "penalty": penalty}

    # ----- checkpoints -----
    def state_dict(self) -> dict[str, Any]:
        return {
            "config": self.config.to_json(),
            "G": self.G.state_dict(), "D": self.D.state_dict(), "G_ema": self.G_ema.state_dict(),
            "opt_G": self.opt_G.state_dict(), "opt_D": self.opt_D.state_dict(),
            "w_avg": self.G.w_avg.detach().cpu().clone(),
            "progress": {"nimg": self.nimg, "step": self.step, "tick": self.tick,
                         "tick_start_nimg": self.tick_start_nimg, "elapsed": self.elapsed,
                         "stage": None if self.stage is None else list(self.stage), "ema_lod": self.ema_lod},
            "rng": capture_rng(self.generators()),
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        for name in ("G", "D", "G_ema"):
            getattr(self, name).load_state_dict(state[name])
        self.opt_G.load_state_dict(state["opt_G"])
        self.opt_D.load_state_dict(state["opt_D"])
        p = state["progress"]
        self.nimg, self.step, self.tick = p["nimg"], p["step"], p["tick"]
        self.tick_start_nimg, self.elapsed = p["tick_start_nimg"], p["elapsed"]
        self.stage = None if p["stage"] is None else (int(p["stage"][0]), bool(p["stage"][1]))
        # checkpoints from before G_ema's own lod: render at G's, as those runs did
        self.ema_lod = p.get("ema_lod", schedule(self.nimg / 1000.0, self.config.train,
                                                 self.config.model.resolution).lod if self.nimg else None)
        restore_rng(state["rng"], self.generators())

    def generators(self) -> dict[str, torch.Generator]:
        return {"data": self.gen_data, "latent": self.gen_latent}

    def ema_view(self) -> tuple[int, float]:
        """``(resolution, α)`` at which G_ema renders now: its averaged level of detail (``sgan.ema.ema_lod``)."""
        lod = self.ema_lod if self.ema_lod is not None else schedule(0.0, self.config.train,
                                                                     self.config.model.resolution).lod
        return view_of(lod, self.config.model.resolution)


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

    def __init__(self, trainer: Trainer, out: Path, total_nimg: int, max_steps: int | None, progress: bool,
                 on_tick: Callable[[dict[str, Any]], None] | None, cache_dir: str | Path | None) -> None:
        self.t, self.out, self.total_nimg, self.max_steps = trainer, out, total_nimg, max_steps
        self.on_tick = on_tick
        self.events = None  # tensorboard_events.EventLog (rank 0): the log's rows and grids for TensorBoard
        self.view = None  # sgan.training.live.LiveView (rank 0, in JupyterLab): redrawn at every tick
        self.stop_signal: str | None = None  # SIGINT or SIGTERM when a signal stopped the run
        self.main = trainer.info.is_main
        self.progress = progress and self.main
        self.last_row: dict[str, Any] = (RunDir(out).last_row() or {}) if self.main else {}
        self.last_checkpoint_step: int | None = trainer.step if trainer.step else None
        cfg = trainer.config
        gen = torch.Generator("cpu").manual_seed(cfg.train.seed + GRID_SEED_OFFSET)
        self.grid_z = torch.randn(cfg.train.grid_size, cfg.model.z_dim, generator=gen, device="cpu").to(trainer.device)
        self.grid_noise = trainer.G.synthesis.make_noise(cfg.train.grid_size, gen, trainer.device)
        self.fid = None
        if self.main and cfg.train.tick_fid_samples > 0:
            from sgan.metrics.fid import FIDTracker

            self.fid = FIDTracker(trainer.data, cfg.train.tick_fid_samples, cfg.model.resolution,
                                  cfg.train.tick_fid_features, trainer.device, seed=cfg.train.seed,
                                  mirror=cfg.train.mirror, cache_dir=cache_dir)

    def done(self) -> bool:
        steps_done = self.max_steps is not None and self.t.step >= self.max_steps
        return self.t.nimg >= self.total_nimg or steps_done

    def write_grid(self) -> None:
        with torch.no_grad():
            resolution, alpha = self.t.ema_view()
            images = self.t.G_ema(self.grid_z, resolution=resolution, alpha=alpha, noise=self.grid_noise)
        path = RunDir(self.out).grid_path(self.t.tick)
        save_grid(images, path, size=self.t.config.model.resolution)

    def check_finite(self, values: dict[str, float]) -> None:
        bad = {k: v for k, v in values.items() if not math.isfinite(v)}
        if not bad:
            return
        where = (f"the last good checkpoint is {RunDir(self.out).latest_checkpoint} (step "
                 f"{self.last_checkpoint_step})" if self.last_checkpoint_step is not None
                 else "no checkpoint was written yet")
        raise TrainingError(
            f"Non-finite loss at step {self.t.step} (kimg {self.t.nimg / 1000:.3f}): "
            + ", ".join(f"{k} = {v}" for k, v in bad.items())
            + f". Training stopped; {where}. Lower the learning rate and resume "
            "(--resume --set learning_rates=[[8,0.001]]), or check the data."
        )

    def end_tick(self, tick: _Tick, phase: Phase, checkpoint: bool) -> dict[str, Any]:
        t = self.t
        t.tick += 1
        t.tick_start_nimg = t.nimg
        t.elapsed += time.perf_counter() - tick.start
        row = tick.row(t, phase)
        if self.fid is not None:
            row.update(self.measure_fid())
        if self.main:
            with open(RunDir(self.out).log_path, "a") as f:
                f.write(json.dumps(row) + "\n")
            self.write_grid()
            if checkpoint or t.tick % t.config.train.checkpoint_ticks == 0:
                save_checkpoint(RunDir(self.out).latest_checkpoint, t.state_dict())
            if self.events is not None:
                self.events.add(row)
        if checkpoint or t.tick % t.config.train.checkpoint_ticks == 0:
            self.last_checkpoint_step = t.step
        self.last_row = row
        if self.view is not None:
            self.view.update(row)
        if self.on_tick is not None:
            self.on_tick(row)
        return row

    def measure_fid(self) -> dict[str, Any]:
        """The tick's point of the learning curve: FID of G_ema as it renders now, at its own level of detail
        (``Trainer.ema_view``), outside the training time."""
        result = self.fid(self.t.G_ema, *self.t.ema_view())
        return {"fid": result["value"], "fid_metric": self.fid.name, "fid_network": self.fid.network.name,
                "fid_seconds": round(result["seconds"], 3)}

    def stop_agreed(self, stop: _StopRequests) -> bool:
        flag = torch.tensor([1.0 if stop.requested else 0.0], device=self.t.device)
        return bool(dist.average(flag, self.t.info).item() > 0)

    def run(self) -> bool:
        """Train until done or stopped; returns True when stopped by Ctrl-C or SIGTERM."""
        t, cfg = self.t, self.t.config.train
        bar = tqdm(total=self.total_nimg / 1000, initial=t.nimg / 1000, unit="kimg",
                   disable=not self.progress, bar_format=BAR_FORMAT)
        tick, stopped = _Tick(), False
        try:
            with _StopRequests() as stop:
                while not self.done():
                    start = time.perf_counter()
                    phase, values = t.train_step()
                    self.check_finite(values)
                    tick.add(values, phase.batch, time.perf_counter() - start)
                    bar.update(phase.batch / 1000)
                    speed = tick.images / max(tick.step_seconds, 1e-9)
                    last = self.last_row
                    fid = f", {last['fid_metric']} {last['fid']:.1f}" if "fid" in last else ""
                    bar.set_postfix_str(f"{phase.resolution}², α={phase.alpha:.2f}, {speed:.0f} img/s{fid}",
                                        refresh=False)
                    stopped = self.stop_agreed(stop)
                    if t.nimg >= t.tick_start_nimg + cfg.tick_kimg * 1000 or self.done() or stopped:
                        self.end_tick(tick, phase, checkpoint=self.done() or stopped)
                        tick = _Tick()
                    if stopped:
                        self.stop_signal = stop.signal_name
                        break
        finally:
            bar.close()
        return stopped


def train(config: RunConfig, data: Any = "synthetic", out_dir: str | Path = "runs/run",
          resume: bool | str = False, progress: bool = True, max_steps: int | None = None,
          max_kimg: float | None = None, data_root: str | Path = "data", data_n: int | None = None,
          on_tick: Callable[[dict[str, Any]], None] | None = None, live: bool | None = None) -> Run:
    """Train a GAN with the paper's procedure and return the ``Run``.

    config:    a ``RunConfig`` (``make_config("F", "cpu")``).
    data:      an ``ImageDataset``, or a name / folder for ``load_dataset`` (at the model's resolution, cached
               under ``data_root``, ``data_n`` images). The learning curve's real statistics are cached
               under ``data_root`` too.
    out_dir:   the run directory (created; must be writable).
    resume:    False: a new run (an error if ``out_dir`` holds a checkpoint); True: continue from
               ``out_dir/checkpoints/latest.pt`` (an error if none, or if ``config`` differs from the
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
    if not str(out_dir).strip():
        raise ValueError("out_dir is empty: give the run directory, e.g. runs/F (--out runs/F).")
    wants_cuda = config.train.device.startswith("cuda") or (config.train.device == "auto"
                                                            and torch.cuda.is_available())
    info = dist.init_distributed("cuda" if wants_cuda else "cpu")
    threads = torch.get_num_threads()
    try:
        if config.train.num_threads > 0:
            torch.set_num_threads(config.train.num_threads)
        lock = RunLock(out_dir)
        try:
            return _train(config, data, Path(out_dir), resume, progress, max_steps, max_kimg, data_root, data_n,
                          on_tick, live, info, lock)
        finally:
            lock.release()
    finally:
        torch.set_num_threads(threads)
        dist.shutdown(info)


def _train(config: RunConfig, data: Any, out: Path, resume: bool | str, progress: bool, max_steps: int | None,
           max_kimg: float | None, data_root: str | Path, data_n: int | None,
           on_tick: Callable[[dict[str, Any]], None] | None, live: bool | None, info: dist.DistInfo,
           lock: RunLock) -> Run:
    device = training_device(config.train.device, info)
    check_batches(config, info)
    check_memory(config, device, info)
    resuming = prepare_out_dir(out, resume, lock) if info.is_main else False
    dist.barrier(info)
    if not info.is_main:  # rank 0 checked the directory; the others follow its checkpoint
        resuming = bool(resume) and has_checkpoint(out)
    state = None
    if resuming:
        state = load_checkpoint(out, map_location="cpu")
        changes = resume_changes(out, config, RunConfig.from_json(state["config"]))
    if not info.is_main:
        dist.barrier(info)  # rank 0 builds the data cache first; the others then read it
    data = load_data(data, config.model.resolution, data_root, data_n, config.train.seed,
                     progress and info.is_main)
    if info.is_main:
        dist.barrier(info)
    check_data(data, config.model.resolution)
    if info.is_main:
        check_same_data(out, data, resuming)
    trainer = Trainer(config, data, info, device)
    if state is not None:
        trainer.load_state_dict(state)
        if info.is_main:
            _trim_log(RunDir(out).log_path, trainer.step)
            record_changes(out, config, changes, trainer.step)
    elif info.is_main:
        write_text(RunDir(out).config_path, config.to_json() + "\n")
        write_text(RunDir(out).log_path, "")
        n = min(config.train.grid_size, len(data))
        reals = area_downsample(data.batch(list(range(n)), mirror=False), config.model.resolution)
        save_grid(reals, RunDir(out).grid_path("reals"))
    total = max_kimg if max_kimg is not None else config.train.total_kimg
    if live is None:
        from sgan.training.frontend import in_live_frontend

        live = progress and in_live_frontend()
    view = None
    if live and info.is_main:
        from sgan.training.live import LiveView

        view = LiveView(config, out, total_kimg=total, rows=RunDir(out).log())
    loop = _Loop(trainer, out, round(total * 1000), max_steps, progress and view is None, on_tick, data_root)
    if state is None and info.is_main:
        loop.write_grid()
    if info.is_main:
        from sgan.training.tensorboard_events import training_events

        loop.events = training_events(out)
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
                   f"{RunDir(out).checkpoints_dir}; continue with --resume (train(..., resume=True)).", file=sys.stderr)
    return Run(run_dir=out, kimg=trainer.nimg / 1000.0, step=trainer.step, last_log=loop.last_row,
               interrupted=interrupted, G=trainer.G, D=trainer.D, G_ema=trainer.G_ema)
