"""The metrics by name. A name carries its sample count: a cheap variant never passes for the paper's.

Grammar (counts are written ``256``, ``2k``, ``50k``; ``2000`` is read as ``2k``):

* ``fid<count>``: FID between ``count`` generated and up to ``count`` real images (paper: ``fid50k``).
  ``fid<count>_mix<k>``: the same with every generated image mixed from ``k`` latents at ``k − 1`` random
  crossover points (Table 2's stress test, "number of latents during testing"; ``k = 1`` is plain FID).
* ``ppl_<space><sampling>[_<count>]``: perceptual path length, space ``z`` | ``w``, sampling ``full`` |
  ``end``; no count means the paper's 100k pairs (``ppl_wend`` ≡ 100k, ``ppl_wend_1k`` = 1000 pairs).
* ``ls[<count>]``: linear separability in Z and W; no count means the paper's 200k images (``ls2k``: 2000).
* ``probes<count>``: linear read-out of the ground-truth factors from z and w (beyond the paper).
* ``attrs<count>``: are eyes, mouths and glasses drawn as clearly as in ``count`` real faces (beyond the paper).

``compute_metric(name, G, dataset, ...)`` returns a plain, JSON-ready dict: ``metric`` (the canonical
name), ``value``, ``num_samples``, ``official_count``, ``feature_network``, ``distance``, ``seed``, ``time_s``
and the metric's own details.
"""

from __future__ import annotations

import inspect
import time
import warnings
from collections.abc import Callable
from typing import Any

from sgan.metrics.attributes import attrs_metric
from sgan.metrics.domain_net import JudgeResolutionWarning
from sgan.metrics.fid import fid_metric
from sgan.metrics.names import (  # noqa: F401 (the registry's names for them)
    PAPER_COUNTS,
    PPL_NAMES,
    MetricSpec,
    UnknownMetricError,
    format_count,
    list_metrics,
    metric_name,
    parse_metric_name,
)
from sgan.metrics.ppl import ppl_metric
from sgan.metrics.probes import probes_metric
from sgan.metrics.separability import ls_metric
from sgan.training.device import device_of


def metric_names_for(config: Any) -> list[str]:
    """The metrics a run evaluates at its profile's sample counts: FID, the four path lengths, separability.

    ``config`` is a ``RunConfig`` (uses ``config.train.fid_samples``, ``ppl_samples``, ``ls_samples``).
    """
    t = config.train
    names = [metric_name("fid", t.fid_samples)]
    names += [metric_name("ppl", t.ppl_samples, n[4], n[5:]) for n in PPL_NAMES]
    names.append(metric_name("ls", t.ls_samples))
    return names


_IMPLEMENTATIONS: dict[str, Callable[..., dict]] = {"fid": fid_metric, "ppl": ppl_metric, "ls": ls_metric,
                                                    "attrs": attrs_metric}


def _implementation(kind: str) -> Callable[..., dict]:
    return _IMPLEMENTATIONS.get(kind, probes_metric)


def _check_options(name: str, fn: Callable[..., dict], options: dict[str, Any]) -> None:
    allowed = [p.name for p in inspect.signature(fn).parameters.values() if p.kind is p.KEYWORD_ONLY]
    allowed = [a for a in allowed if a not in ("device", "seed", "progress")]
    unknown = sorted(set(options) - set(allowed))
    if unknown:
        raise TypeError(f"{name}: unknown option(s) {unknown}; this metric takes {sorted(allowed)}.")


def compute_metric(name: str, G: Any, dataset: Any = None, device: Any = None, seed: int = 0,
                   progress: bool = True, **options: Any) -> dict:
    """Compute metric ``name`` (see the module docstring) of generator ``G``.

    ``dataset`` (an ``ImageDataset``) is needed by FID and attrs only. ``device``: "cpu", "cuda", "auto" or
    None (default: G's own device, ``sgan.training.device.device_of``); every random draw comes from ``seed``.
    ``options`` are the metric's own keyword options (an unknown one is an error that lists them).
    """
    spec = parse_metric_name(name)
    fn = _implementation(spec.kind)
    _check_options(name, fn, options)
    if device is None:
        device = device_of(G)
    start = time.perf_counter()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", JudgeResolutionWarning)
        result = fn(spec, G, dataset, device=device, seed=seed, progress=progress, **options)
    elapsed = time.perf_counter() - start
    resized = sorted({str(w.message) for w in caught if issubclass(w.category, JudgeResolutionWarning)})
    for w in caught:  # the others go on as they came; this one once, and into the result
        if not issubclass(w.category, JudgeResolutionWarning):
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    if resized:
        result["resized"] = "; ".join(resized)
        warnings.warn(f"{spec.name}: {result['resized']}", JudgeResolutionWarning, stacklevel=2)
    head = dict(metric=spec.name, value=result.pop("value"), num_samples=spec.num_samples,
                official_count=spec.official_count, feature_network=result.pop("feature_network"),
                distance=result.pop("distance"), seed=seed, time_s=round(elapsed, 3))
    return {**head, **result}
