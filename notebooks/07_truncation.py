# %% [markdown]
# # 07 · The truncation trick in W
#
# Low-density regions of the training distribution are poorly represented, so a generator tends to do badly
# there. Sampling from a *shrunk* latent distribution trades variety for average quality (BigGAN truncates
# $\mathbf{z}$). StyleGAN truncates in $\mathcal{W}$ instead (§3.2 / Appendix B): with
# $\bar{\mathbf{w}} = \mathbb{E}_{\mathbf{z}}[f(\mathbf{z})]$ the centre of mass of $\mathcal{W}$,
#
# $$\mathbf{w}' = \bar{\mathbf{w}} + \psi\,(\mathbf{w} - \bar{\mathbf{w}}), \qquad \psi < 1,$$
#
# applied to the layers below a cutoff only (official: the first 8 layers, 4²–32², which by this course's split
# are the coarse and middle styles; our profiles: `truncation_cutoff`, printed below for yours).
# $\bar{\mathbf{w}}$ is tracked during training as a moving average,
# $\bar{\mathbf{w}} \leftarrow \operatorname{lerp}(\text{mean of the batch's } \mathbf{w}, \bar{\mathbf{w}}, 0.995)$.
# It decodes to the **"average face"** ($\psi = 0$); negative $\psi$ gives the "opposite" of an image.
# Truncation is never used for training or for metrics.

# %% tags=["parameters"]
profile = None  # None: $SGAN_PROFILE or "cpu"
runs_dir = None  # None: runs/course/<profile>
seed = 0
psis = [1.0, 0.7, 0.5, 0.0, -0.5, -1.0]

# %%
import torch

import sgan
from sgan.studies.ablation import showcase_run
from sgan.studies.course import setup_notebook
from sgan.viz import figures, plots
from sgan.viz.widgets import TruncationWidget

profile, runs_dir = setup_notebook(profile, runs_dir)
run_dir = showcase_run("F", profile, seed=seed, out_dir=runs_dir)  # the sharpest F there is (printed)
G = sgan.load_generator(run_dir)
print(f"w̄: norm {G.w_avg.norm():.3f}; cutoff {G.cfg.truncation_cutoff} of {G.num_layers} layers: the "
      f"{'², '.join(str(G.layer_resolution(i)) for i in range(0, G.cfg.truncation_cutoff, 2))}² layers are truncated")

# %% [markdown]
# ## Truncation by hand

# %%
from sgan.truncation import truncate

ws = plots.seed_ws(G, [1, 2, 3])  # [N, L, w_dim]
psi, cutoff = 0.7, G.cfg.truncation_cutoff
by_hand = ws.clone()
by_hand[:, :cutoff] = G.w_avg + psi * (ws[:, :cutoff] - G.w_avg)
assert torch.allclose(by_hand, truncate(ws, G.w_avg, psi, cutoff), atol=1e-6)

# %% [markdown]
# ## The ψ sweep (the paper's Figure 8)
#
# Truncating all layers here, as Figure 8 does; every row is one seed, and the column $\psi = 0$ is
# $\bar{\mathbf{w}}$ itself, the same image for every seed.

# %%
figures.truncation_figure(G, seeds=(1, 2, 3, 4), psis=psis)

# %% [markdown]
# As $\psi$ shrinks, the images move toward the average face and vary less. The per-pixel standard deviation
# over 32 seeds, as a function of $\psi$:

# %%
import matplotlib.pyplot as plt

sweep = torch.linspace(0, 1, 6, device="cpu").tolist()
images = figures.truncation_sweep(G, range(32), sweep)  # [P, S, 3, H, W]
spread = [images[i].clamp(-1, 1).std(dim=0).mean().item() for i in range(len(sweep))]
plt.figure(figsize=(4, 2.5))
plt.plot(sweep, spread, marker="o")
plt.xlabel("ψ")
plt.ylabel("per-pixel std over seeds")
plt.show()

# %% [markdown]
# ## Try it: ψ and the cutoff

# %%
truncation = TruncationWidget(G, seeds=(1, 2, 3, 4), psi=0.7)
truncation

# %% [markdown]
# ## Checks
#
# ψ = 1 is the identity; ψ = 0 with every layer truncated gives w̄ for every seed (the same image, noise being
# shared); the variety over seeds shrinks with ψ; w̄ was tracked during training.

# %%
untruncated = plots.samples(G, [1, 2, 3, 4])
check = TruncationWidget(G, seeds=(1, 2, 3, 4), psi=0.7)  # its own instance: the demo above stays at ψ = 0.7
check.psi.value, check.cutoff.value = 1.0, G.num_layers
assert (check.image == plots.image_grid(untruncated)).all()
average = images[0]  # ψ = 0 in the sweep
assert torch.allclose(average, average[:1].expand_as(average), atol=1e-6)
assert all(a <= b + 1e-6 for a, b in zip(spread, spread[1:], strict=False)), spread
assert spread[0] < 1e-5 < spread[-1]
assert G.w_avg.abs().sum() > 0, "w̄ was never updated"
print("ok")
