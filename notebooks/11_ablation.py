# %% [markdown]
# # 11 · The ablation run: one config, trained and measured
#
# This notebook is the unit of the paper's ablation study (Tables 1 and 3): it trains one config at one
# profile and evaluates every metric of the profile, writing `results.json` into the run directory
# `<out_dir>/<config>`. `make course` runs it with papermill once per config A–F:
#
# ```bash
# papermill notebooks/11_ablation.ipynb runs/course/cpu/11_ablation_C.ipynb -p config C -p profile cpu
# ```
#
# Re-running is cheap: a run whose saved `config.json` equals the resolved config and which reached the end of
# its schedule is reused, an interrupted one is resumed, and only missing metrics are computed. The
# `overrides` parameter changes any config field (the run folder's name records it), which is how the
# optional sweeps of notebook 12 are made, e.g. `-y "overrides: {style_mixing_prob: 0.5}"` for Table 2.

# %% tags=["parameters"]
config = "F"  # A-F
profile = None  # None: $SGAN_PROFILE or "cpu"
seed = 0
data = "synthetic"  # "synthetic", "digits" or an image folder
data_n = None  # images in the training set (None: the profile's default, sgan.profiles.DATA_SIZES)
out_dir = None  # None: runs/course/<profile>
overrides = {}  # make_config overrides, e.g. {"style_mixing_prob": 0.5}
metrics = None  # None: the profile's metrics (FID, the four PPLs, separability)
progress = True

# %%
from IPython.display import Markdown, display

import sgan
from sgan.studies.ablation import read_results, resolve_config, run_ablation, training_complete
from sgan.studies.ablation_tables import markdown_table
from sgan.studies.course import setup_notebook
from sgan.viz import curves, plots

profile, out_dir = setup_notebook(profile, out_dir)

# %% [markdown]
# ## Train (or reuse) and evaluate

# %%
results = run_ablation(config, profile, seed=seed, data=data, out_dir=out_dir, overrides=overrides,
                       metrics=metrics, data_n=data_n, progress=progress)
run_dir = results["run_dir"]
display(Markdown(markdown_table([{"metric": k, "value": v, "feature network": results["details"][k].get("feature_network")}
                                 for k, v in results["metrics"].items()])))
print(f"trained in {results['train_seconds']:.0f} s (0 when reused), evaluated in {results['eval_seconds']:.0f} s")

# %%
curves.run_figure(run_dir)

# %% [markdown]
# The learning curve: the FID of the EMA generator at every tick (the paper reports the lowest point, "the
# best FID seen during training"), against images shown and against training minutes.

# %%
curve = results.get("learning_curve")
if curve:
    print(f"{curve['metric']}: best {curve['best']:.2f} at {curve['best_kimg']:g} kimg, final {curve['final']:.2f}")
curves.learning_curves_figure({config: [run_dir]}) if curve else None

# %%
G = sgan.load_generator(run_dir)
plots.samples_figure(G, seeds=range(16))

# %% [markdown]
# ## Watching it learn
#
# Opened in JupyterLab, this notebook trains with a **live view** above (from `sgan.train`, `sgan.training.live`): the
# losses and the FID curve against kimg, the curve beside the reference runs' band of this config (their best
# FID, mean ± 2 std over seeds) when there is one, the latest grid, img/s and the time left, and a stop button
# that writes a checkpoint (run the cell again to resume). Under papermill the run prints one line per tick
# instead. The same rows go to TensorBoard: `make tensorboard`.
#
# Every tick, training draws the same latents through the EMA generator (`grids/tick-XXXXXX.png`). The slider
# walks through them, from the untrained generator's noise (tick 0) to the end: first colour blobs at 8², then
# a face's layout, then its details as the resolution grows. `python -m sgan timelapse --run <run>` writes
# them as a GIF.

# %%
from sgan.viz.timelapse import TimelapseWidget

timelapse = TimelapseWidget(run_dir)
timelapse

# %% [markdown]
# ## Checks
#
# The results on disk are those of the requested config, complete and finite.

# %%
import math
from pathlib import Path

cfg = resolve_config(config, profile, seed, overrides)
assert training_complete(Path(run_dir), cfg)
saved = read_results(run_dir)
assert saved["metrics"] == results["metrics"] and saved["config"] == config
assert not sgan.RunConfig.from_dict(saved["run_config"]).differences(cfg)
assert saved["metrics"] and all(math.isfinite(v) for v in saved["metrics"].values()), saved["metrics"]
assert len(timelapse.frames) == len(curves.read_log(run_dir)) + 1  # tick 0, then one frame per tick
print("ok")
