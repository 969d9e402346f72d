"""The paper's two GAN losses: WGAN-GP (config A, CelebA-HQ) and non-saturating logistic + R1 (FFHQ, B–F).

Each D loss takes ``D`` as a callable ``images [N, 3, r, r] -> scores [N, 1]`` (the discriminator at the
current resolution and α), so the same functions serve the training loop and closed-form tests on a toy D.
Every loss is a mean over the minibatch of the official per-sample loss.

Non-saturating logistic loss with the R1 penalty (Mescheder et al. 2018), γ = 10:

    L_D = softplus(D(G(z))) + softplus(−D(x)) + γ/2 · ‖∇_x D(x)‖²
    L_G = softplus(−D(G(z)))

WGAN-GP (Gulrajani et al. 2017) as in ProGAN, λ = 10, drift ε = 0.001, target 1:

    L_D = D(G(z)) − D(x) + λ/target² · (‖∇_x̂ D(x̂)‖ − target)² + ε · D(x)²,   x̂ = lerp(x, G(z), u), u ~ U(0, 1)
    L_G = −D(G(z))

Half-precision scores (a bfloat16 autocast forward) are cast to float32 before the losses.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch
import torch.nn.functional as F

from sgan.config import LOSS_KINDS, TrainConfig

Critic = Callable[[torch.Tensor], torch.Tensor]  # images [N, C, H, W] -> scores [N, 1]


@dataclass
class DLoss:
    """A discriminator loss and its parts (all scalars): ``loss`` is what ``backward()`` is called on."""

    loss: torch.Tensor
    adversarial: torch.Tensor  # the loss without its penalty terms
    penalty: torch.Tensor  # R1 or gradient penalty, already weighted (+ drift for WGAN-GP)


def _full(x: torch.Tensor) -> torch.Tensor:
    """Half-precision (bf16 / fp16 autocast) values as float32; float32 and float64 stay as they are."""
    return x.float() if x.dtype in (torch.float16, torch.bfloat16) else x


def _scores(D: Critic, images: torch.Tensor) -> torch.Tensor:
    scores = D(images)
    if scores.ndim != 2 or scores.shape != (images.shape[0], 1):
        raise ValueError(f"D must return scores [N, 1] = [{images.shape[0]}, 1], got {tuple(scores.shape)}.")
    return _full(scores)


def input_gradient_norm2(D: Critic, images: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """``(scores [N, 1], ‖∇_x D(x)‖² [N])`` with the graph kept for a second backward (R1, GP)."""
    images = images.detach().requires_grad_(True)
    scores = _scores(D, images)
    # the official code differentiates the sum of scores: each image's gradient is its own score's
    (grad,) = torch.autograd.grad(scores.sum(), images, create_graph=True)
    return scores, _full(grad).square().sum(dim=(1, 2, 3))


def r1_penalty(D: Critic, reals: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """``(real scores [N, 1], ‖∇_x D(x)‖² [N])`` at the reals (multiply by γ/2 for the R1 term)."""
    return input_gradient_norm2(D, reals)


def d_logistic_r1(D: Critic, reals: torch.Tensor, fakes: torch.Tensor, gamma: float = 10.0) -> DLoss:
    """Non-saturating logistic D loss + R1 on the reals (one D forward of the reals serves both)."""
    real_scores, grad_norm2 = r1_penalty(D, reals)
    fake_scores = _scores(D, fakes.detach())
    # softplus(D(G(z))) + softplus(−D(x))
    adversarial = F.softplus(fake_scores).mean() + F.softplus(-real_scores).mean()
    # γ/2 · ‖∇_x D(x)‖²
    penalty = (gamma * 0.5) * grad_norm2.mean()
    return DLoss(loss=adversarial + penalty, adversarial=adversarial.detach(), penalty=penalty.detach())


def g_nonsaturating(fake_scores: torch.Tensor) -> torch.Tensor:
    """Non-saturating G loss ``softplus(−D(G(z)))``, mean over the batch."""
    return F.softplus(-_full(fake_scores)).mean()


def d_wgan_gp(D: Critic, reals: torch.Tensor, fakes: torch.Tensor, u: torch.Tensor, lam: float = 10.0,
              drift: float = 0.001, target: float = 1.0) -> DLoss:
    """WGAN-GP D loss with the drift term; ``u [N, 1, 1, 1]`` in [0, 1] places x̂ between real and fake."""
    if u.shape != (reals.shape[0], 1, 1, 1):
        raise ValueError(f"u must be [N, 1, 1, 1] = [{reals.shape[0]}, 1, 1, 1], got {tuple(u.shape)}.")
    fakes = fakes.detach()
    real_scores = _scores(D, reals)
    fake_scores = _scores(D, fakes)
    # x̂ = lerp(x, G(z), u)
    mixed = torch.lerp(reals.detach(), fakes, u.to(reals.dtype))
    _, grad_norm2 = input_gradient_norm2(D, mixed)
    adversarial = (fake_scores - real_scores).mean()
    # λ/target² · (‖∇_x̂ D(x̂)‖ − target)²
    gradient_penalty = (lam / target**2) * (grad_norm2.sqrt() - target).square().mean()
    # ε · D(x)²
    drift_penalty = drift * real_scores.square().mean()
    penalty = gradient_penalty + drift_penalty
    return DLoss(loss=adversarial + penalty, adversarial=adversarial.detach(), penalty=penalty.detach())


def g_wgan(fake_scores: torch.Tensor) -> torch.Tensor:
    """WGAN G loss ``−D(G(z))``, mean over the batch."""
    return -_full(fake_scores).mean()


def d_loss(loss_kind: str, D: Critic, reals: torch.Tensor, fakes: torch.Tensor, train: TrainConfig,
           u: torch.Tensor | None = None, generator: torch.Generator | None = None) -> DLoss:
    """The D loss of ``loss_kind`` ("wgan_gp" | "ns_r1") with ``train``'s weights.

    WGAN-GP uses ``u [N, 1, 1, 1]`` when given (the training loop draws it for the global batch), else
    draws it from ``generator``.
    """
    if loss_kind == "ns_r1":
        return d_logistic_r1(D, reals, fakes, gamma=train.r1_gamma)
    if loss_kind == "wgan_gp":
        if u is None:
            u = torch.rand(reals.shape[0], 1, 1, 1, generator=generator, device=reals.device)
        return d_wgan_gp(D, reals, fakes, u, lam=train.wgan_lambda, drift=train.wgan_epsilon,
                         target=train.wgan_target)
    raise ValueError(f"loss={loss_kind!r}: choose one of {LOSS_KINDS}.")


def g_loss(loss_kind: str, fake_scores: torch.Tensor) -> torch.Tensor:
    """The G loss of ``loss_kind`` ("wgan_gp" | "ns_r1") from D's scores of the fakes ``[N, 1]``."""
    if loss_kind == "ns_r1":
        return g_nonsaturating(fake_scores)
    if loss_kind == "wgan_gp":
        return g_wgan(fake_scores)
    raise ValueError(f"loss={loss_kind!r}: choose one of {LOSS_KINDS}.")
