# %% [markdown]
# # 14 · Beyond the paper: project a face into W, edit it along its factors, measure how clean the edit is
#
# Notebook 10 asked whether a factor is *linearly separable* in a latent space. Here we use the answer. Three
# tools, none of them in the StyleGAN paper, all measured against the synthetic faces' known factors:
#
# 1. **Projection** (`sgan.projection.project`, the StyleGAN2 projector's recipe): find the $\mathbf{w}$ (or one
#    per layer, $\mathcal{W}^+$) and the noise maps whose image reproduces a given face, by gradient descent on a
#    perceptual distance (the domain network's LPIPS-style one) plus a pixel term, starting at the mean of
#    10,000 mapped samples, for 1,000 steps. Every loss term is per image: projecting four faces at once gives
#    what projecting each alone gives.
# 2. **Factor directions** (InterFaceGAN's idea): the *judge* — the domain network, which reads every factor of
#    a face — labels 2000 generated faces; a least-squares read-out from the latent to each factor's reading,
#    fitted on 75 % of them, gives a direction $\mathbf{d}_k$, and its $R^2$ is measured on the other 25 %.
#    Moving a latent by $\alpha\,\sigma\,\mathbf{d}$ edits factor $k$ ($\sigma$ the population's spread along
#    $\mathbf{d}$, so $\alpha$ counts standard deviations); *conditional* editing first removes from
#    $\mathbf{d}_k$ the directions of factors that must stay put.
# 3. **The disentanglement matrix**: edit faces along factor $k$ and read every factor $j$ before and after,
#    $M_{kj}$ = mean |change of reading $j$| per std of edit, in units of the *data's* spread of factor $j$ (the
#    judge's reading of real faces: the same units for every generator). Every generator is scored over all the
#    factors; one it hardly varies (its readings spread less than a quarter of the data's: *degenerate*, the
#    rule notebook 10 uses too) has no direction and an empty row. The **score** is the mean over edits $k$ of
#    $\bar m_k / (M_{kk} + \bar m_k)$, $\bar m_k$ the mean of the row's other entries: 0 for a clean edit, ½ when
#    the average other factor moves as much as the edited one, 1 for an empty row. The paper claims that
#    $\mathcal{W}$ is less entangled than $\mathcal{Z}$, and the style-based generator less than the traditional
#    one; the matrix measures both comparisons, and the sentence under it says which of them your run bears out.

# %% tags=["parameters"]
profile = None  # None: $SGAN_PROFILE or "cpu"
runs_dir = None  # None: runs/course/<profile>
seed = 0
fit_images = 2000  # generated faces the directions are fitted on
edit_images = 256  # faces edited per factor for the matrix
steps = 1000  # projection steps (the reference's)

# %%
import time

import numpy as np
import torch
from IPython.display import Markdown, display

import sgan
from sgan.data.synthetic_faces import render, sample_factors
from sgan.editing import (
    compare_spaces,
    data_reading_spread,
    edit,
    judge_readings,
)
from sgan.metrics.domain_net import load_domain_net
from sgan.profiles import LEARNS_NOTHING
from sgan.projection import project, ramp_up_steps, w_statistics
from sgan.studies.ablation import showcase_run
from sgan.studies.ablation_tables import markdown_table
from sgan.studies.course import setup_notebook
from sgan.training.rundir import RunDir
from sgan.viz import figures, plots

profile, runs_dir = setup_notebook(profile, runs_dir)
if profile in LEARNS_NOTHING:  # a profile that only proves the code runs (the tests'): fewer steps and faces
    steps, fit_images, edit_images = min(steps, 200), min(fit_images, 500), min(edit_images, 64)
# the sharpest F and B there are (printed: your runs when they trained as long as the long study's, else its
# runs from the zoo); F in W against B in Z compares the same budget only when both come from the same place
run_dirs = {"F": showcase_run("F", profile, seed=seed, out_dir=runs_dir),
            "B": showcase_run("B", profile, seed=seed, out_dir=runs_dir)}
