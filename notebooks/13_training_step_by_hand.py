# %% [markdown]
# # 13 · The training step, by hand
#
# Every notebook so far got its models from `trained_run`: the loop was a black box. Here we open it. We write
# one minibatch of the paper's procedure ourselves, from the same random draws, and check that after a few
# steps our weights are **bit for bit** those of `sgan.training.trainer.Trainer`. One step is:
#
# 1. the phase of the schedule (resolution $r$, fade $\alpha$, minibatch $B$, learning rate);
# 2. **D step**: reals $x$ (drawn, mirrored, box-filtered to $r$, faded), fakes $G(\mathbf{z})$ with
#    **mixing regularization**, the D loss with its penalty, one Adam step on D; $\bar{\mathbf{w}}$ moves;
# 3. **G step**: fresh latents, the G loss through D, one Adam step on G; $\bar{\mathbf{w}}$ moves again;
# 4. the **EMA** generator: $\theta_{ema} \leftarrow \theta + \beta\,(\theta_{ema} - \theta)$ with
#    $\beta = 0.5^{B / (1000 \cdot \text{ema\_kimg})}$.
#
# Both of the paper's losses: **WGAN-GP** (config A) and the **non-saturating logistic loss with R1** (B–F).
# The networks are the smoke profile's, whatever the course profile: the step is the same at every size.

# %% tags=["parameters"]
profile = None  # None: $SGAN_PROFILE or "cpu"
runs_dir = None  # None: runs/course/<profile>
seed = 0

# %%
import torch
import torch.nn.functional as F

import sgan
from sgan.data import load_dataset
from sgan.mixing import draw_crossovers, mix_styles
from sgan.noise import draw_noise
from sgan.schedule import schedule
from sgan.studies.course import setup_notebook
from sgan.synthesis import layers_at
from sgan.training.distributed import DistInfo
from sgan.training.trainer import Trainer, area_downsample, fade_reals

profile, runs_dir = setup_notebook(profile, runs_dir)
data = load_dataset("synthetic", resolution=16, n=256, root=sgan.studies.ablation.data_root(), progress=False)
STEPS = 3


# %% [markdown]
# ## The state: networks, optimizers and two random streams
#
# G and D start from seeded initialisations, G_ema is a copy of G, and each network has its own Adam with the
# paper's $\beta_1 = 0$, $\beta_2 = 0.99$. Two generators give every random number: one for which reals are
# drawn and mirrored, one for latents, noise, mixing and the GP's interpolation weights.

# %%
def fresh_state(cfg):
    """Our own copy of what the Trainer holds at step 0 (the library builds the same from the same seeds)."""
    G = sgan.Generator(cfg.model, seed=cfg.train.seed)
    D = sgan.Discriminator(cfg.model, seed=cfg.train.seed + 1)
    G_ema = sgan.Generator(cfg.model, seed=cfg.train.seed)
    G_ema.load_state_dict(G.state_dict())
    G_ema.requires_grad_(False)
    adam = dict(lr=cfg.train.lr_at(cfg.train.start_resolution), betas=cfg.train.adam_betas,
                eps=cfg.train.adam_eps, fused=True)
    return dict(G=G, D=D, G_ema=G_ema, opt_G=torch.optim.Adam(G.parameters(), **adam),
                opt_D=torch.optim.Adam(D.parameters(), **adam),
                data_rng=torch.Generator("cpu").manual_seed(cfg.train.seed),
                latent_rng=torch.Generator("cpu").manual_seed(cfg.train.seed + 1), nimg=0)


# %% [markdown]
# ## The draws: reals, and latents with mixing regularization
#
# Reals: $B$ indices, a coin per image for the mirror, a box filter down to $r$, and the fade
# $x \leftarrow \operatorname{lerp}(\text{up}(\text{down}(x)), x, \alpha)$. Latents: $\mathbf{z}_1$, and for
# mixing a second $\mathbf{z}_2$ and a crossover per image (layers before it read $\mathbf{w}_1$, the rest
# $\mathbf{w}_2$); then one noise image per layer in use.

