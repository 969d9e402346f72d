"""Linear separability (StyleGAN §4.2; official ``metrics/linear_separability.py``).

For each binary attribute: generate N images, classify them, keep the N/2 most confidently classified, fit a
linear SVM (sklearn ``LinearSVC``, default settings) from the latent (z, or w) to the classifier's label, and
measure how much the label still varies given the SVM's side X, the conditional entropy in bits

    H(Y|X) = H(X, Y) − H(X) = −Σ_{x,y} p(x, y) log₂ p(y|x)

over the 2×2 table of (SVM prediction, label) on the kept samples. The score is

    separability = 2^(Σ_attributes H(Y|X))      (= exp Σ H in nats; 1 when every attribute is linear)

Attributes: the synthetic faces' binary factors, classified by sgan's domain network (the paper: 40 CelebA-HQ
classifiers), or any classifier passed in (``images -> {name: P(attribute = 1) [N]}``). As officially, the SVM
is fit and scored on the same samples, and an SVM that cannot be fit (a single class) counts as a perfect
prediction.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import torch
from tqdm.auto import tqdm

from sgan.metrics import sampling
from sgan.metrics.domain_net import load_domain_net

Classifier = Callable[[torch.Tensor], dict[str, torch.Tensor]]


def entropy_bits(p: np.ndarray) -> float:
    """Shannon entropy −Σ p log₂ p of a (normalised) distribution; 0 log 0 = 0."""
    p = np.asarray(p, dtype=np.float64).ravel()
    p = p[p > 0]
    return float(-(p * np.log2(p)).sum())


def conditional_entropy(joint: np.ndarray) -> float:
    """H(Y|X) in bits for a joint table ``joint[x, y]`` (counts or probabilities; X = rows)."""
    p = np.asarray(joint, dtype=np.float64)
    if p.ndim != 2 or p.sum() <= 0:
        raise ValueError(f"joint must be a 2-d table of non-negative counts with a positive sum, got {p!r}.")
    p = p / p.sum()
    # H(Y|X) = H(X, Y) − H(X)   (clip rounding below zero)
    return max(0.0, entropy_bits(p) - entropy_bits(p.sum(axis=1)))


def attribute_entropy(latents: np.ndarray, prob: np.ndarray, keep: int | None = None, seed: int = 0) -> float:
    """H(Y|X) of one attribute: ``latents [N, D]``, ``prob [N]`` = P(attribute = 1); keeps the ``keep``
    (default N/2) most confident samples, fits the SVM on them, tabulates (SVM side, label)."""
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.svm import LinearSVC

    latents, prob = np.asarray(latents, np.float64), np.asarray(prob, np.float64)
    if latents.ndim != 2 or prob.shape != (latents.shape[0],):
        raise ValueError(f"latents must be [N, D] and prob [N]; got {latents.shape} and {prob.shape}.")
    keep = latents.shape[0] // 2 if keep is None else keep
    confidence = np.maximum(prob, 1.0 - prob)
    kept = np.argsort(-confidence, kind="stable")[:keep]  # the most confidently classified
    x, y = latents[kept], (prob[kept] > 0.5).astype(np.int64)
    if np.unique(y).size < 2:
        pred = y  # official: an SVM that cannot be fit counts as a perfect prediction
    else:
        with warnings.catch_warnings():  # default iteration cap, as officially: convergence not required
            warnings.simplefilter("ignore", ConvergenceWarning)
            pred = LinearSVC(random_state=seed).fit(x, y).predict(x)
    joint = np.array([[np.sum((pred == a) & (y == b)) for b in (0, 1)] for a in (0, 1)])
    return conditional_entropy(joint)


def separability_score(entropies: dict[str, float]) -> float:
    """2^(Σ H) over the attributes."""
    return float(2.0 ** sum(entropies.values()))


def _domain_classifier(device: torch.device, resolution: int) -> tuple[Classifier, str]:
    """The domain network's binary factors as a classifier, the judge of ``resolution``² images."""
    net = load_domain_net(device, resolution=resolution)

    def classify(images: torch.Tensor) -> dict[str, torch.Tensor]:
        probs = net.predict(images)
        return {name: probs[name] for name in net.binary}

    return classify, net.name


@torch.no_grad()
def sample_attributes(G: Any, n: int, classifier: Classifier, seed: int, batch_size: int,
                      device: torch.device, progress: bool = True, resolution: int | None = None):
    """``(z [n, z_dim], w [n, w_dim], {attribute: P(=1) [n]})`` for ``n`` generated images (numpy)."""
    zs, ws, probs = [], [], {}
    for z, w, images in sampling.iterate_generated(G, n, seed, batch_size, device, progress, "LS: generating",
                                                   resolution):
        zs.append(z.cpu().numpy())
        ws.append(w.cpu().numpy())
        for name, p in classifier(images).items():
            probs.setdefault(name, []).append(p.float().cpu().numpy())
    return np.concatenate(zs), np.concatenate(ws), {k: np.concatenate(v) for k, v in probs.items()}


def ls_metric(spec: Any, G: Any, dataset: Any = None, *, device: str = "cpu", seed: int = 0,
              progress: bool = True, classifier: Classifier | None = None, batch_size: int | None = None,
              resolution: int | None = None) -> dict:
    """Registry entry for ``ls[<count>]``: ``value`` is the W score; ``value_z`` and ``value_w`` both."""
    dev = sampling.resolve_device(device)
    res = resolution or G.cfg.resolution
    bs = batch_size or sampling.default_batch_size(dev, res)
    if classifier is None:
        classifier, classifier_name = _domain_classifier(dev, res)
    else:
        classifier_name = getattr(classifier, "name", getattr(classifier, "__name__", "custom"))
    z, w, probs = sample_attributes(G, spec.num_samples, classifier, seed, bs, dev, progress, resolution)
    fits = [(space, lat, name) for space, lat in (("z", z), ("w", w)) for name in probs]
    entropies: dict[str, dict[str, float]] = {"z": {}, "w": {}}
    for space, lat, name in tqdm(fits, desc="LS: fitting SVMs", disable=not progress, leave=False):
        entropies[space][name] = attribute_entropy(lat, probs[name], seed=seed)
    return dict(value=separability_score(entropies["w"]), feature_network=classifier_name,
                distance="conditional entropy of a linear SVM (bits)",
                value_z=separability_score(entropies["z"]), value_w=separability_score(entropies["w"]),
                entropies_z=entropies["z"], entropies_w=entropies["w"], attributes=sorted(probs),
                positive_rate={k: float((v > 0.5).mean()) for k, v in probs.items()})
