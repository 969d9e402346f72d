# %% [markdown]
# # 09 · Perceptual path length (PPL)
#
# Is the latent space *smooth*? Walk a short step along an interpolation path and measure how much the image
# changes perceptually. A space where a tiny step can flip a feature (glasses appear) is entangled; the paper
# (§4.1) argues that $\mathcal{W}$ is smoother than $\mathcal{Z}$ because the mapping can "unwarp" the
# factors of variation. With $\epsilon = 10^{-4}$, a perceptual distance $d$ (LPIPS-VGG16 in the paper), the
# generator $G = g \circ f$ and $t \sim U(0, 1)$:
#
# $$l_{\mathcal{Z}} = \mathbb{E}\Big[\tfrac{1}{\epsilon^2}\, d\big(G(\operatorname{slerp}(\mathbf{z}_1, \mathbf{z}_2; t)),\; G(\operatorname{slerp}(\mathbf{z}_1, \mathbf{z}_2; t + \epsilon))\big)\Big]$$
#
# $$l_{\mathcal{W}} = \mathbb{E}\Big[\tfrac{1}{\epsilon^2}\, d\big(g(\operatorname{lerp}(f(\mathbf{z}_1), f(\mathbf{z}_2); t)),\; g(\operatorname{lerp}(f(\mathbf{z}_1), f(\mathbf{z}_2); t + \epsilon))\big)\Big]$$
#
# Slerp in $\mathcal{Z}$ (normalised inputs), lerp in $\mathcal{W}$ (not normalised). "**full**" draws
# $t \sim U(0,1)$, "**end**" uses the path endpoints $t = 0$ only (where $\mathbf{w}$ is a real mapped latent,
# so a W path that leaves the manifold of real latents in between is not penalised). Images are cropped to
# the face first; values outside the 1st–99th percentile are discarded. Without the VGG16 weights file,
# `sgan` uses its domain network's LPIPS-style distance (the result says which).

# %% tags=["parameters"]
profile = None  # None: $SGAN_PROFILE or "cpu"
runs_dir = None  # None: runs/course/<profile>
seed = 0

# %%
import numpy as np
import torch

import sgan
from sgan.metrics import compute_metric, metric_name
from sgan.metrics import ppl as ppl_lib
from sgan.profiles import LEARNS_NOTHING
from sgan.studies.ablation import trained_run
from sgan.studies.course import setup_notebook
from sgan.viz import figures, plots
from sgan.viz.widgets import InterpolationWidget

profile, runs_dir = setup_notebook(profile, runs_dir)
cfg = sgan.make_config("F", profile, seed=seed)
G = sgan.load_generator(trained_run("F", profile, seed=seed, out_dir=runs_dir))
gen = torch.Generator().manual_seed(seed)

# %% [markdown]
# ## The pieces by hand
#
# Slerp keeps unit norm and moves at constant angular speed: $\operatorname{slerp}(a, b; t) = \frac{\sin((1-t)\theta)}{\sin\theta} a + \frac{\sin(t\theta)}{\sin\theta} b$,
# $\cos\theta = \langle a, b\rangle$ for unit $a, b$. The face crop keeps rows $3c{:}7c$ and columns $2c{:}6c$,
# $c = H/8$. The filter keeps the values between the 1st and 99th percentiles.

# %%
a, b = torch.randn(5, 16, generator=gen, device="cpu"), torch.randn(5, 16, generator=gen, device="cpu")
t = torch.rand(5, 1, generator=gen, device="cpu")
an, bn = a / a.norm(dim=1, keepdim=True), b / b.norm(dim=1, keepdim=True)
theta = torch.arccos((an * bn).sum(1, keepdim=True))
by_hand = (torch.sin((1 - t) * theta) * an + torch.sin(t * theta) * bn) / torch.sin(theta)
assert torch.allclose(by_hand, ppl_lib.slerp(a, b, t), atol=1e-5)
assert torch.allclose(by_hand, figures.slerp(a, b, t), atol=1e-5)  # the one the interpolation figures use

images = torch.randn(2, 3, 32, 32, generator=gen, device="cpu")
c = 32 // 8
assert torch.equal(ppl_lib.crop_face(images), images[:, :, 3 * c:7 * c, 2 * c:6 * c])

values = np.random.default_rng(seed).lognormal(size=1000)
lo, hi = np.percentile(values, 1, method="lower"), np.percentile(values, 99, method="higher")
assert np.isclose(ppl_lib.filtered_mean(values)[0], values[(values >= lo) & (values <= hi)].mean())

# %% [markdown]
# ## Interpolation in Z and in W
#
# The same two endpoints, walked in Z (slerp, then mapped) and in W (lerp). In a well-trained style-based
# generator the W walk changes the image more evenly.

# %%
figures.interpolation_figure(G, seed_a=1, seed_b=2, steps=9)

# %%
walker = InterpolationWidget(G, seed_a=1, seed_b=2, space="w", t=0.5)
walker

# %% [markdown]
# ## The four path lengths of config F
#
# At this profile's sample count (`ppl_samples`); the paper uses 100k pairs.

# %%
n = cfg.train.ppl_samples
results = {f"{space}{sampling}": compute_metric(metric_name("ppl", n, space, sampling), G, seed=seed)
           for space in ("z", "w") for sampling in ("full", "end")}
for key, r in results.items():
    print(f"ppl_{key}: {r['value']:10.3f}   ({r['kept']} of {n} kept, distance: {r['distance']})")

# %% [markdown]
# ## The ε² normalisation
#
# For a smooth generator, the distance between two images a step $\epsilon$ apart grows like $\epsilon^2$
# (LPIPS-style distances are squared feature differences), so $d / \epsilon^2$ should hardly depend on
# $\epsilon$. Doubling it checks the normalisation:

# %%
small = metric_name("ppl", min(n, 256), "w", "full")
ppl_eps = compute_metric(small, G, seed=seed)["value"]
ppl_2eps = compute_metric(small, G, seed=seed, epsilon=2e-4)["value"]
print(f"{small}: ε = 1e-4: {ppl_eps:.3f}, ε = 2e-4: {ppl_2eps:.3f}, ratio {ppl_2eps / ppl_eps:.3f}")

# %% [markdown]
# ## Checks
#
# Path lengths are finite and positive; $d/\epsilon^2$ is stable when $\epsilon$ doubles (a $1/\epsilon$
# normalisation would halve it); at $t = 0$ in W the interpolation widget shows source A exactly. For a trained
# profile, the paper's claim: paths are shorter in W than in Z.

# %%
assert all(np.isfinite(r["value"]) and r["value"] > 0 for r in results.values())
assert 0.75 < ppl_2eps / ppl_eps < 1.33, (ppl_eps, ppl_2eps)
if profile not in LEARNS_NOTHING:  # the paper's claim (the official F: 233 in W vs 665 in Z); cpu profile: 17-24 vs 92-152
    assert results["wfull"]["value"] < results["zfull"]["value"], results
check = InterpolationWidget(G, seed_a=1, seed_b=2, space="w", t=0.5)  # its own instance, not the demo's
check.t.value = 0.0
assert (check.image == plots.to_uint8(plots.samples(G, [1]))[0]).all()
print("ok")
