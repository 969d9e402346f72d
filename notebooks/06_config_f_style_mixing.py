# %% [markdown]
# # 06 · Config F: mixing regularization and style mixing
#
# Because every synthesis layer reads its own $\mathbf{w}$, two latents can be *mixed*: run the mapping for
# $\mathbf{z}_1$ and $\mathbf{z}_2$, and feed $\mathbf{w}_1$ to the layers before a **crossover point** $k$ and
# $\mathbf{w}_2$ to the rest (§3.1):
#
# $$\mathbf{w}^{(l)} = \begin{cases}\mathbf{w}_1 = f(\mathbf{z}_1) & l < k \\ \mathbf{w}_2 = f(\mathbf{z}_2) & l \ge k\end{cases}, \qquad l = 0, \dots, L-1.$$
#
# **Mixing regularization** (config F) trains 90% of the images this way, with $k$ drawn uniformly in
# $[1, L-1]$. The network can then no longer assume that adjacent styles are correlated, which localises
# each style's effect. At test time, mixing shows what each scale of style controls — the paper's Figure 3:
# copying the **coarse** styles (4²–8²) of source B brings B's pose, face shape and hair outline; the
# **middle** ones (16²–32²) its facial features; the **fine** ones its colour scheme.

# %% tags=["parameters"]
profile = None  # None: $SGAN_PROFILE or "cpu"
runs_dir = None  # None: runs/course/<profile>
seed = 0
num_pairs = 128  # source pairs for the factor agreement

# %%
import torch

import sgan
from sgan.profiles import LEARNS_NOTHING
from sgan.studies.ablation import showcase_run, trained_run
from sgan.studies.course import setup_notebook
from sgan.viz import curves, figures, plots
from sgan.viz.widgets import StyleMixingWidget

profile, runs_dir = setup_notebook(profile, runs_dir)
run_dir = trained_run("F", profile, seed=seed, out_dir=runs_dir)  # your F: what this notebook measures
G = sgan.load_generator(run_dir)
showcase_dir = showcase_run("F", profile, seed=seed, out_dir=runs_dir)  # the sharpest F there is: the pictures
G_show = sgan.load_generator(showcase_dir)
print(f"config F: {G.num_layers} layers; style scales (layer indices):",
      {k: f"{r.start}-{r.stop - 1}" for k, r in plots.style_ranges(G).items()})

# %% [markdown]
# ## Mixing by hand
#
# Two latents and a crossover, written out, against the library's `mix_styles` (what training uses):

# %%
from sgan.mixing import mix_styles

ws = plots.seed_ws(G, [1, 2])  # [2, L, w_dim]
k = G.num_layers // 2
layer = torch.arange(G.num_layers, device=ws.device).view(1, -1, 1)  # [1, L, 1]
by_hand = torch.where(layer < k, ws[:1], ws[1:])  # layers < k from w1, the rest from w2
assert torch.equal(by_hand, mix_styles([ws[:1], ws[1:]], [k]))

# %% [markdown]
# ## The style-mixing grid (the paper's Figure 3)
#
# Sources A along the top, sources B on the left; each row copies one scale of B's styles into every A. Our
# images are small (the profile's resolution), so the scales are shifted down (`plots.scale_resolutions`).
# The grid and the widget below show the sharpest F there is (`showcase_run`, printed at the top: your own run
# when it trained as long as the long study's, else that study's F from the zoo); the measurements show yours.

# %%
figures.style_mixing_figure(G_show, seeds_a=(1, 2, 3, 4, 5), seeds_b=(6, 7))

# %% [markdown]
# ### What budget buys
#
# The same latents drawn by your F and by the F of the grid above, with each run's length and best FID. When
# they are the same run (your F trained as long, or a profile with no long study), there is nothing to compare.

# %%
from IPython.display import display

from sgan.studies.ablation import run_summary

if showcase_dir == run_dir:
    print("the grid above shows your own F: nothing to compare")
else:
    rows = {f"your F: {run_summary(run_dir)}": plots.to_uint8(plots.samples(G, range(8))),
            f"the grid's F: {run_summary(showcase_dir)}": plots.to_uint8(plots.samples(G_show, range(8)))}
    display(plots.labelled_rows_figure(rows))

