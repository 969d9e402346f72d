# %% [markdown]
# # 00 · Introduction: GANs, the synthetic faces, and how this course runs
#
# This course rebuilds **StyleGAN** (Karras, Laine, Aila, *A Style-Based Generator Architecture for Generative
# Adversarial Networks*, CVPR 2019) one switch at a time, exactly as the paper's Table 1 does: from the
# Progressive GAN baseline (config **A**) to the full style-based generator (config **F**). Every notebook
# teaches one idea, shows it with the `sgan` library, and ends with assertions that the idea holds.
#
# The notebooks, listed from the files themselves (the first heading of each), follow after the next cell.
#
# **How to run it.** `make course` runs every notebook headless with papermill (the `cpu` profile; the README
# gives the time it took on the machines it was measured on); `make lab` opens them in JupyterLab. Each notebook starts with a *parameters* cell of plain
# literals (papermill can only replace literals). `profile = None` there means "the profile named by the
# `SGAN_PROFILE` environment variable, or `cpu`": the next cell resolves it with `setup_notebook`. So
# `SGAN_PROFILE=smoke jupyter lab` gives a quick tour, and `papermill ... -p profile gpu` a long one.

# %% tags=["parameters"]
profile = None  # None: $SGAN_PROFILE or "cpu"
runs_dir = None  # None: runs/course/<profile>

# %%
import numpy as np
from IPython.display import Markdown, display

import sgan
from sgan.studies.ablation import load_data
from sgan.studies.course import setup_notebook
from sgan.viz import plots

profile, runs_dir = setup_notebook(profile, runs_dir)

from sgan.studies.ablation_tables import markdown_table
from sgan.studies.course import notebook_titles

display(Markdown(markdown_table([{"notebook": name, "title": title} for name, title in notebook_titles()])))

# %% [markdown]
# ## Where the profiles depart from the paper
#
# The paper trains 1024² faces for 25M images on eight GPUs; a profile shrinks that to a machine. Every setting
# a profile changes is below, read from `sgan.config` (`PAPER_VALUES` holds the paper's value and its source,
# `PROFILES` each profile's): the paper's value, and each profile's ("= paper" where it keeps it). Keep the
# table in mind when a notebook compares a number of ours with the paper's.

# %%
from sgan.config import departures

display(Markdown(markdown_table(departures())))
display(Markdown(f"You are running the **`{profile}`** profile."))

# %% [markdown]
# ## A GAN in one equation
#
# A generator $G$ maps a latent $\mathbf{z} \sim \mathcal{N}(0, I)$ to an image; a discriminator $D$ scores
# images. They play the minimax game of Goodfellow et al. (2014):
#
# $$\min_G \max_D \; \mathbb{E}_{x \sim p_\text{data}}\big[\log D(x)\big] + \mathbb{E}_{z}\big[\log\big(1 - D(G(z))\big)\big].$$
#
# In practice $G$ minimises the *non-saturating* loss $-\log D(G(z))$ (config B on), or both play the
# Wasserstein game with a gradient penalty (config A, WGAN-GP). StyleGAN changes neither game nor
# discriminator: it changes **how the generator turns $\mathbf{z}$ into an image**, and measures what that
# buys: image quality (FID, Table 1) and disentanglement (path length and separability, Table 3).
#
# ## The two generators (the paper's Figure 1)
#
# Drawn by `sgan.viz.figure1` from the configs of this profile: (a) config A, where $\mathbf{z}$ enters once
# through the input layer; (b) config F, where $\mathbf{z}$ is first mapped to $\mathbf{w}$ by the mapping
# network $f$, and $\mathbf{w}$ then controls every layer through a learned affine transform A and AdaIN. The
# synthesis starts from a learned constant, and noise is scaled per channel by B and added after every
# convolution. Notebooks 01–06 build each box.

# %%
from sgan.viz.figure1 import architecture_figure

architecture_figure(sgan.make_config("A", profile).model, sgan.make_config("F", profile).model)

