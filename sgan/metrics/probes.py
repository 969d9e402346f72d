"""Linear probes: how linearly each ground-truth factor can be read out of z and of w (beyond the paper).

Generate N images, let the domain network estimate every factor of every image, then fit a linear read-out
from the latent (z or w, standardised) to each factor on the first (1 − test_fraction) of the samples and
score it on the rest:

* continuous factor: ridge regression ŷ = a·x + b, held-out R² = 1 − Σ(y − ŷ)² / Σ(y − ȳ)²;
* binary factor: logistic regression on the domain network's label (P > 0.5), held-out accuracy.

The paper's claim (§4) is that W is less entangled than Z, so the probes from w should score higher.
``value`` is the mean held-out R² over continuous factors from w; ``r2_z``/``r2_w`` and
``accuracy_z``/``accuracy_w`` give every factor.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from sgan.metrics import sampling
from sgan.metrics.domain_net import load_domain_net


def probe_continuous(x_train: np.ndarray, y_train: np.ndarray, x_test: np.ndarray, y_test: np.ndarray,
                     alpha: float = 1.0) -> float | None:
    """Held-out R² of a ridge regression (inputs standardised on the training split); None when the factor
    does not vary (R² is undefined)."""
    from sklearn.linear_model import Ridge
    from sklearn.metrics import r2_score
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    if np.ptp(y_train) == 0 or np.ptp(y_test) == 0:
        return None
    model = make_pipeline(StandardScaler(), Ridge(alpha=alpha)).fit(x_train, y_train)
    return float(r2_score(y_test, model.predict(x_test)))


def probe_binary(x_train: np.ndarray, y_train: np.ndarray, x_test: np.ndarray, y_test: np.ndarray) -> float:
    """Held-out accuracy of a logistic regression; a single training class predicts that class."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    if np.unique(y_train).size < 2:
        return float(np.mean(y_test == y_train[0]))
    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000)).fit(x_train, y_train)
    return float(np.mean(model.predict(x_test) == y_test))


def linear_probes(latents: np.ndarray, factors: dict[str, np.ndarray], binary: tuple[str, ...],
                  test_fraction: float = 0.25) -> dict[str, float | None]:
    """``{factor: held-out score}`` (R² continuous, accuracy binary) of probes from ``latents [N, D]``."""
    n = latents.shape[0]
    n_test = int(round(n * test_fraction))
    if not 0 < n_test < n - 1:
        raise ValueError(f"test_fraction={test_fraction} leaves no train or test samples out of {n}.")
    split = n - n_test
    out = {}
    for name, y in factors.items():
        if name in binary:
            labels = (y > 0.5).astype(np.int64)
            out[name] = probe_binary(latents[:split], labels[:split], latents[split:], labels[split:])
        else:
            out[name] = probe_continuous(latents[:split], y[:split], latents[split:], y[split:])
    return out


def _mean(scores: dict[str, float | None], names: tuple[str, ...]) -> float | None:
    values = [scores[k] for k in names if scores.get(k) is not None]
    return float(np.mean(values)) if values else None


@torch.no_grad()
def probes_metric(spec: Any, G: Any, dataset: Any = None, *, device: str = "cpu", seed: int = 0,
                  progress: bool = True, batch_size: int | None = None, test_fraction: float = 0.25,
                  resolution: int | None = None) -> dict:
    """Registry entry for ``probes<count>``."""
    dev = sampling.resolve_device(device)
    res = resolution or G.cfg.resolution
    bs = batch_size or sampling.default_batch_size(dev, res)
    net = load_domain_net(dev, resolution=res)  # the judge of the images' resolution
    zs, ws, preds = [], [], {}
    for z, w, images in sampling.iterate_generated(G, spec.num_samples, seed, bs, dev, progress,
                                                   "probes: generating", resolution):
        zs.append(z.cpu().numpy())
        ws.append(w.cpu().numpy())
        for name, v in net.predict(images).items():
            preds.setdefault(name, []).append(v.cpu().numpy())
    factors = {k: np.concatenate(v).astype(np.float64) for k, v in preds.items()}
    scores = {space: linear_probes(np.concatenate(lat).astype(np.float64), factors, net.binary, test_fraction)
              for space, lat in (("z", zs), ("w", ws))}
    out = dict(feature_network=net.name, distance="held-out R² (ridge) / accuracy (logistic)",
               test_fraction=test_fraction)
    for space in ("z", "w"):
        out[f"r2_{space}"] = {k: v for k, v in scores[space].items() if k in net.continuous}
        out[f"accuracy_{space}"] = {k: v for k, v in scores[space].items() if k in net.binary}
        out[f"mean_r2_{space}"] = _mean(scores[space], net.continuous)
        out[f"mean_accuracy_{space}"] = _mean(scores[space], net.binary)
    out["value"] = out["mean_r2_w"]
    return out
