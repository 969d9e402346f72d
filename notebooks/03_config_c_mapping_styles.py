# %% [markdown]
# # 03 · Config C: the mapping network and styles (AdaIN)
#
# The central idea of the paper (§2). Instead of feeding $\mathbf{z}$ to the first layer only, StyleGAN
#
# 1. maps $\mathbf{z} \in \mathcal{Z}$ through an 8-layer MLP $f$ to an *intermediate latent*
#    $\mathbf{w} = f(\mathbf{z}) \in \mathcal{W}$ — a space that need not follow the fixed Gaussian of
#    $\mathcal{Z}$, so it can be *disentangled* (notebooks 09–10 measure this);
# 2. turns $\mathbf{w}$, at every synthesis layer $i$, into a **style** $\mathbf{y}_i = (\mathbf{y}_{s,i},
#    \mathbf{y}_{b,i}) = A_i(\mathbf{w})$ by a learned affine map, and applies it with **adaptive instance
#    normalisation** after each convolution:
#
# $$\operatorname{AdaIN}(\mathbf{x}_c, \mathbf{y}) = \mathbf{y}_{s,c}\,\frac{\mathbf{x}_c - \mu(\mathbf{x}_c)}{\sigma(\mathbf{x}_c)} + \mathbf{y}_{b,c}.$$
#
# Each channel is normalised, then scaled and shifted by the style: a layer's style fully decides the
# statistics that the next convolution sees, so each style controls only its own layer's contribution.
# (The official code writes the scale as $\mathbf{y}_s + 1$ with $A$'s bias at 0, so a fresh layer is the
# identity on normalised features.) Config C keeps the traditional input layer, fed from $\mathbf{w}$.

# %% tags=["parameters"]
profile = None  # None: $SGAN_PROFILE or "cpu"
runs_dir = None  # None: runs/course/<profile>
seed = 0

# %%
import torch
import torch.nn.functional as F

import sgan
from sgan.studies.ablation import showcase_run
from sgan.studies.course import setup_notebook
from sgan.viz import curves, figures, plots

profile, runs_dir = setup_notebook(profile, runs_dir)
gen = torch.Generator().manual_seed(seed)

# %% [markdown]
# ## The mapping network by hand
#
# $\mathbf{z}$ is first normalised to unit mean square (pixel norm over its features), then each layer is a
# dense layer with equalized learning rate (lr multiplier 0.01) and a leaky ReLU of slope 0.2:
#
# $$\mathbf{w} = \phi_L \circ \dots \circ \phi_1\Big(\mathbf{z} / \sqrt{\tfrac{1}{d}\textstyle\sum_j z_j^2 + \epsilon}\Big), \qquad \phi_l(\mathbf{h}) = \operatorname{lrelu}(W_l \mathbf{h} + \mathbf{b}_l).$$

# %%
run_dir = showcase_run("C", profile, seed=seed, out_dir=runs_dir)  # the sharpest C there is (printed)
G = sgan.load_generator(run_dir)
z = torch.randn(4, G.cfg.z_dim, generator=gen, device="cpu").to(G.w_avg.device)  # drawn on the CPU, on G's device

h = z / torch.sqrt(z.square().mean(dim=1, keepdim=True) + 1e-8)
for layer in G.mapping.layers:
    h = F.leaky_relu(F.linear(h, layer.effective_weight(), layer.effective_bias()), 0.2)
print(f"{len(G.mapping.layers)} mapping layers: z {tuple(z.shape)} -> w {tuple(h.shape)}")
assert torch.allclose(h, G.mapping(z), atol=1e-5)

# %% [markdown]
# ## AdaIN in three lines
#
# Instance normalisation (per image and channel, over $H \times W$, biased variance), then the style. The
# library's `AdaIN` module holds the affine map $A$ (`AdaIN.style`):

# %%
from sgan.adain import AdaIN

adain = AdaIN(w_dim=G.cfg.w_dim, channels=16)
x = torch.randn(4, 16, 8, 8, generator=gen, device="cpu")  # [N, C, H, W]
w = G.mapping(z)  # [N, w_dim]

