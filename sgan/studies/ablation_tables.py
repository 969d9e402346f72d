"""The ablation's results as the paper's tables: Table 1 (FID), Table 3 (path length and separability) and the
facial attributes, each row beside the paper's numbers (``PAPER_TABLE1`` ...), as rows and as Markdown.

``table1_rows`` / ``table3_rows`` read the ``results.json`` of ``sgan.studies.ablation.run_ablation``; notebook 12
and the reference tables (``sgan.studies.reference_tables``) render them.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sgan.atomic import write_json, write_text
from sgan.metrics.registry import parse_metric_name
from sgan.training.rundir import RunDir

# ---------------------------------------------------------------------------------------------------------
# The paper's numbers (Karras, Laine, Aila, "A Style-Based Generator Architecture for Generative Adversarial
# Networks", CVPR 2019, arXiv:1812.04948): Table 1 (FID), Table 2 (mixing regularization), Table 3 (path length
# and separability) and Table 4 (mapping depth).
# Tables 2-4 are marked (≈): read from secondary copies of the paper, possibly slightly off.
# ---------------------------------------------------------------------------------------------------------
PAPER_SOURCE = ("Karras, Laine, Aila 2019 (arXiv:1812.04948); Table 1 checked against the paper, "
                "Tables 2-4 approximate (≈): read from secondary copies of the paper")

# Table 1: FID (50k images, best seen during training), lower is better.
PAPER_TABLE1: dict[str, dict[str, float]] = {
    "A": {"CelebA-HQ": 7.79, "FFHQ": 8.04},
    "B": {"CelebA-HQ": 6.11, "FFHQ": 5.25},
    "C": {"CelebA-HQ": 5.34, "FFHQ": 4.85},
    "D": {"CelebA-HQ": 5.07, "FFHQ": 4.88},
    "E": {"CelebA-HQ": 5.06, "FFHQ": 4.42},
    "F": {"CelebA-HQ": 5.17, "FFHQ": 4.40},
}
PAPER_TABLE1_CHANGES: dict[str, str] = {
    "A": "Baseline Progressive GAN",
    "B": "+ tuning (incl. bilinear up/down)",
    "C": "+ add mapping and styles",
    "D": "+ remove traditional input",
    "E": "+ add noise inputs",
    "F": "+ mixing regularization",
}

# Table 2 (≈): FFHQ FID; rows = % of training images mixed, columns = number of latents mixed at test time.
PAPER_TABLE2: dict[str, dict[int, float]] = {
    "E 0%": {1: 4.42, 2: 8.22, 3: 12.88, 4: 17.41},
    "50%": {1: 4.41, 2: 6.10, 3: 8.71, 4: 11.61},
    "F 90%": {1: 4.40, 2: 5.11, 3: 6.88, 4: 9.03},
    "100%": {1: 4.83, 2: 5.17, 3: 6.63, 4: 8.40},
}

# Table 3 (≈): FFHQ perceptual path length (full / end) and linear separability, lower is better.
PAPER_TABLE3: list[dict[str, Any]] = [
    {"generator": "B traditional", "config": "B", "space": "z", "ppl_full": 412.0, "ppl_end": 415.3,
     "separability": 10.78},
    {"generator": "D style-based", "config": "D", "space": "w", "ppl_full": 446.2, "ppl_end": 376.6,
     "separability": 3.61},
    {"generator": "E + noise inputs", "config": "E", "space": "w", "ppl_full": 200.5, "ppl_end": 160.6,
     "separability": 3.54},
    {"generator": "+ mixing 50%", "config": None, "space": "w", "ppl_full": 231.5, "ppl_end": 182.1,
     "separability": 3.51},
    {"generator": "F + mixing 90%", "config": "F", "space": "w", "ppl_full": 234.0, "ppl_end": 195.9,
     "separability": 3.79},
]

# Table 4 (≈): FFHQ, effect of the mapping network's depth.
_TABLE4_COLUMNS = ("generator", "mapping_layers", "space", "fid", "ppl_full", "ppl_end", "separability")
PAPER_TABLE4: list[dict[str, Any]] = [dict(zip(_TABLE4_COLUMNS, row, strict=True)) for row in (
    ("traditional", 0, "z", 5.25, 412.0, 415.3, 10.78),
    ("traditional", 8, "z", 4.87, 896.2, 902.0, 170.29),
    ("traditional", 8, "w", 4.87, 324.5, 212.2, 6.52),
    ("style-based", 0, "z", 5.06, 283.5, 285.5, 9.88),
    ("style-based", 1, "w", 4.60, 219.9, 209.4, 6.81),
    ("style-based", 2, "w", 4.43, 217.8, 199.9, 6.25),
    ("style-based (F)", 8, "w", 4.40, 234.0, 195.9, 3.79),
)]


# ---------------------------------------------------------------------------------------------------------
# Tables
# ---------------------------------------------------------------------------------------------------------
def load_results(out_dir: str | Path, names: Sequence[str] | None = None) -> list[dict[str, Any]]:
    """The ``results.json`` of the runs under ``out_dir`` (default: every run folder, sorted by name)."""
    out = Path(out_dir)
    dirs = [out / n for n in names] if names is not None else sorted(
        p for p in out.iterdir() if p.is_dir() and ".stale-" not in p.name) if out.is_dir() else []
    return [r for r in (RunDir(d).results() for d in dirs) if r is not None]


def format_value(value: Any) -> str:
    if isinstance(value, float):
        return "—" if math.isnan(value) else f"{value:.4g}" if abs(value) < 1000 else f"{value:.1f}"
    return "—" if value is None else str(value)


def _metric(result: dict[str, Any], kind: str, space: str | None = None,
            sampling: str | None = None) -> float:
    """The value of the first metric of ``kind`` (and space/sampling) in a result, NaN if absent."""
    for name, value in result["metrics"].items():
        spec = parse_metric_name(name)
        if spec.kind == kind and spec.space == space and spec.sampling == sampling:
            return float(value)
    return float("nan")


def _metric_name(result: dict[str, Any], kind: str) -> str:
    return next((n for n in result["metrics"] if parse_metric_name(n).kind == kind), kind)


def _separability(result: dict[str, Any], space: str) -> float:
    """Linear separability in ``space`` from a result's ``ls`` details (``value_z``, ``value_w``)."""
    for name, detail in result.get("details", {}).items():
        if name.startswith("ls"):
            return float(detail.get(f"value_{space}", math.nan))
    return float("nan")


