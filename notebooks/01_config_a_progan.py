# %% [markdown]
# # 01 · Config A: the Progressive GAN baseline
#
# The paper's baseline is **Progressive GAN** (ProGAN, Karras et al. 2018): a traditional generator — the
# latent $\mathbf{z}$ feeds a dense input layer, then convolutions up to the output — trained with four tricks
# that StyleGAN keeps or replaces:
#
# 1. **pixel norm** after each convolution of G,
# 2. the **equalized learning rate** in every layer of G and D,
# 3. **minibatch standard deviation** near the end of D,
# 4. **progressive growing** of both networks from a small resolution to the final one (ProGAN: from 4²),
#
# and the **WGAN-GP** loss (the paper's CelebA-HQ runs; FFHQ switches to the non-saturating loss in config B).
# We write each piece by hand, check it against the library's module, then train config A.

# %% tags=["parameters"]
profile = None  # None: $SGAN_PROFILE or "cpu"
runs_dir = None  # None: runs/course/<profile>
seed = 0

# %%
import math

import matplotlib.pyplot as plt
import torch
import torch.nn.functional as F

import sgan
from sgan.studies.ablation import trained_run
from sgan.studies.course import setup_notebook
from sgan.viz import curves, plots

profile, runs_dir = setup_notebook(profile, runs_dir)
cfg = sgan.make_config("A", profile, seed=seed)
gen = torch.Generator().manual_seed(seed)  # every random draw below comes from here

# %% [markdown]
# ## Pixel norm
#
# After each convolution of G, the feature vector of each pixel is rescaled to unit mean square over the
# $C$ channels, so no feature can grow without bound in the competition between G and D:
#
# $$b_{x,y} = \frac{a_{x,y}}{\sqrt{\frac{1}{C}\sum_{c=1}^{C} \big(a^c_{x,y}\big)^2 + \epsilon}}, \qquad \epsilon = 10^{-8}.$$

# %%
from sgan.nn.norm import pixel_norm

a = torch.randn(4, 16, 8, 8, generator=gen, device="cpu") * 5  # [N, C, H, W]
b = a / torch.sqrt(a.square().mean(dim=1, keepdim=True) + 1e-8)  # by hand
print("mean square per pixel after pixel norm:", b.square().mean(dim=1).flatten()[:4])
assert torch.allclose(b, pixel_norm(a), atol=1e-6)

# %% [markdown]
# ## Equalized learning rate
#
# Adam divides each update by a running RMS of its gradient, so a parameter's *step size* does not depend on
# its scale — but its *relative* change does: a layer whose weights are small moves faster. ProGAN stores
# weights drawn from $\mathcal{N}(0, 1)$ and scales them at run time by the He constant,
#
# $$\hat{w}_i = w_i \cdot c, \qquad c = \frac{\text{gain}}{\sqrt{\text{fan\_in}}}\;(\times\,\text{lrmul}),$$
#
# so every layer learns at the same relative speed whatever its fan-in (the mapping network of config C uses
# $\text{lrmul} = 0.01$ to slow down). A dense layer by hand, against `EqualizedLinear`:

# %%
from sgan.nn.equalized import EqualizedLinear

layer = EqualizedLinear(64, 32, gain=math.sqrt(2))
x = torch.randn(8, 64, generator=gen, device="cpu")
c = math.sqrt(2) / math.sqrt(64)
y_by_hand = F.linear(x, layer.weight * c, layer.bias)
print(f"stored weight std {layer.weight.std():.3f}, effective std {(layer.weight * c).std():.3f} (He: {c:.3f})")
assert torch.allclose(y_by_hand, layer(x), atol=1e-6)

