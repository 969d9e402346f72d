"""The renderers of the course's prose: a measured number said with whose it is ("your run", "the reference,
mean ± std over 3 seeds": ``value``, ``stat``, ``whose``), claims about order computed from the numbers
(``order``, ``compare``, ``lowest``), so that a sentence follows the data it states; and the sentences of
the committed studies and tables, said from their own files (notebooks 02 and 12).

The checker that keeps typed numbers out of the notebooks is ``sgan.studies.prose``.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any


# ---------------------------------------------------------------------------------------------------------
# Renderers: a number with whose it is, and an order computed from the numbers
# ---------------------------------------------------------------------------------------------------------
def value(x: float | None, digits: int = 2) -> str:
    """``12.35``, or ``"—"`` for a missing or non-finite value."""
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return "—"
    return f"{x:.{digits}f}"


def stat(s: Mapping[str, Any] | None, digits: int = 2) -> str:
    """A ``{"mean", "std", "n"}`` of ``sgan.studies.reference_tables.stat`` as ``"12.34 ± 1.20"``, ``"—"`` if empty."""
    if not s or not s.get("n"):
        return "—"
    if s["n"] < 2 or not math.isfinite(s["std"]):
        return value(s["mean"], digits)
    return f"{s['mean']:.{digits}f} ± {s['std']:.{digits}f}"


def whose(s: Mapping[str, Any] | None, who: str = "the reference") -> str:
    """Whose number a ``stat`` is: ``"the reference, mean ± std over 3 seeds"`` (one seed: ``"…, 1 seed"``)."""
    n = (s or {}).get("n", 0)
    return f"{who}, mean ± std over {n} seeds" if n > 1 else f"{who}, {n} seed{'s' if n != 1 else ''}"


def mean(x: float | Mapping[str, Any] | None) -> float:
    """The value of a plain number or of a ``stat``'s mean (NaN if missing)."""
    if x is None:
        return math.nan
    if isinstance(x, Mapping):
        return float(x["mean"]) if x.get("n") else math.nan
    return float(x)


def separate(a: Mapping[str, Any], b: Mapping[str, Any]) -> bool | None:
    """Whether two ``stat`` seed bands separate (the means differ by more than the sum of the stds); None when
    either has fewer than 2 seeds."""
    if a.get("n", 0) < 2 or b.get("n", 0) < 2:
        return None
    return abs(a["mean"] - b["mean"]) > a["std"] + b["std"]


def compare(name_a: str, a: float | Mapping[str, Any], name_b: str, b: float | Mapping[str, Any],
            lower: str = "below", higher: str = "above", digits: int = 2) -> str:
    """``"A (14.57 ± 3.59) is below C (19.77 ± 2.23)"``: the order computed, the numbers beside it, and for two
    seed bands whether they separate. ``lower``/``higher`` name the two directions (``"shorter"``/``"longer"``)."""
    ma, mb = mean(a), mean(b)
    fa = stat(a, digits) if isinstance(a, Mapping) else value(a, digits)
    fb = stat(b, digits) if isinstance(b, Mapping) else value(b, digits)
    if math.isnan(ma) or math.isnan(mb):
        return f"{name_a} ({fa}) and {name_b} ({fb}) cannot be compared: one is not measured"
    relation = lower if ma < mb else higher if ma > mb else "equal to"
    text = f"{name_a} ({fa}) is {relation} {name_b} ({fb})"
    if isinstance(a, Mapping) and isinstance(b, Mapping):
        sep = separate(a, b)
        if sep is not None:
            text += ", the seed bands separate" if sep else ", within the seed-to-seed spread"
    return text


def order(values: Mapping[str, float | Mapping[str, Any]], digits: int = 2) -> str:
    """``"A 14.57 < B 18.83 < C 19.77"``: names sorted by value, lowest first (missing values left out)."""
    known = {k: v for k, v in values.items() if math.isfinite(mean(v))}
    ranked = sorted(known, key=lambda k: mean(known[k]))
    return " < ".join(f"{k} {value(mean(known[k]), digits)}" for k in ranked)


def lowest(values: Mapping[str, float | Mapping[str, Any]]) -> str | None:
    """The name with the lowest value (None if none is measured)."""
    known = {k: mean(v) for k, v in values.items() if math.isfinite(mean(v))}
    return min(known, key=known.get) if known else None