G, G_b = (sgan.load_generator(run_dirs[c]) for c in "FB")
trained = {c: RunDir(d).config() for c, d in run_dirs.items()}  # each one's profile and budget
whose = {c: ("your " if cfg.profile == profile else "the showcase ") + c for c, cfg in trained.items()}
judge = load_domain_net(resolution=G.cfg.resolution)  # the judge project() uses: 64² at 64²

# %% [markdown]
# ## Project held-out faces
#
# Four faces the generator never saw (drawn with the data set's recipe at indices far past the training
# set), projected into $\mathcal{W}$ and $\mathcal{W}^+$. Reconstruction is judged twice: the perceptual
# distance (the domain network's LPIPS-style distance, the one the projection minimises; PPL uses VGG16
# LPIPS when its weights are installed, the projection never does) and the judge's factor readings of each
# face against those of its projection (mean |difference| in units of the spread of each factor's reading
# over real faces). The start, the render of the mean $\mathbf{w}$, is the baseline each projection must beat.

# %%
r = G.cfg.resolution
held_out = torch.from_numpy(render(sample_factors(4, seed=0, start_index=10_000_000), r, start_index=10_000_000))
targets = (held_out.float() / 127.5 - 1).to(G.w_avg.device)  # [4, 3, r, r] in [-1, 1], on G's device
truth = judge_readings(judge, targets)
spread = data_reading_spread(judge, r)  # the data's spread of each factor's reading (1000 real faces)
w_start, _ = w_statistics(G)
with torch.no_grad():
    start_images = G.synthesis(G.broadcast(w_start.expand(4, -1)), noise="zero")
start_distance = judge.distance(start_images, targets)  # [4]: how far the start is from each face
projections, rows = {}, []
for space in ("w", "w+"):
    start = time.perf_counter()
    projections[space] = p = project(G, targets, space, steps=steps, seed=seed)
    seconds = time.perf_counter() - start
    readings = judge_readings(judge, p.images.clamp(-1, 1))
    factor_error = np.mean([float((readings[k] - truth[k]).abs().mean()) / spread[k] for k in truth])
    rows.append({"space": space.upper(), "perceptual distance": f"{float(judge.distance(p.images, targets).mean()):.4f}",
                 "pixel mean abs. difference": f"{float((p.images - targets).abs().mean()):.3f}",
                 "factor readings, mean abs. difference (in spreads)": f"{factor_error:.3f}", "seconds per face": f"{seconds / 4:.1f}"})
rows.append({"space": "start (mean w)", "perceptual distance": f"{float(start_distance.mean()):.4f}",
             "pixel mean abs. difference": f"{float((start_images - targets).abs().mean()):.3f}"})
display(Markdown(markdown_table(rows)))
plots.grid_figure(torch.cat([targets, projections["w"].images, projections["w+"].images]).clamp(-1, 1), ncols=4,
                  title="held-out faces (top), projected into W (middle) and W+ (bottom)")

# %% [markdown]
# ## Directions in W and Z, and the matrix
#
# Each direction's held-out $R^2$ says how well a *linear* read-out of the latent predicts the judge's reading on
# faces the fit never saw: the quantity notebook 10's separability measures from the other side. In
# $\mathcal{W}^+$ an edit may move only the styles of its factor's own scale (the data says which: pose is
# coarse, colours are fine). Below, F's matrix in $\mathcal{W}$.

# %%
start = time.perf_counter()
# F in W, W+ (the W directions, each moving only the styles of its factor's own scale: pose coarse, colours
# fine) and Z, against the traditional B in Z (sgan.editing.compare_spaces)
comparison = compare_spaces(G, G_b, judge, spread, fit_images=fit_images, edit_images=edit_images, seed=seed)
directions, matrices, scores = comparison.directions, comparison.matrices, comparison.scores
print(f"directions and matrices in {time.perf_counter() - start:.0f} s")
names, M = matrices[("F", "w")]
figures.disentanglement_figure(names, M, "F in W: |change| of each factor's reading (columns) per edit (rows)")

