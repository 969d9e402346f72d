# %% [markdown]
# # 04 · Config D: the learned constant input
#
# Once every layer is controlled by a style, the latent no longer needs to enter through the first layer.
# Config D **removes the traditional input**: synthesis starts from a learned constant tensor
# $\mathbf{c} \in \mathbb{R}^{C \times 4 \times 4}$ (initialised to ones), the same for every image,
#
# $$\mathbf{x}_0 = \mathbf{c}, \qquad \mathbf{x}_{i+1} = \operatorname{AdaIN}\big(\operatorname{conv}_i(\mathbf{x}_i), A_i(\mathbf{w})\big) \;\; (\text{plus bias, activation}),$$
#
# so the image depends on $\mathbf{w}$ **only through the styles**. The paper finds that this does not hurt
# (FFHQ FID 4.85 → 4.88; CelebA-HQ improves 5.34 → 5.07): the network "no longer benefits from feeding the
# latent code into the first convolution layer".

# %% tags=["parameters"]
profile = None  # None: $SGAN_PROFILE or "cpu"
runs_dir = None  # None: runs/course/<profile>
seed = 0

# %%
import matplotlib.pyplot as plt
import torch

import sgan
from sgan.studies.ablation import showcase_run
from sgan.studies.course import setup_notebook
from sgan.viz import curves, plots

profile, runs_dir = setup_notebook(profile, runs_dir)

# %% [markdown]
# ## The constant by hand
#
# `ConstantInput` is a parameter of shape `[1, C, 4, 4]` broadcast to the batch. It ignores what it is given
# except the batch size:

# %%
from sgan.synthesis import ConstantInput

const = ConstantInput(8)
by_hand = torch.ones(1, 8, 4, 4, device="cpu").expand(3, -1, -1, -1)  # the initial constant, for a batch of 3
assert torch.equal(const(3), by_hand)

# %% [markdown]
# ## Training config D, and its constant
#
# The constant starts as all ones and is trained like any weight. How far did it move? Below, its first
# channels as **const − 1**, all on one symmetric colour scale with a colour bar, so that a small change looks
# small: compare the scale with the mean and spread printed under it. (What the constant encodes matters less
# than that the latent no longer enters here: the image varies only through the styles and the noise.)

# %%
run_dir = showcase_run("D", profile, seed=seed, out_dir=runs_dir)  # the sharpest D there is (printed)
G = sgan.load_generator(run_dir)
learned = G.synthesis.input.const.detach()[0]  # [C, 4, 4]
change = learned - 1  # [C, 4, 4]
scale = change[:8].abs().max().item() or 1.0
fig, axes = plt.subplots(1, 8, figsize=(10, 1.6), layout="constrained")
for c, ax in enumerate(axes):
    shown = ax.imshow(change[c], cmap="RdBu_r", vmin=-scale, vmax=scale, interpolation="nearest")
    ax.set_title(f"channel {c}", fontsize=8)
    ax.set_axis_off()
fig.colorbar(shown, ax=axes, shrink=0.8, label="const − 1")
plt.show()
print(f"constant: shape {tuple(learned.shape)}, mean {learned.mean():.3f}, std {learned.std():.3f}; "
      f"largest |const − 1| {change.abs().max():.3f}")

# %%
curves.run_figure(run_dir)

# %%
plots.samples_figure(G, seeds=range(16))

# %% [markdown]
# ## The latent enters through the styles only
#
# In config C the first layer reads $\mathbf{w}$ twice: through the dense input layer *and* through its style.
# In D, if two images share the styles of every layer, they are the same image — whatever the rest of their
# latent. We check this directly: the first layer's features of different seeds, before any style is applied,
# are identical in D (and different in C).

# %%
G_c = sgan.load_generator(showcase_run("C", profile, seed=seed, out_dir=runs_dir))


def first_features(G, seeds):
    """The 4×4 input features before the first style: ``[len(seeds), C, 4, 4]``."""
    ws = plots.seed_ws(G, seeds)
    if G.cfg.const_input:
        return G.synthesis.input(len(seeds))
    return G.synthesis.input(ws[:, 0])


x_d, x_c = first_features(G, [1, 2, 3]), first_features(G_c, [1, 2, 3])
print(f"input spread across seeds: D {x_d.std(dim=0).max():.2e}, C {x_c.std(dim=0).max():.2e}")

# %% [markdown]
# ## Predict, then run: does the learned constant matter?
#
# The constant starts every image of D. Replace it in a copy of G by something else and measure how far the
# images move. **Predict**: with all ones (its initial value), does anything change? With zeros? Run, then
# change `replacement`.

# %%
import copy

replacement = "ones"  # your change: "ones", "zeros" or "mean" (every channel's mean over its 4×4)

G_try = copy.deepcopy(G)
c = G_try.synthesis.input.const.data  # [1, C, 4, 4]
c.copy_({"ones": torch.ones_like(c), "zeros": torch.zeros_like(c),
         "mean": c.mean(dim=(2, 3), keepdim=True).expand_as(c)}[replacement])
before, after = plots.samples(G, range(8)), plots.samples(G_try, range(8))
moved = (after - before).abs().mean().item()
between = max((before - before.roll(1, 0)).abs().mean().item(), 1e-12)  # two different seeds, for scale
print(f"constant replaced by {replacement}: mean |Δ| per pixel {moved:.4f} (two different seeds: {between:.4f})")
from IPython.display import Markdown, display

display(Markdown(f"**What the run shows:** replacing the constant by {replacement} moves a pixel by {moved:.4f} "
                 f"on average, {moved / between:.2f} of what a change of seed moves it. "
                 + ("The learned constant matters: the images change by as much as a new face, or more."
                    if moved / between >= 1 else
                    "The learned constant matters: the images change by more than half of what a new face changes, "
                    "though less than a new face." if moved / between > 0.5 else
                    "The learned constant matters less than the styles: the faces change by less than half of "
                    "what a new seed changes.")))
plots.grid_figure(torch.cat([before, after]), ncols=8, labels=[f"seed {s}" for s in range(8)] * 2,
                  title=f"top: D as trained; bottom: its constant replaced by {replacement}")

# %% [markdown]
# ## What did this switch buy?
#
# Config D adds the constant input in place of the traditional one to config C. Measured three ways: by the
# **reference runs** (every config trained with three seeds at the `cpu` profile, `results/cpu/`), by **your
# runs** once the course has measured them (notebook 11), and by the **paper** (FFHQ). A change smaller than the
# spread over seeds ("seed bands separate: no") is not a finding, whichever way it points.

# %%
from IPython.display import Markdown, display

from sgan.studies.reference_tables import switch_report

display(Markdown(switch_report("D", profile, runs_dir)))

# %% [markdown]
# ## Checks

# %%
r = G.cfg.resolution
samples = plots.samples(G, range(16))
assert samples.shape == (16, 3, r, r) and torch.isfinite(samples).all()
assert G.cfg.const_input and isinstance(G.synthesis.input, ConstantInput) and not G_c.cfg.const_input
assert learned.shape == (G.cfg.channels_at(4), 4, 4)
assert not torch.equal(learned, torch.ones_like(learned)), "the constant did not train"
assert torch.equal(x_d[0], x_d[1]) and not torch.allclose(x_c[0], x_c[1])
assert samples.std(dim=0).mean() > 0.01, "all seeds give the same image"
print("ok")
