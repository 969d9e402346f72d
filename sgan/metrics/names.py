"""Metric names: the grammar that carries each metric's sample count, so a cheap variant never passes for the
paper's (the grammar is in ``sgan.metrics.registry``'s docstring). A leaf: every metric module may name
itself without importing the registry that runs them."""

from __future__ import annotations

import re
from dataclasses import dataclass

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