# %%
display(Markdown(markdown_table([
    {"generator": {"F": "F (style-based)", "B": "B (traditional)"}[g], "space": s.upper(),
     "score (other factors against own, lower is cleaner)": f"{scores[(g, s)]:.3f}",
     "mean diagonal (own factor moved, data spreads per std)": f"{np.diag(matrices[(g, s)][1]).mean():.3f}",
     "mean held-out R² of the directions": f"{np.mean(list(directions[(g, s[0])].r2.values())):.2f}",
     "degenerate (spread < ¼ of the data's; scores 1)": ", ".join(directions[(g, s[0])].degenerate) or "—"}
    for g, s in matrices])))
from sgan.studies import render

verdicts = [render.compare(f"{whose['F']} in W", scores[("F", "w")], f"{whose['F']} in Z", scores[("F", "z")],
                          "cleaner than", "more entangled than", 3),
            render.compare(f"{whose['F']} in W", scores[("F", "w")], f"{whose['B']} (traditional) in Z",
                          scores[("B", "z")], "cleaner than", "more entangled than", 3)]
budgets = {c: f"{cfg.train.total_kimg:g} kimg at profile {cfg.profile}" for c, cfg in trained.items()}
agrees = {"W against Z": scores[("F", "w")] < scores[("F", "z")], "F against B": scores[("F", "w")] < scores[("B", "z")]}
held, failed = [c for c, ok in agrees.items() if ok], [c for c, ok in agrees.items() if not ok]
display(Markdown(f"**These generators:** {verdicts[0]}; {verdicts[1]} (W+, edits on the factor's own scale: "
                 f"{scores[('F', 'w+')]:.3f}, {'cleaner' if scores[('F', 'w+')] < scores[('F', 'w')] else 'not cleaner'}"
                 f" than plain W). The paper's claim (W cleaner than Z, the style-based generator cleaner than the "
                 f"traditional one) holds here for {render.listing(held, 'neither comparison')}"
                 + (f" and not for {render.listing(failed)}" if failed and held else "")
                 + " (one seed: a difference of a few hundredths is within a run's noise)."
                 + ("" if budgets["F"] == budgets["B"] else
                    f" F ({budgets['F']}) and B ({budgets['B']}) come from different budgets, so F against B "
                    "mixes the budget with the architecture; W against Z is within one generator.")))

# %% [markdown]
# ## Edit the projected face
#
# The first held-out face, projected into $\mathcal{W}$, edited along three factors from −3 to +3 standard
# deviations. The last row edits `beard` while holding `dark_hair` still (conditional editing; where G does not
# vary one of these, the next factors it varies), stepping by the
# population's spread along the conditional direction itself. Every frame keeps the projection's noise maps, so
# the α = 0 frames are the projection.

# %%
d = directions[("F", "w")]
ws = projections["w"].ws[:1]  # [1, L, w_dim]
alphas = np.linspace(-3, 3, 7)
strips, labels = [], []
preferred = ("yaw", "smiling", "beard", "dark_hair", "skin_tone", "background_hue")  # those G varies, first
shown = [f for f in preferred if f in d.directions] + [f for f in d.directions if f not in preferred]
for factor in shown[:3]:
    strips += [edit(ws, d.directions[factor], float(a), d.sigma[factor]) for a in alphas]
    labels += [f"{factor} {a:+.0f}" for a in alphas]
edited_factor, held_factor = shown[2], shown[3]  # beard holding dark_hair, where G varies both
held = d.conditional(edited_factor, (held_factor,))
strips += [edit(ws, held, float(a), d.sigma_along(held)) for a in alphas]
labels += [f"{edited_factor} | {held_factor} {a:+.0f}" for a in alphas]
noise = [m[:1].expand(len(strips), -1, -1, -1) for m in projections["w"].noise]
with torch.no_grad():
    edited = G.synthesis(torch.cat(strips), noise=noise).clamp(-1, 1)