y_s, y_b = adain.style(w)  # the style y = A(w): [N, C] each
x_norm = (x - x.mean(dim=(2, 3), keepdim=True)) / torch.sqrt(x.var(dim=(2, 3), keepdim=True, unbiased=False) + 1e-8)
out = x_norm * (y_s + 1)[:, :, None, None] + y_b[:, :, None, None]

assert torch.allclose(out, adain(x, w), atol=1e-5)
print("per-channel mean after AdaIN equals y_b:", torch.allclose(out.mean(dim=(2, 3)), y_b, atol=1e-5))

# %% [markdown]
# ## Each layer reads its own w
#
# The generator takes one $\mathbf{w}$ per synthesis layer, `ws [N, num_layers, w_dim]` (normally all the
# same copy). Changing the $\mathbf{w}$ of one layer changes the image; the image computed before that layer
# is untouched. Below, the $\mathbf{w}$ of seed 1 with the styles of one layer group replaced by seed 2's:

# %%
ranges = plots.style_ranges(G)
ws = plots.seed_ws(G, [1, 2])
noise = plots.seed_noise(G, 0)
variants = [ws[:1]] + [figures.mix_ws(ws[:1], ws[1:], ranges[s]) for s in plots.SCALES] + [ws[1:]]
images = plots.synthesize(G, torch.cat(variants), noise)
plots.grid_figure(images, title="seed 1 | coarse, middle, fine styles from seed 2 | seed 2")

# %% [markdown]
# ## Predict, then run: which styles change the face most?
#
# Take the styles of one scale from another seed and measure how far the image moves (mean |Δ| per pixel,
# over many pairs of seeds). **Predict the order** of coarse (4²–8²), middle and fine styles before you run,
# then change `pairs` or `scales` and run again.

# %%
pairs = 16  # your change: how many pairs of seeds
scales = plots.SCALES  # your change: e.g. ("fine",)

ws_a, ws_b = plots.seed_ws(G, range(0, 2 * pairs, 2)), plots.seed_ws(G, range(1, 2 * pairs, 2))
base = plots.synthesize(G, ws_a, plots.seed_noise(G, 0, n=pairs))
moves, errors = {}, {}
for s in scales:
    moved = plots.synthesize(G, figures.mix_ws(ws_a, ws_b, ranges[s]), plots.seed_noise(G, 0, n=pairs))
    per_pair = (moved - base).abs().mean(dim=(1, 2, 3))  # [pairs]
    moves[s] = per_pair.mean().item()
    errors[s] = (per_pair.std() / pairs**0.5).item()  # standard error of the mean over the pairs
    print(f"{s:>6} styles from the other seed: mean |Δ| per pixel {moves[s]:.4f} ± {errors[s]:.4f}")

# %%
from IPython.display import Markdown, display

from sgan.studies import render

ranked = sorted(moves, key=moves.get, reverse=True)
# the top two are told apart only when their means differ by more than twice their combined standard error
settled = len(ranked) < 2 or moves[ranked[0]] - moves[ranked[1]] > 2 * (errors[ranked[0]] ** 2 + errors[ranked[1]] ** 2) ** 0.5
display(Markdown(f"**What the run shows:** from most to least movement, {render.listing(ranked)} styles "
                 f"({', '.join(f'{s} {moves[s]:.4f} ± {errors[s]:.4f}' for s in ranked)}, ± the standard error "
                 f"over {pairs} pairs). "
                 + (f"The {ranked[0]} and {ranked[1]} styles move the image about equally here: their difference is "
                    "within twice its standard error, so this run does not order them." if not settled else
                    "" if "coarse" not in moves else
                    "The coarse styles move the image most, as the paper's Figure 3 leads one to expect: they set "
                    "pose and face shape, which move many pixels." if ranked[0] == "coarse" else
                    f"Not the coarse styles but the {ranked[0]} ones move the image most here: mean |Δ| counts "
                    "pixels, and a change of colour moves every pixel of a region a little.")))

# %% [markdown]
# ## Training config C

