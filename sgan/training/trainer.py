"""The state of one training process and the steps that advance it: ``Trainer``.

The networks (G, D and the EMA generator), their Adam optimizers, and the two seeded ``torch.Generator`` s
(``data_rng``: data indices and mirror flips; ``latent_rng``: latents, noise, mixing and the GP's u). One
``train_step`` is a D step and a G step on the global minibatch of the schedule's current phase
(``sgan.schedule``), the reals box-filtered to its resolution and faded as ProGAN's (official
``process_reals``: ``area_downsample``, ``fade_reals``), then the EMA update (``sgan.ema``).
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import torch
import torch.nn.functional as F

from sgan import losses
from sgan.config import RunConfig
from sgan.discriminator import Discriminator
from sgan.ema import ema_beta, ema_lod, make_ema, update_ema
from sgan.generator import Generator
from sgan.mixing import draw_crossovers, mix_styles
from sgan.noise import draw_noise
from sgan.schedule import Phase, schedule, view_of
from sgan.synthesis import layers_at
from sgan.training import device as device_lib
from sgan.training import distributed as dist
from sgan.training.checkpoint import capture_rng, restore_rng


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
        self.loss_kind = config.model.loss
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
        self.data_rng = torch.Generator("cpu").manual_seed(seed)
        self.latent_rng = torch.Generator(device).manual_seed(seed + 1)
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
        cfg, gen, B = self.config.model, self.latent_rng, phase.batch
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
        index = torch.randint(len(self.data), (B,), generator=self.data_rng, device="cpu")[rows]
        x = self.data.batch(index.numpy(), mirror=False, device=self.device)
        if self.config.train.mirror:
            flip = (torch.rand(B, generator=self.data_rng, device="cpu") < 0.5)[rows].to(self.device)
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
        if self.loss_kind == "wgan_gp":
            u = torch.rand(phase.batch, 1, 1, 1, generator=self.latent_rng, device=self.device)[rows]
        self.D.requires_grad_(True)
        out = losses.d_loss(self.loss_kind, self.critic(phase), reals, fakes.float(), self.config.train, u=u)
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
        loss = losses.g_loss(self.loss_kind, self.critic(phase)(fakes))
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
        return {"data": self.data_rng, "latent": self.latent_rng}

    def ema_view(self) -> tuple[int, float]:
        """``(resolution, α)`` at which G_ema renders now: its averaged level of detail (``sgan.ema.ema_lod``)."""
        lod = self.ema_lod if self.ema_lod is not None else schedule(0.0, self.config.train,
                                                                     self.config.model.resolution).lod
        return view_of(lod, self.config.model.resolution)
