"""The style-based generator G = g ∘ f (StyleGAN §2): mapping network, truncation, synthesis network.

    w = f(z)                                 (MappingNetwork; identity on the normalised z with 0 layers)
    ws = [w, w, ..., w]                      (one copy per synthesis layer; style mixing swaps some copies)
    ws' = w̄ + ψ (ws − w̄) on layers < cutoff (truncation; inference only, ψ = 1 by default)
    x = g(ws', noise)                        (SynthesisNetwork, at the current resolution and fade-in α)

The same class builds every config A-F from a ``ModelConfig``; configs A-B (use_styles=False) are the
traditional ProGAN generator: the latent feeds only the dense input layer.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import torch
from torch import nn

from sgan.config import ModelConfig
from sgan.mapping import MappingNetwork
from sgan.synthesis import NoiseSpec, SynthesisNetwork, check_resolution, layers_at
from sgan.truncation import truncate


@contextlib.contextmanager
def seeded_init(seed: int | None) -> Iterator[None]:
    """Draw initial weights from CPU seed ``seed``, leaving the global RNG as it was (None: global RNG)."""
    if seed is None:
        yield
        return
    with torch.random.fork_rng(devices=[]):
        torch.random.default_generator.manual_seed(seed)
        yield


class Generator(nn.Module):
    """``z [N, z_dim] -> img [N, 3, r, r]`` in [-1, 1] (roughly; no output activation, as officially).

    Weights are initialised from ``seed`` (None: from the global RNG). Buffer ``w_avg [w_dim]`` holds w̄ for
    truncation; the training loop updates it with ``update_w_avg`` and it is saved in the state dict.
    """

    def __init__(self, cfg: ModelConfig, seed: int | None = 0) -> None:
        super().__init__()
        if not isinstance(cfg, ModelConfig):
            raise TypeError(f"Generator needs a ModelConfig (e.g. make_config('F', 'cpu').model), "
                            f"got {type(cfg)}.")
        self.cfg = cfg
        self.num_layers = cfg.num_layers
        with seeded_init(seed):
            self.mapping = MappingNetwork(cfg.z_dim, cfg.w_dim, cfg.mapping_layers, cfg.mapping_width,
                                          cfg.mapping_lrmul)
            self.synthesis = SynthesisNetwork(cfg)
        self.register_buffer("w_avg", torch.zeros(cfg.w_dim))

    def broadcast(self, w: torch.Tensor) -> torch.Tensor:
        """``w [N, w_dim] -> ws [N, num_layers, w_dim]`` (a copy, safe to edit per layer)."""
        if w.ndim != 2 or w.shape[1] != self.cfg.w_dim:
            raise ValueError(f"broadcast expects w [N, {self.cfg.w_dim}], got {tuple(w.shape)}.")
        return w.unsqueeze(1).repeat(1, self.num_layers, 1)

    def layer_resolution(self, i: int) -> int:
        """Resolution of synthesis layer ``i``: 4, 4, 8, 8, 16, ..."""
        if not 0 <= i < self.num_layers:
            raise IndexError(f"layer {i} out of range: this generator has {self.num_layers} layers.")
        return 4 * 2 ** (i // 2)

    def num_layers_at(self, resolution: int) -> int:
        """Synthesis layers in use at ``resolution`` (4 at 8², 18 at 1024²)."""
        return layers_at(check_resolution(resolution, self.cfg.resolution))

    @torch.no_grad()
    def update_w_avg(self, w: torch.Tensor, beta: float | None = None) -> None:
        """Track w̄: ``w_avg ← lerp(mean of w, w_avg, β)`` (β = cfg.w_avg_beta). ``w [N, w_dim]`` or ws (uses
        ``ws[:, 0]``)."""
        beta = self.cfg.w_avg_beta if beta is None else beta
        w = w[:, 0] if w.ndim == 3 else w
        if w.ndim != 2 or w.shape[1] != self.cfg.w_dim:
            raise ValueError(f"update_w_avg expects w [N, {self.cfg.w_dim}], got {tuple(w.shape)}.")
        # w̄ ← mean(w) + β (w̄ − mean(w))
        self.w_avg.copy_(torch.lerp(w.mean(dim=0).to(self.w_avg), self.w_avg, beta))

    def forward(self, z: torch.Tensor, resolution: int | None = None, alpha: float = 1.0, psi: float = 1.0,
                cutoff: int | None = None, noise: NoiseSpec = "random",
                generator: torch.Generator | None = None) -> torch.Tensor:
        """``z [N, z_dim] -> img [N, 3, r, r]``. ``psi < 1`` truncates layers < ``cutoff``
        (None: cfg.truncation_cutoff) towards w_avg; ``noise``/``generator`` as in ``SynthesisNetwork``."""
        ws = self.broadcast(self.mapping(z))
        if psi != 1.0:
            ws = truncate(ws, self.w_avg, psi, self.cfg.truncation_cutoff if cutoff is None else cutoff)
        return self.synthesis(ws, resolution=resolution, alpha=alpha, noise=noise, generator=generator)