# %% [markdown]
# ## Checked against the data's factors
#
# Our faces know their factors, and `sgan.metrics` ships a *domain network* trained to read them from an
# image. For many pairs (A, B) we copy one scale of B's styles into A and measure, per factor, how much of B
# the mixed image took: the projection $t = \frac{(f(m) - f(A))\cdot(f(B) - f(A))}{(f(B) - f(A))^2}$ of the
# mixed image's predicted factor $f(m)$ onto the segment from A ($t = 0$) to B ($t = 1$). Rows: which styles
# came from B; columns: the scale of the factors.

# %%
from sgan.metrics.domain_net import load_domain_net

net = load_domain_net(resolution=G.cfg.resolution)  # the judge of G's resolution (32² or 64²)
agreement = figures.style_mixing_agreement(G, net, num_pairs=num_pairs, seed=seed)
figures.agreement_figure(agreement)

# %% [markdown]
# **Where do the glasses go?** The paper's Figure 3 lists eyeglasses among what the coarse styles bring; our
# synthetic faces group glasses with the middle factors (`sgan.data.synthetic_faces.FACTORS`), since they are
# thin rims drawn around the eyes. Which styles carry them in your F, measured per factor:

# %%
from IPython.display import Markdown, display

per_factor = figures.style_mixing_agreement(G, net, num_pairs=num_pairs, seed=seed, per_factor=True)
glasses = {scale: per_factor[scale].get("glasses", float("nan")) for scale in plots.SCALES}
carrier = max((s for s in glasses if glasses[s] == glasses[s]), key=glasses.get, default=None)
display(Markdown(
    "**Your run:** share of B's glasses carried by "
    + ", ".join(f"{s} styles {v:.2f}" for s, v in glasses.items())
    + (f". The {carrier} styles carry them most: "
       + {"middle": "the grouping with the middle factors follows your run.",
          "coarse": "in your run glasses behave as the paper's Figure 3 says, a coarse factor; the grouping is "
                    "a label of the data set, and this measurement is what your F does.",
          "fine": "in your run glasses behave as a fine factor, neither the paper's grouping nor ours."}[carrier]
       if carrier else ": no pair differed in glasses.")))

# %%
print("share of B's factors (rows: styles copied from B; columns: factor scale):")
for copied in plots.SCALES:
    print(f"  {copied:>6} styles:", "  ".join(f"{f} {agreement[copied][f]:.2f}" for f in plots.SCALES))

# %% [markdown]
# A well-trained F shows the paper's pattern: coarse styles carry the coarse factors (pose, face shape, hair
# length) more than the colours, fine styles the colours more than the pose. The sentence below reads your run's
# shares and says which half of the pattern they show (and, where a half fails, a reason). The check below asserts
# the colour half only (fine styles carry more of B's colours than coarse styles do, by the check's margin of
# 0.1 against sampling noise), which broken mixing or a generator that ignores its fine styles fails; a barely
# trained model (the `smoke` profile) shows no structure yet, so it is checked only for the larger profiles.

# %%
from IPython.display import Markdown, display

from sgan.studies import render

colour_half = agreement["fine"]["fine"] > agreement["coarse"]["fine"]
pose_half = agreement["coarse"]["coarse"] > agreement["fine"]["coarse"]
middle_half = agreement["middle"]["middle"] > agreement["fine"]["middle"]
display(Markdown(
    f"**Your run:** copied from B, coarse styles carry {render.value(agreement['coarse']['coarse'])} of B's coarse "
    f"factors and {render.value(agreement['coarse']['fine'])} of its colours; fine styles carry "
    f"{render.value(agreement['fine']['coarse'])} and {render.value(agreement['fine']['fine'])}. The colour half of "
    f"the paper's pattern (fine styles carry more of the colours than coarse styles) "
    f"{'holds' if colour_half else 'does not hold'} here; the pose half (coarse styles carry more of the coarse "
    f"factors than fine styles) {'holds' if pose_half else 'does not hold'}."
    + ("" if pose_half else
       " A reason, proposed: the last two layers have the fewest channels, and their styles set per-channel "
       "thresholds that move outlines too, so fine styles from B can carry as much of B's coarse factors as coarse "
       "styles do.")
    + f" The middle styles carry {render.value(agreement['middle']['middle'])} of B's middle factors (facial "
    f"features), {'more' if middle_half else 'less'} than the fine styles do "
    f"({render.value(agreement['fine']['middle'])}): the paper's \"middle styles, facial features\" "
    f"{'holds' if middle_half else 'does not hold'} here."))

