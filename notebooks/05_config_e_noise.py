# %% [markdown]
# # 05 · Config E: noise inputs and stochastic variation
#
# Many details of a portrait are *stochastic*: the exact placement of hairs, freckles, pores. Any placement is
# fine as long as it follows the right distribution. A traditional generator must invent such pseudo-random
# variation from its input, spending capacity and often producing repetitive patterns. StyleGAN (§3.2) gives
# the generator **explicit noise**: after each convolution, a single-channel image of uncorrelated Gaussian
# noise is added to every feature map, scaled by a learned per-channel factor $B$ (initialised to zero):
#
# $$\mathbf{x}' = \mathbf{x} + B \odot \mathbf{n}, \qquad \mathbf{n} \sim \mathcal{N}(0, 1)^{1 \times H \times W}, \quad B \in \mathbb{R}^C.$$
#
# Nothing in the architecture confines the noise to local detail; the split is learned. The paper's argument
# (§3.2): a style scales and shifts whole feature maps, so it acts on the entire image at once, while the noise
# is drawn independently at every pixel. Using the noise for a global aspect (pose, identity) would make it
# spatially inconsistent, which the discriminator penalises, so the generator learns to leave global aspects to
# the styles and stochastic detail to the noise. Our synthetic faces carry such detail on purpose (freckle
# positions, hair strands, a ragged fringe, background speckle) that follows no factor; the measurement below
# shows how far our small model has learned the split.

# %% tags=["parameters"]
profile = None  # None: $SGAN_PROFILE or "cpu"
runs_dir = None  # None: runs/course/<profile>
seed = 0
num_draws = 100  # noise draws for the per-pixel standard deviation (the paper's Figure 4 uses 100)

# %%
import torch

import sgan
from sgan.studies.ablation import showcase_run, trained_run
from sgan.studies.course import setup_notebook
from sgan.viz import curves, figures, plots
from sgan.viz.widgets import NoiseWidget

profile, runs_dir = setup_notebook(profile, runs_dir)
gen = torch.Generator().manual_seed(seed)

# %% [markdown]
# ## NoiseInput by hand

# %%
from sgan.noise import NoiseInput

noise_input = NoiseInput(16)
with torch.no_grad():
    noise_input.weight.copy_(torch.linspace(0, 1, 16, device="cpu"))  # B: one factor per channel
x = torch.randn(2, 16, 8, 8, generator=gen, device="cpu")  # [N, C, H, W]
n = torch.randn(2, 1, 8, 8, generator=gen, device="cpu")  # [N, 1, H, W]: one map, shared by all channels
assert torch.allclose(x + noise_input.weight.view(1, -1, 1, 1) * n, noise_input(x, n))
assert torch.equal(NoiseInput(16)(x, n), x), "a fresh NoiseInput (B = 0) ignores its noise"

# %% [markdown]
# ## Stochastic variation (the paper's Figure 4)
#
# One latent, many noise draws. The images differ only in detail; the per-pixel standard deviation over the
# draws shows *where* the noise acts.

# %%
run_dir = showcase_run("E", profile, seed=seed, out_dir=runs_dir)  # the sharpest E there is (printed)
G = sgan.load_generator(run_dir)
figures.stochastic_variation_figure(G, seed=1, num_draws=num_draws)

# %% [markdown]
# How much does the noise move the image, compared with a change of latent? Per-pixel standard deviations,
# averaged over the image: over noise draws (fixed latent) and over latents (fixed noise).

# %%
_, std_noise = figures.stochastic_variation(G, seed=1, num_draws=num_draws)
std_latent = plots.samples(G, range(num_draws)).clamp(-1, 1).std(dim=0).mean(dim=0).numpy()
print(f"mean per-pixel std: over noise {std_noise.mean():.4f}, over latents {std_latent.mean():.4f}")

# %% [markdown]
# ## Noise at coarse or fine layers only (the paper's Figure 5)
#
# (a) noise everywhere, (b) none, (c) only in the fine layers, (d) only in the coarse ones. In the paper,
# coarse noise gives large-scale curling of hair and larger background features; fine noise brings out the
# finer curls and skin pores. Without noise the image becomes flat and "painterly".

# %%
figures.noise_by_scale_figure(G, seed=1)

# %% [markdown]
# Whether the coarse panel (d) differs visibly from (b) is measured here: the per-pixel standard deviation over
# noise draws, redrawing the noise of one group of layers at a time (the others keep one draw), beside the
# spread over latents.

# %%
from IPython.display import Markdown, display

ranges_n = plots.style_ranges(G)
groups = {"coarse and middle": [*ranges_n["coarse"], *ranges_n["middle"]], "fine": list(ranges_n["fine"])}
by_group = {g: figures.stochastic_variation(G, seed=1, num_draws=num_draws, layers=ls)[1].mean() for g, ls in groups.items()}
for g, v in by_group.items():
    print(f"noise redrawn in the {g} layers only: mean per-pixel std {v:.4f}")