rows = edited.view(-1, len(alphas), *edited.shape[1:])  # [strips, alphas, 3, r, r]
ends = (rows[:, -1] - rows[:, 0]).abs().mean().item()  # −3 against +3, per pixel
seed_change = (rows[0, len(alphas) // 2] - start_images[0]).abs().mean().item()  # the projection (α = 0) vs the mean face
display(Markdown(f"**What the strips show:** from −3 to +3 stds a pixel moves by {ends:.3f} on average, "
                 f"{ends / max(seed_change, 1e-12):.2f} of the distance between the projection and the mean face "
                 f"({seed_change:.3f}). " + (
                     "The edits are barely visible: the directions move the judge's readings (the matrix's "
                     "diagonal above) by a fraction of the data's spread per std." if ends < 0.5 * seed_change else
                     "The edits are clearly visible.")))
plots.grid_figure(edited, ncols=len(alphas), labels=labels, title="one face edited along its factors")

# %% [markdown]
# ## Try it: edit a face
#
# One slider per factor (in standard deviations of the population), applied to every layer's style or only to
# the coarse, middle or fine ones: an edit of a colour applied to the coarse styles only should do little.

# %%
from sgan.viz.widgets import EditWidget

editor = EditWidget(G, d, ws)
editor

# %% [markdown]
# ## Checks
#
# At every profile, the `smoke` one included, on things that can fail: each face's own projection loss falls
# after the learning rate's ramp (it is 0 at step 0); every projection is nearer its face than the start is, and
# nearer its own face than any other face; face 0 projected alone reconstructs it as well as in the batch of
# four, within a tenth of the way from the start (printed below). Alone, it follows its path in the batch step
# for step until float32 rounding, which differs with the batch size as with the thread count or the machine, is
# amplified by the optimisation into another optimum; the test suite checks, in float64, that the two agree to
# 1e-6 throughout. The α = 0 frame of an edit is the
# projection's image (its noise maps kept); every generator is scored over the same factors, each score in
# [0, 1]. For the trained profiles, the paper's claim: edits in W of F leak less than in Z.

# %%
ramp = ramp_up_steps(steps)
for space, p in projections.items():
    assert (p.image_losses[-1] < p.image_losses[ramp]).all(), (space, p.image_losses[[ramp, -1]])
    distance = judge.distance(p.images, targets)
    assert (distance < start_distance).all(), (space, distance, start_distance)
    cross = torch.stack([judge.distance(p.images, targets.roll(-shift, dims=0)) for shift in range(4)])
    assert (cross.argmin(dim=0) == 0).all(), (space, cross)  # row 0: each projection against its own face
alone = project(G, targets[:1], "w", steps=steps, seed=seed, progress=False)
differs = alone.image_losses[:, 0] != projections["w"].image_losses[:, 0]
first_gap = int(differs.float().argmax()) if differs.any() else steps
d_alone = float(judge.distance(alone.images, targets[:1]))
d_batch = float(judge.distance(projections["w"].images[:1], targets[:1]))
print(f"face 0 alone vs in the batch: the same losses up to step {first_gap}; distance to the face "
      f"{d_alone:.3f} alone, {d_batch:.3f} in the batch (start {float(start_distance[0]):.3f})")
assert abs(d_alone - d_batch) < 0.1 * float(start_distance[0]), (first_gap, d_alone, d_batch)
torch.testing.assert_close(edited[3], projections["w"].images[0].clamp(-1, 1), rtol=0, atol=1e-5)  # α = 0
assert all(abs(float(v.norm()) - 1) < 1e-5 for v in d.directions.values())
assert abs(float(held @ d.directions[held_factor])) < 1e-5
assert set(scores) == {("F", "w"), ("F", "w+"), ("F", "z"), ("B", "z")}
assert all(names_k == list(judge_readings(judge, targets[:1])) for names_k, _ in matrices.values())
assert all(0 <= v <= 1 for v in scores.values()), scores
if profile not in LEARNS_NOTHING:
    assert scores[("F", "w")] < scores[("F", "z")], scores
check = EditWidget(G, d, ws)  # its own instance: the demo above stays as it is
check.sliders[next(iter(check.sliders))].value = 3.0
assert not np.array_equal(check.image, editor.image)
print("ok")