def best_fid(result: dict[str, Any]) -> tuple[float, float]:
    """``(best FID seen during training, its kimg)`` from a result's learning curve, when the curve measured
    the same metric with the same feature network as the final FID; else ``(nan, nan)``."""
    curve = result.get("learning_curve")
    name = _metric_name(result, "fid")
    network = result.get("details", {}).get(name, {}).get("feature_network")
    if not curve or curve.get("metric") != name or curve.get("feature_network") != network:
        return math.nan, math.nan
    return float(curve["best"]), float(curve["best_kimg"])


def table1_rows(results: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Table 1: FID per config at the end of training and the best seen during training (the paper's), ours
    beside the paper's (CelebA-HQ, FFHQ), in config order A-F."""
    rows = []
    for r in sorted(results, key=lambda r: r["name"]):
        paper = PAPER_TABLE1.get(r["config"], {}) if not r.get("overrides") else {}
        name = _metric_name(r, "fid")
        best, at = best_fid(r)
        rows.append({"config": r["name"], "change": PAPER_TABLE1_CHANGES.get(r["config"], ""),
                     name: _metric(r, "fid"), f"{name} best": best, "best at kimg": at,
                     "paper CelebA-HQ": paper.get("CelebA-HQ"), "paper FFHQ": paper.get("FFHQ")})
    return rows


def attribute_rows(results: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Beyond the paper: per config the ``attrs`` metric (mean gap between how often G draws each facial
    feature and how often the data has it; 0 is the data) and the rates of eyes open, smile and glasses in G's
    images beside the data's. Rows only for results that measured ``attrs``."""
    rows = []
    for r in sorted(results, key=lambda r: r["name"]):
        name = _metric_name(r, "attrs")
        detail = r.get("details", {}).get(name)
        if detail is None:
            continue
        row = {"config": r["name"], name: float(detail["value"])}
        for factor in ("eyes_open", "smiling", "glasses"):
            row[f"{factor} G / data"] = f"{detail['fake'][factor]['rate']:.2f} / {detail['real'][factor]['rate']:.2f}"
        rows.append(row)
    return rows


def table3_rows(results: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Table 3: path length (full, end) and separability, in Z for traditional generators (A, B), in W for
    style-based ones (C-F), beside the paper's row for the same config; our Z and W values are both listed."""
    paper = {row["config"]: row for row in PAPER_TABLE3 if row["config"]}
    rows = []
    for r in sorted(results, key=lambda r: r["name"]):
        space = "w" if r["run_config"]["model"]["use_styles"] else "z"
        p = paper.get(r["config"], {}) if not r.get("overrides") else {}
        rows.append({
            "config": r["name"], "space": space.upper(),
            "ppl full": _metric(r, "ppl", space, "full"), "ppl end": _metric(r, "ppl", space, "end"),
            "separability": _separability(r, space),
            "ppl full (other space)": _metric(r, "ppl", "z" if space == "w" else "w", "full"),
            "separability (other space)": _separability(r, "z" if space == "w" else "w"),
            "paper ppl full": p.get("ppl_full"), "paper ppl end": p.get("ppl_end"),
            "paper separability": p.get("separability"),
        })
    return rows


def markdown_table(rows: Sequence[dict[str, Any]]) -> str:
    """Rows (dicts with the same keys) as a GitHub-flavoured markdown table."""
    if not rows:
        return "(no results)"
    keys = list(rows[0])
    lines = ["| " + " | ".join(keys) + " |", "|" + "---|" * len(keys)]
    lines += ["| " + " | ".join(format_value(row.get(k)) for k in keys) + " |" for row in rows]
    return "\n".join(lines)


def results_markdown(out_dir: str | Path) -> str:
    """Tables 1 and 3 of the runs under ``out_dir``, as markdown, with the source of the paper's numbers."""
    results = load_results(out_dir)
    if not results:
        return f"(no results.json under {out_dir} yet: run notebook 11 / sgan.studies.ablation.run_ablation first)"
    profile = results[0]["profile"]
    return (f"Table 1 (FID, lower is better), profile {profile!r}:\n\n"
            f"{markdown_table(table1_rows(results))}\n\n"
            "Table 3 (perceptual path length and linear separability, lower is better), "
            f"profile {profile!r}:\n\n{markdown_table(table3_rows(results))}\n\n"
            f"Paper: {PAPER_SOURCE}. Our models are small and briefly trained on synthetic faces: "
            "compare the order of the configs, not the values.")


def write_tables(out_dir: str | Path) -> dict[str, Path]:
    """Write ``results.md`` and ``results_tables.json`` (Tables 1 and 3) in ``out_dir``; returns paths."""
    out = Path(out_dir)
    results = load_results(out)
    md, js = out / "results.md", out / "results_tables.json"
    write_text(md, results_markdown(out) + "\n")
    write_json(js, {"table1": table1_rows(results), "table3": table3_rows(results),
                     "paper_source": PAPER_SOURCE})
    return {"markdown": md, "json": js}