def listing(names: Sequence[str], empty: str = "none") -> str:
    """``"A, B and C"`` (``empty`` for no names)."""
    names = list(names)
    if not names:
        return empty
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


# ---------------------------------------------------------------------------------------------------------
# The committed studies and tables, said from their own numbers (notebooks 02 and 12)
# ---------------------------------------------------------------------------------------------------------
def _read_json(path: Any) -> Any:
    path = Path(path)
    return json.loads(path.read_text()) if path.is_file() else None


def _row_stat(row: Mapping[str, Any], what: str = "best") -> dict[str, Any]:
    """A study row's ``<what>_mean`` / ``<what>_std`` as a ``stat``-like dict."""
    n = len(row.get("seeds", [])) or row.get("runs", 0)
    return {"mean": row[f"{what}_mean"], "std": row[f"{what}_std"], "n": n}


def b_tuning_prose(report: Any) -> str:
    """What the b_tuning study (``results/<profile>/b_tuning``: ``table.json``, ``spectra.json``) shows: which
    variants' seed bands of best FID separate from A's, and the range of their spectral measures."""
    table = _read_json(Path(report) / "table.json")
    if not table:
        return "No committed b_tuning study."
    rows = {r["variant"]: r for r in table["rows"]}
    a = _row_stat(rows["A"])
    metric = table["rows"][0]["metric"]
    apart, within = [], []
    for name, row in rows.items():
        if name == "A":
            continue
        s = _row_stat(row)
        (apart if separate(s, a) else within).append(f"{name} ({stat(s)})")
    text = (f"**The b_tuning study** (best {metric}, mean ± std over {a['n']} seeds): A {stat(a)}. "
            f"Seed bands apart from A's: {listing(apart)}. Within the seed-to-seed spread of A: {listing(within)}.")
    if "B" in rows:
        text += (f" B's best is {stat(_row_stat(rows['B']))} and its final {stat(_row_stat(rows['B'], 'final'))}"
                 f" ({'above' if rows['B']['best_mean'] > rows['A']['best_mean'] else 'below'} A's best).")
    spectra = _read_json(Path(report) / "spectra.json")
    if spectra:
        def span(key: str) -> str:
            values = [r[f"{key}_mean"] for r in spectra["rows"]]
            return f"{min(values):.2f} to {max(values):.2f}"

        text += (f" Spectra (the study's means per variant): G's high-band power over the data's spans "
                 f"{span('hf_ratio')}, D's share of gradient power in the high band {span('grad_hf_share')}, and "
                 f"D's score drop on blurred reals {span('blur_sensitivity')} score std.")
    return text


def spectra_verdict(yours: Mapping[str, Mapping[str, float]], report: Any) -> str:
    """Your runs' high-band power ratio against the range of the b_tuning study's variant means."""
    spectra = _read_json(Path(report) / "spectra.json")
    mine = ", ".join(f"your {k} {v['hf_ratio']:.2f}" for k, v in yours.items())
    if not spectra:
        return f"High-band power over the data's: {mine}."
    values = [r["hf_ratio_mean"] for r in spectra["rows"]]
    lo, hi = min(values), max(values)
    outside = [k for k, v in yours.items() if not lo <= v["hf_ratio"] <= hi]
    return (f"High-band power over the data's: {mine}; the b_tuning study's variant means span {lo:.2f} to "
            f"{hi:.2f}. " + (f"Your {listing(outside)} lie{'s' if len(outside) == 1 else ''} outside that range "
                             "(one run each: a single run spreads wider than a mean over three)."
                             if outside else "Yours lie inside that range."))


def study_row_prose(report: Any, variant_contains: str, who: str) -> str:
    """One study row said in words: best and final FID, mean ± std over its seeds, whose it is."""
    table = _read_json(Path(report) / "table.json")
    row = next((r for r in (table or {}).get("rows", []) if variant_contains in r["variant"]), None)
    if row is None:
        return f"({who}: not committed)"
    best, final = _row_stat(row), _row_stat(row, "final")
    return f"{row['variant']}: best {row['metric']} {stat(best)}, final {stat(final)} ({whose(best, who)})"