# %% [markdown]
# ## Minibatch standard deviation
#
# To see whether a minibatch of fakes is varied enough, D computes, within groups of $G = 4$ images, the
# standard deviation of every feature over the group, averages it to one number per group, and appends it as
# one more constant feature map:
#
# $$\sigma = \frac{1}{CHW}\sum_{c,h,w} \sqrt{\operatorname{Var}_{g \in \text{group}}\big(x_g[c,h,w]\big) + \epsilon}.$$
#
# Image $i$ of a minibatch of $N$ belongs to group $i \bmod (N/G)$ (the official reshape).

# %%
from sgan.nn.mbstd import MinibatchStdDev

x = torch.randn(8, 3, 4, 4, generator=gen, device="cpu")  # [N, C, H, W], two groups of 4
groups = [x[i::2] for i in range(2)]  # image i is in group i mod 2
sigma = [torch.sqrt(g.var(dim=0, unbiased=False) + 1e-8).mean() for g in groups]
by_hand = torch.cat([x, torch.stack([sigma[i % 2] for i in range(8)]).view(8, 1, 1, 1).expand(8, 1, 4, 4)], dim=1)
assert torch.allclose(by_hand, MinibatchStdDev(group_size=4)(x), atol=1e-6)
print("group std:", [f"{s:.3f}" for s in sigma])

# %% [markdown]
# ## Progressive growing
#
# Both networks start at `start_resolution` and grow: each new resolution $r$ *fades in* over `fade_kimg` thousand images,
# blending the output of the new ToRGB with the up-sampled output of the previous one,
#
# $$\text{img} = \alpha \cdot \text{ToRGB}_r(x_r) + (1 - \alpha)\cdot \text{up}\big(\text{ToRGB}_{r/2}(x_{r/2})\big),$$
#
# with $\alpha$ going linearly from 0 to 1, then trains `stable_kimg` thousand images at $r$.
#
# Every config of this course, A included, shares one procedure: StyleGAN's schedule (start at 8², the paper:
# 600k + 600k images per resolution, 25M in total, learning rate 0.001 up to 64²), scaled down by the profile.
# ProGAN as published, the paper's config A, grows from 4² over 12M images; in the paper part of B's gain is
# that longer, retuned schedule, here A and B differ only in what notebook 02 builds. This profile's schedule:

# %%
from sgan.schedule import schedule

kimgs = torch.linspace(0, cfg.train.total_kimg, 400, device="cpu").tolist()
phases = [schedule(k, cfg.train, cfg.model.resolution) for k in kimgs]
fig, ax = plt.subplots(1, 2, figsize=(9, 2.5))
ax[0].step(kimgs, [p.resolution for p in phases], where="post")
ax[0].set(xlabel="kimg", ylabel="resolution", title="resolution", yticks=sorted({p.resolution for p in phases}))
ax[1].plot(kimgs, [p.alpha for p in phases])
ax[1].set(xlabel="kimg", title="fade-in α")
plt.show()

# %% [markdown]
# At $\alpha = 0$ the grown generator must reproduce, exactly, the smaller generator's image enlarged: the new
# layers start invisible. We check that on a fresh config-A generator.