# %%
curves.run_figure(run_dir)

# %%
plots.samples_figure(G, seeds=range(16))

# %% [markdown]
# ## What did this switch buy?
#
# Config C adds the mapping network and styles to config B. Measured three ways: by the **reference runs**
# (every config trained with three seeds at the `cpu` profile, `results/cpu/`), by **your runs** once the course
# has measured them (notebook 11), and by the **paper** (FFHQ). A change smaller than the spread over seeds
# ("seed bands separate: no") is not a finding, whichever way it points.

# %%
from IPython.display import Markdown, display

from sgan.studies.reference_tables import switch_report

display(Markdown(switch_report("C", profile, runs_dir)))

# %% [markdown]
# ## Figure 6: a missing combination, and why $\mathcal{W}$ can undo the warp
#
# The paper's argument for the mapping network (§4, Figure 6): suppose the training set lacks a combination of
# two factors (the paper's example: long-haired men). $\mathcal{Z}$ is a fixed Gaussian with no hole in it, so
# the map from $\mathbf{z}$ to the factors has to curve around the forbidden region; $\mathcal{W}$ is learned,
# so the mapping network $f$ can absorb that curvature and leave the factors closer to linear in
# $\mathbf{w} = f(\mathbf{z})$.
#
# The synthetic faces let us build such a training set and read the factors back. `entangle="missing_region"`
# draws skin tone and background hue uniformly from the unit square less its upper-right quarter (both above
# the middle of their ranges). Config F (mapping network and styles) was trained on it, and config B (no
# mapping network) beside it, by `scripts/figure6_study.py`, once: this notebook reads the committed results
# (`results/cpu/figure6/`) and trains nothing. The judge (the domain network of notebook 09) reads both
# factors off the generator's images:
#
# - **(a)** the training set, and the generator's samples as the judge reads them: is the hole kept?
# - **(b), (c)** the two factors' iso-lines over a plane through a typical latent, spanned by the directions
#   that best predict each factor, in $\mathcal{Z}$ and in $\mathcal{W}$. Where a factor is linear in the
#   latent, its iso-lines are straight and parallel; the shaded area is where the generator renders the
#   combination that training never showed.
# - **measured**: a linear read-out's held-out $R^2$ from $\mathbf{z}$ and from $\mathbf{w}$
#   (as in notebook 10's probes), and the *bend*: how far the factors, read along a straight path in the latent
#   (slerp in $\mathcal{Z}$, lerp in $\mathcal{W}$, as for the path length of notebook 09), leave the straight
#   chord between the path's ends,
#
# $$\text{bend} = \operatorname{mean}_{t,k} \frac{\big|y_k(t) - \big((1-t)\,y_k(0) + t\,y_k(1)\big)\big|}{\sigma_k}.$$
#
# **Predict** before you run: in which space will the iso-lines be straighter, and will the generator keep the
# hole of its training set?

# %%
from sgan.studies import figure6

fig6 = figure6.load_results(profile)
figure6.figure(fig6)

# %%
display(Markdown(figure6.report_markdown(fig6)))

# %% [markdown]
# ## Checks

# %%
r = G.cfg.resolution
samples = plots.samples(G, range(16))
assert samples.shape == (16, 3, r, r) and torch.isfinite(samples).all()
assert len(G.mapping.layers) == G.cfg.mapping_layers > 0
assert sum(isinstance(m, AdaIN) for m in G.modules()) == G.num_layers  # one style per synthesis layer
# replacing one scale's styles changes the image, and the full swap gives seed 2 exactly
assert all((images[i + 1] - images[0]).abs().max() > 0 for i in range(3))
assert torch.equal(images[-1], plots.samples(G, [2])[0])
assert samples.std(dim=0).mean() > 0.01, "all seeds give the same image"
# Figure 6: the committed training set has no face in the missing region, and F is measured in both spaces
assert fig6["data"]["hole_fraction"] == 0 and {"r2_z", "r2_w", "bend_z", "bend_w"} <= set(fig6["summary"]["F"])
print("ok")