# %% [markdown]
# ## The data: synthetic faces with known factors
#
# The paper trains on FFHQ (70k photos at 1024²). We cannot, on a laptop CPU and offline, so `sgan` draws its
# own faces: each image is a deterministic function of a seed and an index, and its **factors of variation**
# are known exactly. They are grouped by the scale at which they act — the same grouping the paper uses for
# styles (coarse 4²–8²: pose, face shape, hair; middle 16²–32²: facial features; fine 64²+: colours) — so that
# later notebooks can *check*, rather than eyeball, which styles control what.

# %%
from sgan.data.synthetic_faces import BINARY_FACTORS, CONTINUOUS_FACTORS, FACTORS

rows = ["| factor | kind | scale | range | meaning |", "|---|---|---|---|---|"]
rows += [f"| `{f.name}` | {f.kind} | {f.scale} | {f.low:g} – {f.high:g} | {f.doc} |" for f in FACTORS]
display(Markdown("\n".join(rows)))

# %% [markdown]
# One row per factor, varied alone from left to right while every other factor stays fixed:

# %%
from sgan.data.preview import preview_grid

preview_grid(resolution=64)

# %% [markdown]
# ## Profiles: the same course at four sizes
#
# A *profile* fixes the network sizes and the training budget for a machine; the configs A–F are presets that
# differ only in the paper's switches. `make_config(config, profile, **overrides)` resolves the two into a
# `RunConfig` (frozen dataclasses that round-trip through JSON: every run saves its `config.json`).

# %%
from sgan.config import PROFILES

keys = ["resolution", "fmap_max", "w_dim", "total_kimg", "fid_samples", "ppl_samples"]
table = ["| profile | " + " | ".join(keys) + " |", "|---" * (len(keys) + 1) + "|"]
for name in PROFILES:
    cfg_p = sgan.make_config("F", name)
    values = {**cfg_p.model.__dict__, **cfg_p.train.__dict__}
    table.append(f"| {'**' + name + '**' if name == profile else name} | " + " | ".join(f"{values[k]:g}" for k in keys) + " |")
display(Markdown("\n".join(table)))

cfg = sgan.make_config("F", profile)
print(f"This notebook runs at profile {profile!r}: {cfg.model.resolution}² images, "
      f"{cfg.model.num_layers} synthesis layers, {cfg.train.total_kimg:g} thousand training images.")

# %% [markdown]
# The six configs differ only in the paper's switches. Here is what changes from the baseline A to the full F:

# %%
cfg_a = sgan.make_config("A", profile)
changed = [k for k in cfg_a.differences(cfg) if k != "model.name"]  # the preset's name differs too
for key in changed:
    field = key.split(".", 1)[1]
    print(f"{key:28s} A: {getattr(cfg_a.model, field)!s:10s} F: {getattr(cfg.model, field)}")

# %% [markdown]
# ## The training set at this profile
#
# `sgan.studies.ablation.load_data` renders (once, then caches under `data/`) the images this profile trains on.
# Images are `uint8 [N, 3, H, W]`; batches for the networks are float tensors in $[-1, 1]$.

# %%
data = load_data(cfg)
print(f"{len(data)} images of {data.resolution}², factors: {len(data.factors)}")
plots.grid_figure(data.batch(np.arange(24)), ncols=12, title="the first 24 training images")

# %% [markdown]
# ## Checks
#
# The data set holds what the course relies on: images at the profile's resolution, every factor with values
# in its range (binary ones exactly 0 or 1), and configs A and F differing in the paper's switches only.

# %%
from sgan.config import PAPER_SWITCH_FIELDS

assert data.images.dtype == np.uint8 and data.images.shape[1:] == (3, cfg.model.resolution, cfg.model.resolution)
assert set(data.factors) == {f.name for f in FACTORS} and len(BINARY_FACTORS) >= 6 and CONTINUOUS_FACTORS
for f in FACTORS:
    values = data.factors[f.name]
    assert values.shape == (len(data),) and values.min() >= f.low and values.max() <= f.high, f.name
    if f.kind == "binary":
        assert set(np.unique(values)) <= {0.0, 1.0}, f.name
batch = data.batch(np.arange(8))
assert batch.shape == (8, 3, cfg.model.resolution, cfg.model.resolution) and -1 <= batch.min() and batch.max() <= 1
assert changed and all(k.split(".", 1)[1] in PAPER_SWITCH_FIELDS for k in changed)
print("ok")