# %%
G0 = sgan.Generator(cfg.model, seed=seed).eval()
ws = G0.broadcast(G0.mapping(torch.randn(2, cfg.model.z_dim, generator=gen, device="cpu")))
r = cfg.model.resolution
with torch.no_grad():
    faded_out = G0.synthesis(ws, resolution=r, alpha=0.0, noise="zero")
    smaller = G0.synthesis(ws, resolution=r // 2, alpha=1.0, noise="zero")
enlarged = smaller.repeat_interleave(2, dim=2).repeat_interleave(2, dim=3)  # nearest ×2
assert torch.allclose(faded_out, enlarged, atol=1e-5)

# %% [markdown]
# ### The EMA generator fades in later
#
# Every image and metric of the course comes from $G_{ema}$, a running average of G's weights with a half-life
# of `ema_kimg` thousand images (notebook 13). During a fade its weights average G's recent past, which trained
# at the α of that past, so $G_{ema}$ is rendered at the same running average of the level of detail
# (`sgan.ema.ema_lod`, with the weights' $\beta$):
#
# $$\text{lod}_{ema} \leftarrow \operatorname{lerp}(\text{lod}, \text{lod}_{ema}, \beta).$$
#
# The official code renders its EMA generator at G's own α. With its half-life (10k images) against a
# 600k-image fade the two hardly differ; with this profile's half-life against its fade (printed below), the
# averaged weights rendered at G's α mixed the two paths in a proportion no G was trained for, and FID jumped at
# the end of each fade-in. The curves below, one step at a time:

# %%
import numpy as np
from IPython.display import Markdown, display

display(Markdown(f"At the `{profile}` profile: EMA half-life **{cfg.train.ema_kimg:g} kimg** against a fade of "
                 f"**{cfg.train.fade_kimg:g} kimg** ({cfg.train.ema_kimg / cfg.train.fade_kimg:.0%} of it; the "
                 f"paper's: {10 / 600:.0%})."))

from sgan.ema import ema_beta, ema_lod
from sgan.schedule import view_of

steps, nimg, lod_ema = [], 0, None
while nimg < 3 * (cfg.train.stable_kimg + cfg.train.fade_kimg) * 1000:  # the first fades and what follows
    phase = schedule(nimg / 1000, cfg.train, cfg.model.resolution)
    lod_ema = ema_lod(lod_ema, phase.lod, ema_beta(phase.batch, cfg.train.ema_kimg))
    nimg += phase.batch
    steps.append((nimg / 1000, phase.lod, lod_ema))
k, lod, lod_e = map(np.array, zip(*steps, strict=True))
fig, ax = plt.subplots(figsize=(6, 2.5))
ax.plot(k, lod, label="G: lod")
ax.plot(k, lod_e, label="G_ema: lod_ema")
ax.set(xlabel="kimg", ylabel="level of detail (0: final resolution)")
ax.legend()
plt.show()
assert all(view_of(x, r)[0] <= view_of(y, r)[0] for x, y in zip(lod_e, lod, strict=True))  # G_ema never leads G

# %% [markdown]
# The controlled experiment behind it (`scripts/fade_in_study.py`, committed in `results/cpu/fade_in/`): the
# same trainings of A, B and F with several seeds, measured every 0.5 kimg three ways: G itself, $G_{ema}$ at
# G's α (the official rendering) and $G_{ema}$ at its own (sgan's). The EMA never feeds back into training, so
# the three differ only in what is rendered.

# %%
from pathlib import Path

from IPython.display import Image, Markdown, display

from sgan.studies.ablation import repo_root

study = (repo_root() or Path.cwd()) / "results" / "cpu" / "fade_in"
if (study / "table.md").is_file():
    display(Markdown((study / "table.md").read_text()))
    display(Image(filename=str(study / "curves.png")))
else:
    print(f"{study} is not there: `python scripts/fade_in_study.py` makes it")

# %% [markdown]
# ## WGAN-GP
#
# Config A trains with the Wasserstein loss and a gradient penalty on random interpolates
# $\hat{x} = x + u\,(G(z) - x)$, $u \sim U(0, 1)$, plus a small drift term that keeps real scores near 0:
#
# $$L_D = D(G(z)) - D(x) + \lambda\big(\lVert\nabla_{\hat{x}} D(\hat{x})\rVert - 1\big)^2 + \epsilon_\text{drift} D(x)^2, \qquad L_G = -D(G(z)),$$
#
# with $\lambda = 10$, $\epsilon_\text{drift} = 0.001$. By hand on a toy linear critic $D(x) = \langle v, x\rangle$,
# whose input gradient is $v$ everywhere, against `sgan.losses.d_wgan_gp`:

# %%
from sgan import losses

v = torch.randn(1, 3, 4, 4, generator=gen, device="cpu")


def D_toy(images):  # [N, 3, 4, 4] -> [N, 1]
    return (images * v).sum(dim=(1, 2, 3)).unsqueeze(1)


reals, fakes = torch.randn(4, 3, 4, 4, generator=gen, device="cpu"), torch.randn(4, 3, 4, 4, generator=gen, device="cpu")
u = torch.rand(4, 1, 1, 1, generator=gen, device="cpu")
by_hand = (D_toy(fakes) - D_toy(reals)).mean() + 10 * (v.norm() - 1) ** 2 + 0.001 * D_toy(reals).square().mean()
assert torch.allclose(by_hand, losses.d_wgan_gp(D_toy, reals, fakes, u).loss, rtol=1e-5)
print(f"L_D = {by_hand:.3f}")

# %% [markdown]
# ## Training config A
#
# `trained_run` finds a trained config A, the cheapest way there is, and prints which it used: your own
# ablation run (`runs/course/<profile>/A`, written by notebook 11) when it is complete; else, at the cpu
# profile, the **model zoo**'s (the reference run with the same config and seed, shipped with sgan); else it
# trains one. On the left, the fixed latents after the last tick; then the losses and the growing resolution.

# %%
run_dir = trained_run("A", profile, seed=seed, out_dir=runs_dir)
curves.run_figure(run_dir)

# %%
G = sgan.load_generator(run_dir)
plots.samples_figure(G, seeds=range(16))

# %% [markdown]
# ## Predict, then run: what the minibatch standard deviation lets D see
#
# D scores image 0 of a minibatch twice: once beside three *different* faces, once beside three *copies* of
# itself, the minibatch of a collapsed generator. **Predict before you run**: with the minibatch-stddev layer
# (groups of 4, the paper's), do the two scores differ? And with the layer switched off through `overrides`
# (`mbstd_group_size=1`: the official code skips the layer for a group of one)? Write your answer down, run,
# then change `experiment` (a group of 2, say) and run the cell again.

# %%
experiment = {"mbstd_group_size": 1}  # your change; the paper's group is 4, and 1 switches the layer off

faces = plots.samples(G, range(4))  # [4, 3, r, r]
copies = faces[:1].expand(4, -1, -1, -1)  # [4, 3, r, r]: image 0 four times
gaps = {}
for label, overrides in (("the paper's D (groups of 4)", {}), (f"your D {experiment}", experiment)):
    D_try = sgan.Discriminator(sgan.make_config("A", profile, **overrides).model, seed=seed).eval()
    with torch.no_grad():
        varied, collapsed = D_try(faces)[0].item(), D_try(copies)[0].item()
    print(f"{label}: D(image 0) beside different faces {varied:+.5f}, beside copies {collapsed:+.5f}")
    gaps[label] = abs(varied - collapsed)

# %%
from IPython.display import Markdown, display

(paper_label, paper_gap), (your_label, your_gap) = gaps.items()
display(Markdown(
    f"**What the run shows:** with {paper_label} the score of image 0 moves by {paper_gap:.5f} when its "
    f"neighbours are copies of it: {'D sees the minibatch, not only the image' if paper_gap > 1e-6 else 'nothing'}. "
    f"With {your_label} it moves by {your_gap:.5f}: "
    + ("D scores each image alone, so a collapsed minibatch looks to it like any other."
       if your_gap <= 1e-6 else "this D still sees the minibatch's spread.")))

# %% [markdown]
# ## Checks
#
# The trained generator is a traditional ProGAN generator (no mapping network, no styles, no noise), makes
# images of the right shape that differ from seed to seed, and the pieces above match the library.

# %%
from sgan.adain import AdaIN
from sgan.synthesis import TraditionalInput

images = plots.samples(G, range(16))
assert images.shape == (16, 3, r, r) and torch.isfinite(images).all()
assert len(G.mapping.layers) == 0 and isinstance(G.synthesis.input, TraditionalInput)
assert not any(isinstance(m, AdaIN) for m in G.modules())
assert images.std(dim=0).mean() > 0.01, "all seeds give the same image"
print("ok")