def table1_order_prose(rows: Sequence[Mapping[str, Any]], measure: str, who: str = "your run") -> str:
    """The order of the configs by ``measure`` (a column of ``ablation_tables.table1_rows``) and where A stands
    against the style-based C-F, computed."""
    values = {r["config"]: r[measure] for r in rows if math.isfinite(r.get(measure, math.nan))}
    if not values:
        return f"{who}: no {measure} measured."
    best = lowest(values)
    style = {c: v for c, v in values.items() if c in "CDEF"}
    text = f"**{who.capitalize()}, {measure}:** {order(values)}. The lowest is {best}."
    if "A" in values and style:
        below = [c for c, v in style.items() if v < values["A"]]
        text += (f" Of the style-based configs, {listing(below)} {'lies' if len(below) == 1 else 'lie'} below A"
                 if below else " Every style-based config (C–F) lies above A") + "."
    return text


def table2_prose(rows: Sequence[Mapping[str, Any]], mechanism: Sequence[Mapping[str, Any]] | None = None) -> str:
    """Table 2's mechanism from its own numbers (``sgan.studies.reference_tables.table2`` rows): without mixing
    regularization (E), does FID rise with the number of latents mixed at test time, as the paper's does; and
    with it, is the rise smaller. ``mechanism``: ``table2_mechanism.json``'s rows (``python -m sgan reference
    --mixing-decomposition``), the test of the reason proposed when E does not get worse."""
    by = {r["mixing"]: r for r in rows}
    if "E 0%" not in by:
        return "Table 2 has no row without mixing regularization (E)."
    out = []
    for label, r in by.items():
        one, four = r["fid_mix1"], r["fid_mix4"]
        rise = mean(four) - mean(one)
        p = {int(k): v for k, v in (r.get("paper") or {}).items()}
        paper = p[4] - p[1] if p else math.nan
        sep = separate(one, four)
        bands = "" if sep is None else ", the seed bands separate" if sep else ", within the seed spread"
        out.append(f"{label}: 1 → 4 latents {stat(one)} → {stat(four)}, "
                   f"{'a rise' if rise > 0 else 'a fall'} of {abs(rise):.2f}{bands} (paper: +{paper:.2f})")
    e = by["E 0%"]
    e_rise = mean(e["fid_mix4"]) - mean(e["fid_mix1"])
    text = ("**Table 2, from its own numbers** (the reference, mean ± std over each row's seeds; every column "
            "measured on the final generator): " + "; ".join(out) + ". ")
    if e_rise > 0:
        text += ("Without mixing regularization, mixing more latents at test time hurts here too, the paper's "
                 "mechanism. ")
    else:
        text += ("Without mixing regularization, mixing more latents at test time does **not** hurt here: E's FID "
                 "falls from 1 to 4 latents, the reverse of the paper's mechanism, so a lower FID for F than for E "
                 "at 4 latents is not the paper's effect. A reason, proposed: at this budget the generators draw "
                 "less variety than the data has, and mixing latents adds some. ")
        text += mixing_mechanism_prose(mechanism) if mechanism else \
            "Not tested yet (`python -m sgan reference --mixing-decomposition` tests it). "
    return text


