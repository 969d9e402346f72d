# ruff: noqa: E402, E501, B018
# %% [markdown]
# # 12 · Results: the paper's Tables 1 and 3, reproduced at our scale
#
# This notebook collects the ablation runs of notebook 11 (one per config, in `runs/course/<profile>/`) into
# the paper's tables, beside the paper's numbers (`sgan.ablation.PAPER_TABLE1` ..., with their source).
# Configs that have no complete run yet are trained and measured first (the same `run_ablation` call).
#
# **Reading the tables.** The paper trains 1024² networks for 25M images on FFHQ; our profiles train small
# networks for a few thousand images on synthetic faces, and measure with sgan's domain network when the
# Inception / VGG16 weights are not on the machine. Absolute values are therefore not comparable — only the
# *order* of the configs, and, at the `gpu` profile, trends such as "W is smoother and more separable than Z".

# %% tags=["parameters"]
profile = None  # None: $SGAN_PROFILE or "cpu"
runs_dir = None  # None: runs/course/<profile>
seed = 0
configs = "ABCDEF"  # the configs of Tables 1 and 3

# %%
import math

from IPython.display import Markdown, display

from sgan import ablation, plots
from sgan.course import setup_notebook

profile, runs_dir = setup_notebook(profile, runs_dir)
results = [ablation.run_ablation(c, profile, seed=seed, out_dir=runs_dir) for c in configs]
paths = ablation.write_tables(runs_dir)
print(f"tables written to {paths['markdown']} and {paths['json']}")

# %% [markdown]
# ## Table 1: FID per config
#
# Paper: FID on 50k images, best seen during training. Ours: FID at the end of training, with the profile's
# sample count (the metric's name carries it).

# %%
table1 = ablation.table1_rows(results)
display(Markdown(ablation.markdown_table(table1)))
fid_name = next(k for k in table1[0] if k.startswith("fid"))
plots.results_figure(results, fid_name, paper={c: v["FFHQ"] for c, v in ablation.PAPER_TABLE1.items()})

# %% [markdown]
# ## Table 3: perceptual path length and linear separability
#
# Traditional generators (A, B) are measured in Z, style-based ones (C–F) in W, as in the paper's Table 3;
# the other space is listed too.

# %%
table3 = ablation.table3_rows(results)
display(Markdown(ablation.markdown_table(table3)))
ppl_name = next(k for k in results[-1]["metrics"] if k.startswith("ppl_wfull"))
plots.results_figure(results, ppl_name, paper={r["config"]: r["ppl_full"] for r in ablation.PAPER_TABLE3 if r["config"]})

# %% [markdown]
# ## Optional sweeps: Tables 2 and 4
#
# Both are sweeps of notebook 11 with `overrides`; their runs land beside the main ones (e.g.
# `F-style_mixing_prob=0.5`) and appear in the tables above when present.
#
# * **Table 2** (mixing regularization): train E/F with 0%, 50%, 90%, 100% of images mixed,
#   `-y "overrides: {style_mixing_prob: 0.5}"` etc. The paper then measures FID with 1–4 latents mixed at
#   test time (a custom sampler passed to FID; not part of the default metrics).
# * **Table 4** (mapping depth): `-y "overrides: {mapping_layers: 1}"` (and 2; 0 needs `w_dim == z_dim`,
#   which every profile has), measured with the default metrics.
#
# ```bash
# for p in 0.5 1.0; do
#   papermill notebooks/11_ablation.ipynb runs/course/cpu/11_ablation_F_mix$p.ipynb \
#     -p config F -p profile cpu -y "overrides: {style_mixing_prob: $p}"
# done
# ```
#
# The paper's numbers for comparison (approximate, as marked in the digest):

# %%
display(Markdown("**Table 2** (FFHQ FID; rows: % mixed in training, columns: latents mixed at test)\n\n"
                 + ablation.markdown_table([{"training": k, **{str(n): v for n, v in row.items()}}
                                            for k, row in ablation.PAPER_TABLE2.items()])))
display(Markdown("**Table 4** (FFHQ; mapping depth)\n\n" + ablation.markdown_table(ablation.PAPER_TABLE4)))
print("source:", ablation.PAPER_SOURCE)

# %% [markdown]
# ## Checks
#
# One row per config in both tables, every number of ours finite, and the paper's numbers beside them.

# %%
assert [r["config"] for r in table1] == list(configs) and [r["config"] for r in table3] == list(configs)
for row in table1:
    assert math.isfinite(row[fid_name]) and row["paper FFHQ"] is not None, row
for row in table3:
    assert all(math.isfinite(row[k]) for k in ("ppl full", "ppl end", "separability")), row
print("ok")