# %%
def draw_reals(s, cfg, phase):
    B = phase.batch
    index = torch.randint(len(data), (B,), generator=s["data_rng"], device="cpu")
    x = data.batch(index.numpy(), mirror=False)  # [B, 3, 16, 16]
    if cfg.train.mirror:
        flip = torch.rand(B, generator=s["data_rng"], device="cpu") < 0.5
        x = torch.where(flip.view(-1, 1, 1, 1), x.flip(3), x)
    return fade_reals(area_downsample(x, phase.resolution), phase.alpha)  # [B, 3, r, r]


def draw_latents(s, cfg, phase):
    G, gen, B = s["G"], s["latent_rng"], phase.batch
    z1 = torch.randn(B, cfg.model.z_dim, generator=gen, device="cpu")
    used = layers_at(phase.resolution)
    if cfg.model.style_mixing_prob > 0:
        z2 = torch.randn(B, cfg.model.z_dim, generator=gen, device="cpu")
        crossover = draw_crossovers(B, used, cfg.model.style_mixing_prob, gen)
        w1, w2 = G.mapping(torch.cat([z1, z2])).chunk(2)
        ws = mix_styles([G.broadcast(w1), w2], [crossover])  # [B, L, w_dim]
    else:
        ws = G.broadcast(G.mapping(z1))
    noise = [draw_noise(B, G.layer_resolution(i), gen) for i in range(used)] if cfg.model.use_noise else "zero"
    return ws, noise


# %% [markdown]
# ## The losses, written out
#
# Non-saturating logistic with R1 (the gradient of D at the reals, $\gamma/2\,\lVert\nabla_x D(x)\rVert^2$):
#
# $$L_D = \operatorname{softplus}(D(G(\mathbf{z}))) + \operatorname{softplus}(-D(x)) + \tfrac{\gamma}{2}\lVert\nabla_x D(x)\rVert^2,
# \qquad L_G = \operatorname{softplus}(-D(G(\mathbf{z}))).$$
#
# WGAN-GP with the drift term, at $\hat{x} = \operatorname{lerp}(x, G(\mathbf{z}), u)$:
#
# $$L_D = D(G(\mathbf{z})) - D(x) + \lambda(\lVert\nabla_{\hat x} D(\hat x)\rVert - 1)^2 + \epsilon D(x)^2,
# \qquad L_G = -D(G(\mathbf{z})).$$

# %%
def grad_norm2(D, images):
    images = images.detach().requires_grad_(True)
    scores = D(images)  # [B, 1]
    (grad,) = torch.autograd.grad(scores.sum(), images, create_graph=True)
    return scores, grad.square().sum(dim=(1, 2, 3))  # [B, 1], [B]


def d_loss_by_hand(cfg, D, reals, fakes, u):
    if cfg.model.loss == "ns_r1":
        real_scores, norm2 = grad_norm2(D, reals)
        fake_scores = D(fakes)
        adversarial = F.softplus(fake_scores).mean() + F.softplus(-real_scores).mean()
        return adversarial + (cfg.train.r1_gamma * 0.5) * norm2.mean()
    real_scores, fake_scores = D(reals), D(fakes)
    _, norm2 = grad_norm2(D, torch.lerp(reals, fakes, u))
    gp = (cfg.train.wgan_lambda / cfg.train.wgan_target**2) * (norm2.sqrt() - cfg.train.wgan_target).square().mean()
    return (fake_scores - real_scores).mean() + (gp + cfg.train.wgan_epsilon * real_scores.square().mean())


def g_loss_by_hand(cfg, fake_scores):
    return F.softplus(-fake_scores).mean() if cfg.model.loss == "ns_r1" else -fake_scores.mean()


# %% [markdown]
# ## One step
#
# Adam restarts whenever a fade begins or ends (the schedule's `stage`), as the official code resets its
# optimizer state at each new phase. $\bar{\mathbf{w}}$ moves in both passes.

