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
import re
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sgan.device import device_of
from sgan.metrics.domain_net import JudgeResolutionWarning

# The paper's sample counts: FID on 50k images (§2, Table 1), PPL over 100k samples (§4.1), separability of
# 200k images (§4.2).
PAPER_COUNTS = {"fid": 50_000, "ppl": 100_000, "ls": 200_000}
PPL_NAMES = ("ppl_zfull", "ppl_wfull", "ppl_zend", "ppl_wend")

_COUNT = r"(\d+)(k?)"
_PATTERNS = {
    "fid": re.compile(rf"fid{_COUNT}(?:_mix(\d+))?"),
    "ppl": re.compile(rf"ppl_(z|w)(full|end)(?:_{_COUNT})?"),
    "ls": re.compile(rf"ls(?:{_COUNT})?"),
    "probes": re.compile(rf"probes{_COUNT}"),
    "attrs": re.compile(rf"attrs{_COUNT}"),
}


class UnknownMetricError(ValueError):
    """A metric name that does not follow the registry's grammar."""


@dataclass(frozen=True)
class MetricSpec:
    """A parsed metric name."""

    kind: str  # "fid" | "ppl" | "ls" | "probes" | "attrs"
    num_samples: int
    space: str | None = None  # ppl: "z" | "w"
    sampling: str | None = None  # ppl: "full" | "end"
    latents: int = 1  # fid: latents mixed per generated image (Table 2)

    @property
    def name(self) -> str:
        """The canonical name (counts as ``2k``, the paper's count left out where the grammar allows)."""
        return metric_name(self.kind, self.num_samples, self.space, self.sampling, self.latents)

    @property
    def official_count(self) -> bool:
        """True when the sample count is the paper's."""
        return PAPER_COUNTS.get(self.kind) == self.num_samples


def format_count(n: int) -> str:
    """``2000 -> "2k"``, ``256 -> "256"``."""
    if not isinstance(n, int) or n < 1:
        raise ValueError(f"sample count {n!r} must be a positive integer.")
    return f"{n // 1000}k" if n % 1000 == 0 else str(n)


def _count(digits: str | None, k: str | None, name: str) -> int | None:
    if digits is None:
        return None
    n = int(digits) * (1000 if k else 1)
    if n < 1:
        raise UnknownMetricError(f"{name!r}: the sample count must be positive (e.g. fid50k, ls2k).")
    return n


def metric_name(kind: str, num_samples: int, space: str | None = None, sampling: str | None = None,
                latents: int = 1) -> str:
    """The canonical name of a metric, e.g. ``metric_name("ppl", 1000, "w", "end") == "ppl_wend_1k"``,
    ``metric_name("fid", 2000, latents=3) == "fid2k_mix3"``."""
    count = format_count(num_samples)
    if latents != 1 and (kind != "fid" or latents < 1):
        raise ValueError(f"latents={latents!r}: only FID mixes latents, and it needs at least 1.")
    if kind == "fid":
        return f"fid{count}" if latents == 1 else f"fid{count}_mix{latents}"
    if kind in ("probes", "attrs"):
        return f"{kind}{count}"
    if kind == "ls":
        return "ls" if num_samples == PAPER_COUNTS["ls"] else f"ls{count}"
    if kind == "ppl":
        if space not in ("z", "w") or sampling not in ("full", "end"):
            raise ValueError(f"ppl needs space 'z'|'w' and sampling 'full'|'end', got {space!r}, "
                             f"{sampling!r}.")
        base = f"ppl_{space}{sampling}"
        return base if num_samples == PAPER_COUNTS["ppl"] else f"{base}_{count}"
    raise UnknownMetricError(f"unknown metric kind {kind!r}: choose fid, ppl, ls, probes or attrs.")


def parse_metric_name(name: str) -> MetricSpec:
    """``"ppl_wend_1k" -> MetricSpec("ppl", 1000, "w", "end")``; a clear error for anything else."""
    for kind, pattern in _PATTERNS.items():
        m = pattern.fullmatch(name)
        if m is None:
            continue
        if kind == "ppl":
            n = _count(m.group(3), m.group(4), name)
            return MetricSpec("ppl", n or PAPER_COUNTS["ppl"], m.group(1), m.group(2))
        n = _count(m.group(1), m.group(2), name)
        if kind == "fid" and m.group(3) is not None:
            latents = int(m.group(3))
            if latents < 1:
                raise UnknownMetricError(f"{name!r}: mix at least 1 latent (e.g. fid2k_mix2).")
            return MetricSpec("fid", n, latents=latents)
        return MetricSpec(kind, n or PAPER_COUNTS[kind])
    raise UnknownMetricError(
        f"Unknown metric {name!r}. Names carry their sample count: fid50k, fid2k, fid256 "
        "(fid2k_mix3: 3 latents mixed); "
        f"{', '.join(PPL_NAMES)} (100k pairs) or e.g. ppl_wend_1k; ls (200k) or ls2k; probes2k; attrs2k. "
        f"Well-known names: {', '.join(list_metrics())}."
    )


def list_metrics() -> list[str]:
    """The well-known metric names (any other count works too, e.g. ``fid3k`` or ``ppl_zfull_5k``)."""
    return ["fid50k", "fid10k", "fid2k", "fid256", *PPL_NAMES, "ls", "ls20k", "ls2k", "probes10k", "probes2k",
            "attrs2k"]


def metric_names_for(config: Any) -> list[str]:
    """The metrics a run evaluates at its profile's sample counts: FID, the four path lengths, separability.

    ``config`` is a ``RunConfig`` (uses ``config.train.fid_samples``, ``ppl_samples``, ``ls_samples``).
    """
    t = config.train
    names = [metric_name("fid", t.fid_samples)]
    names += [metric_name("ppl", t.ppl_samples, n[4], n[5:]) for n in PPL_NAMES]
    names.append(metric_name("ls", t.ls_samples))
    return names


def _implementation(kind: str) -> Callable[..., dict]:
    if kind == "fid":
        from sgan.metrics.fid import fid_metric as fn
    elif kind == "ppl":
        from sgan.metrics.ppl import ppl_metric as fn
    elif kind == "ls":
        from sgan.metrics.separability import ls_metric as fn
    elif kind == "attrs":
        from sgan.metrics.attributes import attrs_metric as fn
    else:
        from sgan.metrics.probes import probes_metric as fn
    return fn


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
    None (default: G's own device, ``sgan.device.device_of``); every random draw comes from ``seed``.
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