def mixing_mechanism_prose(rows: Sequence[Mapping[str, Any]]) -> str:
    """The test of Table 2's proposed reason, from ``table2_mechanism.json``'s rows: per generator, how much of
    FID's fall from 1 to 4 latents is the covariance term (variety) and how much the mean term, and whether the
    generated features' total variance rises towards the data's."""
    by = {}
    for r in rows:
        by.setdefault(r["generator"], {})[r["latents"]] = r
    parts, variety = [], []
    for name, k in by.items():
        if 1 not in k or 4 not in k:
            continue
        one, four = k[1], k[4]
        d_mean, d_cov = one["mean_term"] - four["mean_term"], one["covariance_term"] - four["covariance_term"]
        parts.append(f"{name}: FID {one['fid']:.2f} → {four['fid']:.2f}, the mean term {one['mean_term']:.2f} → "
                     f"{four['mean_term']:.2f} and the covariance term {one['covariance_term']:.2f} → "
                     f"{four['covariance_term']:.2f}; the features' total variance {one['trace_generated']:.2f} → "
                     f"{four['trace_generated']:.2f} (the data's {one['trace_data']:.2f})")
        variety.append((name, four["trace_generated"] > one["trace_generated"] and d_cov > 0,
                        d_cov / (d_mean + d_cov) if d_mean + d_cov else math.nan))
    if not parts:
        return ""
    text = "**Tested** (one seed, the zoo's generators, domain features): " + "; ".join(parts) + ". "
    adds = [n.split(" ")[0] for n, yes, _ in variety if yes]
    shares = ", ".join(f"{n.split(' ')[0]} {s:.0%}" for n, _, s in variety)
    mostly = all(s > 0.75 for _, _, s in variety)
    if not adds:
        text += "Mixing does not add variety here: the reason proposed is not borne out."
    elif mostly:
        text += (f"Mixing adds variety in {listing(adds)}, and the covariance term makes most of the fall "
                 f"({shares} of it): the reason proposed holds.")
    else:
        text += (f"Mixing adds variety in {listing(adds)} (the total variance rises, the covariance term falls), "
                 f"but that is only part of the fall ({shares} of it); the rest is the mean term: the mixed images' "
                 "average features lie closer to the data's, which the variety reason alone does not explain.")
    return text + " "


def ppl_prose(rows: Sequence[Mapping[str, Any]]) -> str:
    """PPL end against full in W (``sgan.studies.reference_tables.table3`` rows): the paper's argument needs end < full
    for the style-based configs (W's path length lower at the path ends, §4.1); which configs show it here."""
    below, not_below = [], []
    for r in rows:
        full, end = r["ppl_wfull"], r["ppl_wend"]
        if not full.get("n") or not end.get("n"):
            continue
        item = f"{r['config']} {stat(end, 1)} against {stat(full, 1)}"
        (below if mean(end) < mean(full) else not_below).append((r["config"], item))
    style_not = [c for c, _ in not_below if c in "CDEF"]
    bands = {r["config"]: separate(r["ppl_wend"], r["ppl_wfull"]) for r in rows if r["config"] in "CDEF"}
    text = ("**Path length in W, end against full** (the reference, mean ± std over 3 seeds): end below full for "
            f"{listing([i for _, i in below])}; end at or above full for {listing([i for _, i in not_below])}. ")
    if style_not:
        traditional = [c for c, _ in below if c in "AB"]
        text += (f"The paper's argument needs end below full in W for the style-based generator (§4.1, Table 3); "
                 f"here it does not show for {listing(style_not)}, while "
                 + ("both traditional configs (A and B) have end below full." if len(traditional) == 2 else
                    f"of the traditional configs {listing(traditional, 'neither')} has end below full."))
        apart = [c for c, sep in bands.items() if sep]
        text += (f" For the style-based configs the two seed bands separate for {listing(apart)} only."
                 if apart else " For every style-based config the end–full gap is within the seed-to-seed spread.")
    else:
        text += "Every style-based config has end below full in W, as the paper's argument needs."
    return text



def attributes_prose(study_json: Any, yours: Sequence[Mapping[str, Any]] = ()) -> str:
    """How often the budget study's F and your F draw open eyes and smiles against the data, each number said
    with whose it is (``study_json``: ``results/cpu/budget/attributes.json``; ``yours``: rows of
    ``sgan.studies.ablation_tables.attribute_rows``)."""
    study = _read_json(study_json)
    parts = []
    for row in (study or {}).get("rows", [])[:2]:
        parts.append(f"{row['variant']}: open eyes {row['rate']['eyes_open']:.2f}, smiles "
                     f"{row['rate']['smiling']:.2f} (the budget study, mean over {row['runs']} seeds)")
    data = (study or {}).get("rows", [{}])[0].get("data_rate") if study else None
    text = "**Does G draw the faces?** " + "; ".join(parts)
    if data:
        text += f"; the data: open eyes {data['eyes_open']:.2f}, smiles {data['smiling']:.2f}"
    mine = next((r for r in yours if r.get("config") == "F"), None)
    if mine is not None:
        text += (f". Your F (one run): open eyes / data {mine['eyes_open G / data']}, smiles / data "
                 f"{mine['smiling G / data']}")
    return text + "."