# %% [markdown]
# ## Try it: style mixing
#
# Pick two seeds and a crossover (layers before it from source 0, the rest from source 1), or choose a source
# per layer with the drop-downs.

# %%
mixer = StyleMixingWidget(G_show, seeds=(1, 2))
mixer

# %%
curves.run_figure(run_dir)

# %% [markdown]
# ## Predict, then run: F against the same network trained without mixing
#
# Config E is config F with mixing regularization off (`style_mixing_prob=0`). **Predict**: does mixing in
# training make each scale of styles control its own factors more cleanly, i.e. do fine styles copied from B
# carry more of B's colours, and coarse styles less, in F than in E? Run the same measurement on both, then
# change `experiment_config`.

# %%
experiment_config = "E"  # your change: another trained config with styles (C, D or E)

G_other = sgan.load_generator(trained_run(experiment_config, profile, seed=seed, out_dir=runs_dir))
other = figures.style_mixing_agreement(G_other, net, num_pairs=num_pairs, seed=seed)
for name, table in (("F", agreement), (experiment_config, other)):
    print(f"{name}: share of B's colours carried by fine styles {table['fine']['fine']:.2f}, by coarse styles "
          f"{table['coarse']['fine']:.2f}; of B's coarse factors by coarse styles {table['coarse']['coarse']:.2f}")
cleaner = (agreement["fine"]["fine"] - agreement["coarse"]["fine"]) > (other["fine"]["fine"] - other["coarse"]["fine"])
display(Markdown(
    f"**What the run shows:** the gap between fine and coarse styles in carrying B's colours is "
    f"{agreement['fine']['fine'] - agreement['coarse']['fine']:+.2f} in your F and "
    f"{other['fine']['fine'] - other['coarse']['fine']:+.2f} in your {experiment_config}: "
    + ("F separates the scales more cleanly, as mixing regularization should (one seed each)." if cleaner else
       f"F does not separate the scales more cleanly than {experiment_config} here (one seed each: mixing "
       "regularization's effect on this measure is within a run's noise, or absent at this budget).")))

# %% [markdown]
# ## What did this switch buy?
#
# Config F adds mixing regularization to config E. Measured three ways: by the **reference runs** (every config
# trained with three seeds at the `cpu` profile, `results/cpu/`), by **your runs** once the course has measured
# them (notebook 11), and by the **paper** (FFHQ). A change smaller than the spread over seeds ("seed bands
# separate: no") is not a finding, whichever way it points.

# %%
from IPython.display import Markdown, display

from sgan.studies.reference_tables import switch_report

display(Markdown(switch_report("F", profile, runs_dir)))

# %% [markdown]
# ## Checks
#
# Mixing invariants hold exactly (crossover at $L$ gives source 0, at 0 gives source 1, and moving the
# crossover changes the image), mixing regularization was on during training, and — for the trained profiles —
# fine styles carry more of the colours (the fine factors) than coarse styles do.

# %%
assert G.cfg.style_mixing_prob == 0.9
one, two = plots.samples(G, [1]), plots.samples(G, [2])
check = StyleMixingWidget(G, seeds=(1, 2))  # its own instance: the widget above stays as the demo left it
check.crossover.value = G.num_layers
assert (check.image == plots.to_uint8(one)[0]).all()
check.crossover.value = 0
assert (check.image == plots.to_uint8(two)[0]).all()
check.crossover.value = k
assert (check.image != plots.to_uint8(two)[0]).any() and (check.image != plots.to_uint8(one)[0]).any()
values = torch.tensor([[agreement[c][f] for f in plots.SCALES] for c in plots.SCALES], device="cpu")
finite = values[torch.isfinite(values)]  # NaN: no pair of sources differed in that factor scale
assert values.shape == (3, 3) and ((finite >= -1) & (finite <= 2)).all()
if profile not in LEARNS_NOTHING:
    assert torch.isfinite(values).all(), agreement
    assert agreement["fine"]["fine"] > agreement["coarse"]["fine"] + 0.1, agreement
print("ok")