coarse_share = by_group["coarse and middle"] / max(std_latent.mean(), 1e-12)
display(Markdown(
    f"**What the run shows:** redrawing the noise of the coarse and middle layers moves a pixel by a std of "
    f"{by_group['coarse and middle']:.4f}, the fine layers' {by_group['fine']:.4f}, and a new latent "
    f"{std_latent.mean():.4f}. " + (
        f"Noise in the coarse and middle layers does {'almost ' if coarse_share > 0.01 else ''}nothing visible "
        "at this resolution "
        f"({coarse_share:.3f} of a latent's spread): here the paper's large-scale curls have no room, and the "
        f"noise's effect lives in the {'fine' if by_group['fine'] > by_group['coarse and middle'] else 'coarse and middle'} layers."
        if coarse_share < 0.05 else
        f"Noise in the coarse and middle layers moves the image visibly ({coarse_share:.3f} of a latent's "
        "spread), as the paper's "
        "Figure 5 (d) shows at 1024².")))

# %% [markdown]
# ## Try it: resample the noise of a range of layers
#
# The widget keeps the latent and redraws the noise of the chosen layers; the framed panel on the right shows
# where the image changed (dark = large change).

# %%
noise_widget = NoiseWidget(G, seed=1, layers=(0, G.num_layers - 1))
noise_widget

# %%
curves.run_figure(run_dir)

# %% [markdown]
# ## Predict, then run: E without its noise
#
# Keep E's latent and set the noise of some layers to **zero** instead of redrawing it. **Predict**: what do
# the faces lose when every noise input is zero: their identity, their pose, or only fine texture? And when
# only the fine layers' noise is zero? Run, then change `zero_layers` (e.g. `range(0, 4)`, the coarse layers).

# %%
zero_layers = range(G.num_layers)  # your change: which layers get zero noise

seeds = list(range(6))
ws = plots.seed_ws(G, seeds)
with_noise = plots.synthesize(G, ws, plots.seed_noise(G, 0, n=len(seeds)))
noise = plots.mix_noise(plots.seed_noise(G, 0, n=len(seeds)), plots.zero_noise(G, n=len(seeds)), zero_layers)
without = plots.synthesize(G, ws, noise)
change = (with_noise - without).abs().mean().item()
new_latent = max((with_noise - with_noise.roll(1, 0)).abs().mean().item(), 1e-12)
print(f"mean |Δ| per pixel when the noise of layers {list(zero_layers)} is zero: {change:.4f} "
      f"(a new latent changes a pixel by {new_latent:.4f})")

display(Markdown(f"**What the run shows:** zeroing the noise of layers {list(zero_layers)} moves a pixel by "
                 f"{change:.4f}, {change / new_latent:.2f} of what a new latent moves it: "
                 + ("far less than a new face: the identity and the pose stay, what changes is texture."
                    if change / new_latent < 0.5 else
                    "as much as a new face: in this run the noise carries more than texture.")))
plots.grid_figure(torch.cat([with_noise, without]), ncols=len(seeds), labels=[f"seed {s}" for s in seeds] * 2,
                  title="top: E with its noise; bottom: the same latents, the chosen layers' noise set to zero")

# %% [markdown]
# ## What did this switch buy?
#
# Config E adds the noise inputs to config D. Measured three ways: by the **reference runs** (every config
# trained with three seeds at the `cpu` profile, `results/cpu/`), by **your runs** once the course has measured
# them (notebook 11), and by the **paper** (FFHQ). A change smaller than the spread over seeds ("seed bands
# separate: no") is not a finding, whichever way it points.

# %%
from IPython.display import Markdown, display

from sgan.studies.reference_tables import switch_report

display(Markdown(switch_report("E", profile, runs_dir)))

# %% [markdown]
# ## Checks
#
# With noise inputs, noise changes the image, but less than a new latent does; a config without noise
# inputs (D) is deterministic given its latent.

# %%
G_d = sgan.load_generator(trained_run("D", profile, seed=seed, out_dir=runs_dir))
_, std_noise_d = figures.stochastic_variation(G_d, seed=1, num_draws=4)
noise_weights = torch.cat([m.weight.abs() for m in G.modules() if isinstance(m, NoiseInput)])
assert len(noise_weights) and noise_weights.max() > 0, "the noise scales B did not train"
assert std_noise.max() > 0 and std_noise_d.max() == 0
assert std_noise.mean() < std_latent.mean(), "noise moves the image more than the latent does"
check = NoiseWidget(G, seed=1, layers=(0, G.num_layers - 1))  # its own instance: the demo above stays as it is
before = check.image.copy()
check.noise_seed.value += 1
assert (check.image != before).any()
print("ok")