# %%
def step_by_hand(s, cfg):
    G, D = s["G"], s["D"]
    phase = schedule(s["nimg"] / 1000.0, cfg.train, cfg.model.resolution)
    if phase.stage != s.get("stage"):
        if s.get("stage") is not None:
            s["opt_G"].state.clear()
            s["opt_D"].state.clear()
        s["stage"] = phase.stage
    for opt in (s["opt_G"], s["opt_D"]):
        for group in opt.param_groups:
            group["lr"] = phase.lr
    critic = lambda images: D(images, resolution=phase.resolution, alpha=phase.alpha)  # noqa: E731
    # D step
    reals = draw_reals(s, cfg, phase)
    with torch.no_grad():
        ws, noise = draw_latents(s, cfg, phase)
        fakes = G.synthesis(ws, resolution=phase.resolution, alpha=phase.alpha, noise=noise)
        G.update_w_avg(ws[:, 0].mean(0, keepdim=True))
    u = torch.rand(phase.batch, 1, 1, 1, generator=s["latent_rng"], device="cpu") if cfg.model.loss == "wgan_gp" else None
    D.requires_grad_(True)
    loss_D = d_loss_by_hand(cfg, critic, reals, fakes, u)
    s["opt_D"].zero_grad(set_to_none=True)
    loss_D.backward()
    s["opt_D"].step()
    # G step: gradients flow through D into G only
    D.requires_grad_(False)
    ws, noise = draw_latents(s, cfg, phase)
    fakes = G.synthesis(ws, resolution=phase.resolution, alpha=phase.alpha, noise=noise)
    loss_G = g_loss_by_hand(cfg, critic(fakes))
    s["opt_G"].zero_grad(set_to_none=True)
    loss_G.backward()
    s["opt_G"].step()
    with torch.no_grad():
        G.update_w_avg(ws[:, 0].mean(0, keepdim=True))
        # EMA: θ_ema ← θ + β (θ_ema − θ), β = 0.5^(B / (1000 · ema_kimg)); w̄ copied
        beta = 0.5 ** (phase.batch / (1000.0 * cfg.train.ema_kimg))
        for p_ema, p in zip(s["G_ema"].parameters(), G.parameters(), strict=True):
            p_ema.copy_(torch.lerp(p.detach(), p_ema, beta))
        s["G_ema"].w_avg.copy_(G.w_avg)
    s["nimg"] += phase.batch
    return loss_D.item(), loss_G.item()


# %% [markdown]
# ## Our steps against the library's
#
# Config A (WGAN-GP, no mapping, no noise) and config F (NS + R1, styles, noise, mixing), three steps each
# from the same seed, starting at 16² with the mirror on.

# %%
equal = {}  # (config, network) -> whether every tensor of its state equals the library's
for name in ("A", "F"):
    cfg = sgan.make_config(name, "smoke", seed=seed, start_resolution=16, num_threads=1)
    ours = fresh_state(cfg)
    library = Trainer(cfg, data, DistInfo(), torch.device("cpu"))
    for step in range(STEPS):
        loss_D, loss_G = step_by_hand(ours, cfg)
        _, values = library.train_step()
        print(f"config {name}, step {step}: ours L_D {loss_D:.6f} L_G {loss_G:.6f} | "
              f"library L_D {values['loss_D']:.6f} L_G {values['loss_G']:.6f}")
    for net in ("G", "D", "G_ema"):
        mine, theirs = ours[net].state_dict(), getattr(library, net).state_dict()
        equal[name, net] = mine.keys() == theirs.keys() and all(torch.equal(mine[k], theirs[k]) for k in mine)
    print(f"config {name} after {STEPS} steps, bit for bit equal to the library's:",
          ", ".join(f"{net} {'yes' if equal[name, net] else 'NO'}" for net in ("G", "D", "G_ema")))

# %% [markdown]
# ## Checks
#
# Bitwise equality of G, D and G_ema (w̄ included) for both losses. A step that left out a piece (the mirror,
# the mixing, a w̄ update, the EMA) would draw different numbers or move different weights, and fail it.

# %%
assert len(equal) == 6 and all(equal.values()), [k for k, v in equal.items() if not v]
print("ok")
