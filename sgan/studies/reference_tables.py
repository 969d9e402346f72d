"""The paper's Tables 1-4 from the reference runs (``sgan.studies.reference``), mean ± std over seeds, beside the paper.

``collect(root, runs, seeds)`` reads every run's ``results.json`` (``<root>/seed<k>/<run name>``); ``table1`` ...
``table4`` turn them into rows of plain numbers (``{"mean", "std", "n", "values"}`` per measurement), and
``reproduced`` checks each claim of the paper (``CLAIMS``) against them: its direction here and whether the seed
bands separate (the two means differ by more than the sum of their standard deviations).
"""

from __future__ import annotations

import json
import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch

from sgan.atomic import write_json, write_text
from sgan.metrics.features import feature_network
from sgan.metrics.fid import generated_statistics, real_statistics
from sgan.metrics.frechet import frechet_distance
from sgan.metrics.registry import parse_metric_name
from sgan.paths import load_reference, report_dir  # noqa: F401 (sgan.studies.reference_tables' names for them)
from sgan.studies.ablation import read_results, run_name
from sgan.studies.ablation_tables import (
    PAPER_TABLE1,
    PAPER_TABLE1_CHANGES,
    PAPER_TABLE2,
    PAPER_TABLE3,
    PAPER_TABLE4,
    _separability,
    best_fid,
    markdown_table,
)

MIX_LATENTS = (1, 2, 3, 4)  # Table 2's columns: latents mixed at test time
TABLE2_ROWS = (("E 0%", "E", {}), ("50%", "F", {"style_mixing_prob": 0.5}), ("F 90%", "F", {}),
               ("100%", "F", {"style_mixing_prob": 1.0}))
# Table 4: (generator, mapping depth, mixing %, config, overrides, the space its row is read in, as the paper)
TABLE4_ROWS = (
    ("traditional", 0, 0, "B", {}, "z"),
    ("traditional", 8, 0, "B", {"mapping_layers": 8}, "z"),
    ("traditional", 8, 0, "B", {"mapping_layers": 8}, "w"),
    *(("style-based", d, m, c, {"mapping_layers": d} if d != 8 else {}, "z" if d == 0 else "w")
      for m, c in ((0, "E"), (90, "F")) for d in (0, 1, 2, 8)),
)


def collect(root: str | Path, names: Sequence[str], seeds: Sequence[int]) -> dict[str, list[dict[str, Any]]]:
    """``{run name: [results.json of each seed that has one]}`` under ``<root>/seed<k>/<run name>``."""
    out: dict[str, list[dict[str, Any]]] = {}
    for name in names:
        found = [read_results(Path(root) / f"seed{s}" / name) for s in seeds]
        out[name] = [r for r in found if r is not None]
    return out


def stat(values: Sequence[float]) -> dict[str, Any]:
    """``{"mean", "std", "n", "values"}``: the sample standard deviation (n − 1), NaN for fewer than 2."""
    values = [float(v) for v in values]
    mean = statistics.fmean(values) if values else math.nan
    std = statistics.stdev(values) if len(values) > 1 else math.nan
    return {"mean": mean, "std": std, "n": len(values), "values": values}


def fmt(s: dict[str, Any] | None, digits: int = 2) -> str:
    """``"12.34 ± 1.20"`` (``"—"`` when nothing was measured)."""
    if not s or not s["n"]:
        return "—"
    if math.isnan(s["std"]):
        return f"{s['mean']:.{digits}f}"
    return f"{s['mean']:.{digits}f} ± {s['std']:.{digits}f}"


def _metric(result: dict[str, Any], kind: str, space: str | None = None, sampling: str | None = None,
            latents: int = 1) -> float:
    """The value of the run's metric of ``kind`` (whatever its sample count), or NaN."""
    for name, value in result["metrics"].items():
        spec = parse_metric_name(name)
        if (spec.kind, spec.space, spec.sampling, spec.latents) == (kind, space, sampling, latents):
            return float(value)
    return math.nan


MEASURES = {
    "fid_best": lambda r: best_fid(r)[0],
    "fid_final": lambda r: float(r["learning_curve"]["final"]),
    **{f"fid_mix{k}": (lambda r, k=k: _metric(r, "fid", latents=k) if k > 1 else _metric(r, "fid"))
       for k in MIX_LATENTS},
    **{f"ppl_{s}{m}": (lambda r, s=s, m=m: _metric(r, "ppl", s, m)) for s in "zw" for m in ("full", "end")},
    # Table 2's mechanism: how much FID rises from 1 to 4 latents mixed at test time (one generator, final)
    "fid_mix_rise": lambda r: _metric(r, "fid", latents=4) - _metric(r, "fid"),
    "ls_z": lambda r: _separability(r, "z"),
    "ls_w": lambda r: _separability(r, "w"),
}


def measure(results: dict[str, list[dict[str, Any]]], name: str, what: str) -> dict[str, Any]:
    """``stat`` of measurement ``what`` (a key of ``MEASURES``) over the seeds of run ``name``."""
    values = [MEASURES[what](r) for r in results.get(name, [])]
    return stat([v for v in values if not math.isnan(v)])


def table1(results: dict[str, list[dict[str, Any]]]) -> list[dict[str, Any]]:
    """Table 1: FID (best seen during training and final) of A-F, with the paper's FFHQ and CelebA-HQ FID."""
    return [{"config": c, "change": PAPER_TABLE1_CHANGES[c], "fid_best": measure(results, c, "fid_best"),
             "fid_final": measure(results, c, "fid_final"), "paper_ffhq": PAPER_TABLE1[c]["FFHQ"],
             "paper_celeba_hq": PAPER_TABLE1[c]["CelebA-HQ"]} for c in PAPER_TABLE1 if results.get(c)]


def table2(results: dict[str, list[dict[str, Any]]]) -> list[dict[str, Any]]:
    """Table 2: FID with 1-4 latents mixed at test time, per share of training images mixed (E: 0 %, F: 90 %)."""
    rows = []
    for label, config, overrides in TABLE2_ROWS:
        name = run_name(config, overrides)
        if results.get(name):
            rows.append({"mixing": label, "run": name,
                         **{f"fid_mix{k}": measure(results, name, f"fid_mix{k}") for k in MIX_LATENTS},
                         "paper": dict(PAPER_TABLE2[label])})
    return rows


def table3(results: dict[str, list[dict[str, Any]]]) -> list[dict[str, Any]]:
    """Table 3: perceptual path length (full, end) in Z and W and linear separability in Z and W, A-F."""
    paper = {row["config"]: row for row in PAPER_TABLE3 if row["config"]}
    rows = []
    for c in PAPER_TABLE1:
        if results.get(c):
            row = {"config": c, **{k: measure(results, c, k) for k in
                                   ("ppl_zfull", "ppl_zend", "ppl_wfull", "ppl_wend", "ls_z", "ls_w")}}
            p = paper.get(c)
            row["paper"] = {k: p[k] for k in ("space", "ppl_full", "ppl_end", "separability")} if p else None
            rows.append(row)
    return rows


def table4(results: dict[str, list[dict[str, Any]]]) -> list[dict[str, Any]]:
    """Table 4: the mapping network's depth (0, 1, 2, 8), traditional and style-based, with and without mixing:
    FID (best), path length (full, end) in the row's space, separability in Z and W."""
    paper = {(r["generator"].split(" ")[0], r["mapping_layers"], r["space"]): r for r in PAPER_TABLE4}
    rows = []
    for generator, depth, mixing, config, overrides, space in TABLE4_ROWS:
        name = run_name(config, overrides)
        if not results.get(name):
            continue
        p = paper.get((generator, depth, space)) if mixing == (90 if generator == "style-based" else 0) else None
        rows.append({"generator": generator, "mapping_layers": depth, "mixing": mixing, "space": space,
                     "run": name, "fid_best": measure(results, name, "fid_best"),
                     "ppl_full": measure(results, name, f"ppl_{space}full"),
                     "ppl_end": measure(results, name, f"ppl_{space}end"),
                     "ls_z": measure(results, name, "ls_z"), "ls_w": measure(results, name, "ls_w"),
                     "paper": {k: p[k] for k in ("fid", "ppl_full", "ppl_end", "separability")} if p else None})
    return rows


@dataclass(frozen=True)
class Claim:
    """"``lower`` has a lower ``what`` than ``higher``", a statement the paper's tables make."""

    table: str
    statement: str
    what: str  # a key of MEASURES (the same on both sides) or "what_lower/what_higher"
    lower: str  # run name
    higher: str
    paper: str  # the paper's numbers behind it
    explained_by: str = ""  # the controlled experiment that explains a failure here, if there is one
    needs: str = ""  # the statement of the claim that is this one's mechanism: if it fails, this one holds by accident

    def measures(self) -> tuple[str, str]:
        a, _, b = self.what.partition("/")
        return a, b or a


CLAIMS: tuple[Claim, ...] = (
    Claim("1", "B's tuning lowers FID (B < A)", "fid_best", "B", "A", "FFHQ 5.25 < 8.04",
          "results/cpu/b_tuning (three seeds; notebook 02 states its numbers): at 32² the [1,2,1] blur in D costs "
          "FID, while the loss change alone stays within A's seed spread"),
    Claim("1", "mapping network and styles lower FID (C < B)", "fid_best", "C", "B", "FFHQ 4.85 < 5.25"),
    Claim("1", "removing the traditional input does not hurt (D < C)", "fid_best", "D", "C",
          "CelebA-HQ 5.07 < 5.34 (FFHQ 4.88 vs 4.85, equal)"),
    Claim("1", "noise inputs lower FID (E < D)", "fid_best", "E", "D", "FFHQ 4.42 < 4.88"),
    Claim("1", "the style-based generator beats the baseline (F < A)", "fid_best", "F", "A", "FFHQ 4.40 < 8.04",
          "results/cpu/recipe_search and budget (notebook 12 states their numbers): at this budget A's curve falls "
          "faster than F's, and F needs a wider network and a longer run; B's blur (claim 1 above) is inherited "
          "by C-F"),
    Claim("2", "without mixing regularization, more latents at test time hurt (E: 1 < 4 latents)",
          "fid_mix1/fid_mix4", "E", "E", "FFHQ 4.42 < 17.41"),
    Claim("2", "mixing regularization helps with 4 latents at test time (F < E)", "fid_mix4", "F", "E",
          "FFHQ 9.03 < 17.41",
          needs="without mixing regularization, more latents at test time hurt (E: 1 < 4 latents)"),
    Claim("2", "mixing regularization shrinks the cost of mixing (rise from 1 to 4 latents: F < E)", "fid_mix_rise",
          "F", "E", "FFHQ +4.63 < +12.99",
          needs="without mixing regularization, more latents at test time hurt (E: 1 < 4 latents)"),
    Claim("3", "noise inputs shorten the path length in W (E < D)", "ppl_wfull", "E", "D", "200.5 < 446.2"),
    Claim("3", "W of the style-based F is more separable than Z of the traditional B", "ls_w/ls_z", "F", "B",
          "3.79 < 10.78"),
    Claim("4", "a mapping network lowers FID (style-based, mixing: depth 8 < depth 0)", "fid_best", "F",
          "F-mapping_layers=0", "4.40 < 5.06"),
    Claim("4", "a mapping network makes the latent more separable (depth 8 in W < depth 0 in Z)", "ls_w/ls_z",
          "F", "F-mapping_layers=0", "3.79 < 9.88"),
    Claim("4", "with a mapping network, a traditional generator's W is more separable than its Z", "ls_w/ls_z",
          "B-mapping_layers=8", "B-mapping_layers=8", "6.52 < 170.29"),
    Claim("4", "a mapping network lowers a traditional generator's FID (depth 8 < depth 0)", "fid_best",
          "B-mapping_layers=8", "B", "4.87 < 5.25"),
)


def reproduced(results: dict[str, list[dict[str, Any]]] | None, claims: Sequence[Claim] = CLAIMS,
               lookup: Any = None) -> list[dict[str, Any]]:
    """For each claim whose runs were measured: both sides (mean ± std), whether the direction holds here,
    whether the seed bands separate, whether its mechanism holds (a claim that ``needs`` another holds by
    accident when that one fails: Table 2's F < E at 4 latents means nothing if E does not get worse with more
    latents), and the experiment that explains it where it fails. ``lookup(run name, measure)`` gives the
    ``stat`` of a measure (default: ``measure`` over ``results``; ``tables_lookup`` reads a ``tables.json``)."""
    lookup = lookup or (lambda name, what: measure(results, name, what))
    rows = []
    for claim in claims:
        what_lower, what_higher = claim.measures()
        lower, higher = lookup(claim.lower, what_lower), lookup(claim.higher, what_higher)
        if not lower["n"] or not higher["n"]:
            continue
        holds = lower["mean"] < higher["mean"]
        spread = (lower["std"] if lower["n"] > 1 else math.nan) + (higher["std"] if higher["n"] > 1 else math.nan)
        separate = bool(abs(lower["mean"] - higher["mean"]) > spread) if not math.isnan(spread) else None
        premise = next((r for r in rows if r["claim"] == claim.needs), None) if claim.needs else None
        mechanism = holds and (premise is None or premise["holds"])
        rows.append({"table": claim.table, "claim": claim.statement, "paper": claim.paper,
                     "lower": lower, "higher": higher, "holds": holds, "bands_separate": separate,
                     "mechanism": mechanism, "needs": claim.needs,
                     "explained_by": "" if mechanism else (
                         f"its mechanism fails here: {claim.needs} is reversed" if holds else
                         (claim.explained_by or "no controlled experiment yet"))})
    return rows


def tables_lookup(tables: dict[str, Any]) -> Any:
    """``lookup(run name, measure)`` for ``reproduced`` from a ``tables.json`` (``load_reference``), for when the
    runs themselves are gone: every measure the claims use is in the tables, with its per-seed values."""
    found: dict[tuple[str, str], dict[str, Any]] = {}
    for r in tables.get("table1", []):
        found[(r["config"], "fid_best")], found[(r["config"], "fid_final")] = r["fid_best"], r["fid_final"]
    for r in tables.get("table2", []):
        for k in MIX_LATENTS:
            found[(r["run"], f"fid_mix{k}")] = r[f"fid_mix{k}"]
        one, four = r["fid_mix1"]["values"], r["fid_mix4"]["values"]
        if len(one) == len(four):  # the same seeds, in order: the rise per seed
            found[(r["run"], "fid_mix_rise")] = stat([b - a for a, b in zip(one, four, strict=True)])
    for r in tables.get("table3", []):
        for k in ("ppl_zfull", "ppl_zend", "ppl_wfull", "ppl_wend", "ls_z", "ls_w"):
            found[(r["config"], k)] = r[k]
    for r in tables.get("table4", []):
        for k in ("fid_best", "ls_z", "ls_w"):
            found.setdefault((r["run"], k), r[k])
    return lambda name, what: found.get((name, what), stat([]))


def rerender_report(report: str | Path) -> dict[str, Path]:
    """Rebuild the Markdown tables of a report folder and ``tables.json``'s ``reproduced`` from its
    ``tables.json`` alone, for when the runs are not on this machine (``python -m sgan reference
    --from-tables``); returns the paths written."""
    report = Path(report)
    tables = json.loads((report / "tables.json").read_text())
    for row in tables.get("table2", []):  # JSON made the paper's latent counts strings
        row["paper"] = {int(k): v for k, v in row["paper"].items()}
    tables["reproduced"] = reproduced(None, lookup=tables_lookup(tables))
    metric = tables.get("metric", "fid")
    render = {"table1": lambda t: table1_markdown(t, metric), "table2": lambda t: table2_markdown(t, metric),
              "table3": table3_markdown, "table4": table4_markdown, "reproduced": reproduced_markdown}
    paths = {name: write_text(report / f"{name}.md", render[name](tables[name]) + "\n") for name in render
             if tables.get(name)}
    paths["json"] = write_json(report / "tables.json", tables)
    return paths


# ---------------------------------------------------------------------------------------------------------
# Table 2's mechanism, tested: what mixing latents at test time changes in FID
# ---------------------------------------------------------------------------------------------------------
def mixing_decomposition(generators: dict[str, Any], dataset: Any, count: int = 2000, seed: int = 0,
                         latents: Sequence[int] = (1, 4), features: str = "domain") -> list[dict[str, Any]]:
    """Per generator and number of latents mixed at test time: FID split into its mean term ‖μ_r − μ_g‖² and
    its covariance term (the rest), and the generated features' total variance tr Σ_g beside the data's: does
    mixing lower FID by adding variety (tr Σ_g up towards the data's, the covariance term down) or by moving
    the average image (the mean term down)?"""
    device = torch.device("cpu")
    rows = []
    for name, G in generators.items():
        res = G.cfg.resolution
        network = feature_network(features, device, resolution=res)  # the judge that sees this resolution
        mu_r, sigma_r, _, _ = real_statistics(dataset, count, network, res, 64, device, False, None)
        for k in latents:
            mu, sigma = generated_statistics(G, count, network, seed, 64, device, False, latents=k)
            fid = float(frechet_distance(mu_r, sigma_r, mu, sigma))
            mean_term = float(((mu - mu_r) ** 2).sum())
            rows.append({"generator": name, "latents": k, "fid": fid, "mean_term": mean_term,
                         "covariance_term": fid - mean_term, "trace_generated": float(np.trace(sigma)),
                         "trace_data": float(np.trace(sigma_r)), "count": count, "features": network.name})
    return rows


def mixing_decomposition_markdown(rows: Sequence[dict[str, Any]]) -> str:
    return markdown_table([{
        "generator": r["generator"], "latents mixed": str(r["latents"]), "FID": f"{r['fid']:.2f}",
        "mean term": f"{r['mean_term']:.2f}", "covariance term": f"{r['covariance_term']:.2f}",
        "tr Σ generated": f"{r['trace_generated']:.2f}", "tr Σ data": f"{r['trace_data']:.2f}"} for r in rows])


# ---------------------------------------------------------------------------------------------------------
# Markdown
# ---------------------------------------------------------------------------------------------------------
def _paper(value: Any) -> str:
    return "—" if value is None else f"{value:g}"


def table1_markdown(rows: Sequence[dict[str, Any]], metric: str = "fid") -> str:
    return markdown_table([{
        "config": r["config"], "change": r["change"], "seeds": str(r["fid_best"]["n"]),
        f"{metric} best": fmt(r["fid_best"]), f"{metric} final": fmt(r["fid_final"]),
        "paper FFHQ": _paper(r["paper_ffhq"]), "paper CelebA-HQ": _paper(r["paper_celeba_hq"])} for r in rows])


def table2_markdown(rows: Sequence[dict[str, Any]], metric: str = "fid") -> str:
    return markdown_table([{
        "mixing in training": r["mixing"], "seeds": str(r["fid_mix1"]["n"]),
        # every column on the final generator: the mixed columns can only be measured there, so the 1-latent
        # column is the final FID too (Table 1's "best" is another generator, from the learning curve)
        **{f"{metric}, {k} latent{'s' if k > 1 else ''} (final G)": fmt(r[f"fid_mix{k}"]) for k in MIX_LATENTS},
        "paper (1 / 2 / 3 / 4)": " / ".join(_paper(r["paper"][k]) for k in MIX_LATENTS)} for r in rows])


def table3_markdown(rows: Sequence[dict[str, Any]]) -> str:
    def paper(r):
        p = r["paper"]
        return "—" if p is None else (f"{p['space'].upper()}: {p['ppl_full']:g} / {p['ppl_end']:g} / "
                                      f"{p['separability']:g}")

    return markdown_table([{
        "config": r["config"], "seeds": str(r["ppl_wfull"]["n"]),
        "ppl full Z": fmt(r["ppl_zfull"], 1), "ppl end Z": fmt(r["ppl_zend"], 1),
        "ppl full W": fmt(r["ppl_wfull"], 1), "ppl end W": fmt(r["ppl_wend"], 1),
        "separability Z": fmt(r["ls_z"]), "separability W": fmt(r["ls_w"]),
        "paper (space: full / end / separability)": paper(r)} for r in rows])


def table4_markdown(rows: Sequence[dict[str, Any]]) -> str:
    def paper(r):
        p = r["paper"]
        return "—" if p is None else f"{p['fid']:g} / {p['ppl_full']:g} / {p['ppl_end']:g} / {p['separability']:g}"

    return markdown_table([{
        "generator": r["generator"], "mapping depth": str(r["mapping_layers"]), "mixing": f"{r['mixing']}%",
        "space": r["space"].upper(), "seeds": str(r["fid_best"]["n"]), "fid best": fmt(r["fid_best"]),
        "ppl full": fmt(r["ppl_full"], 1), "ppl end": fmt(r["ppl_end"], 1),
        "separability Z": fmt(r["ls_z"]), "separability W": fmt(r["ls_w"]),
        "paper (fid / full / end / separability)": paper(r)} for r in rows])


def reproduced_markdown(rows: Sequence[dict[str, Any]]) -> str:
    def separate(r):
        return "—" if r["bands_separate"] is None else ("yes" if r["bands_separate"] else "no (within noise)")

    return markdown_table([{
        "table": r["table"], "claim": r["claim"], "paper": r["paper"],
        "here (lower / higher side)": f"{fmt(r['lower'])} / {fmt(r['higher'])}",
        "direction": "as the paper" if r["holds"] else "reversed",
        "mechanism": ("as the paper" if r.get("mechanism", r["holds"]) else
                      "reversed" if not r["holds"] else "not reproduced (direction by accident)"),
        "seed bands separate": separate(r),
        "explained by": r["explained_by"] or "—"} for r in rows])


# ---------------------------------------------------------------------------------------------------------
# A learner's run against the reference
# ---------------------------------------------------------------------------------------------------------
def compare_to_reference(reference_table1: Sequence[dict[str, Any]], results: Sequence[dict[str, Any]],
                         what: str = "fid_best") -> list[dict[str, Any]]:
    """Per config of the learner's ``results`` (``run_ablation`` dicts) that the reference has: the learner's
    ``what`` (``fid_best`` or ``fid_final``), the reference's mean and std over seeds, how many stds away the
    learner's run lies (``z``), and whether it lies inside the reference's ± 2 std band."""
    reference = {row["config"]: row[what] for row in reference_table1}
    rows = []
    for result in results:
        ref = reference.get(result["config"]) if not result.get("overrides") else None
        if ref is None or not ref["n"]:
            continue
        yours = MEASURES[what](result)
        z = (yours - ref["mean"]) / ref["std"] if ref["n"] > 1 and ref["std"] > 0 else math.nan
        rows.append({"config": result["config"], "yours": yours, "reference_mean": ref["mean"],
                     "reference_std": ref["std"], "reference_seeds": ref["n"], "z": z,
                     "inside_2_std": bool(abs(z) <= 2) if not math.isnan(z) else None})
    return rows


def comparison_markdown(rows: Sequence[dict[str, Any]], metric: str = "fid") -> str:
    return markdown_table([{
        "config": r["config"], f"your {metric}": f"{r['yours']:.2f}",
        "reference (mean ± std)": f"{r['reference_mean']:.2f} ± {r['reference_std']:.2f}",
        "seeds": str(r["reference_seeds"]), "stds from the mean": f"{r['z']:+.1f}",
        "inside ± 2 std": {True: "yes", False: "no", None: "—"}[r["inside_2_std"]]} for r in rows])


# ---------------------------------------------------------------------------------------------------------
# What a switch bought: one config against the one before it (notebooks 02-06)
# ---------------------------------------------------------------------------------------------------------
PREVIOUS = {"B": "A", "C": "B", "D": "C", "E": "D", "F": "E"}
_SPACE = {"A": "z", "B": "z", "C": "w", "D": "w", "E": "w", "F": "w"}  # the paper's space for Table 3


def _switch_measures(config: str) -> list[tuple[str, str, str]]:
    """(label, measure of the previous config, measure of this one): FID, and path length and separability in
    each config's own space (Z for the traditional A and B, W for C-F, as the paper's Table 3)."""
    before, after = _SPACE[PREVIOUS[config]], _SPACE[config]
    return [("FID (best)", "fid_best", "fid_best"),
            (f"path length, full ({before.upper()} → {after.upper()})", f"ppl_{before}full", f"ppl_{after}full"),
            (f"separability ({before.upper()} → {after.upper()})", f"ls_{before}", f"ls_{after}")]


def _paper_value(config: str, measure: str) -> float | None:
    if measure == "fid_best":
        return PAPER_TABLE1[config]["FFHQ"]
    row = next((r for r in PAPER_TABLE3 if r["config"] == config), None)
    if row is None:
        return None
    return row["separability"] if measure.startswith("ls") else row["ppl_full"]


def switch_rows(config: str, reference: dict[str, Any] | None, yours: dict[str, dict[str, Any]] | None = None
                ) -> list[dict[str, Any]]:
    """What ``config``'s switch bought over the config before it (B over A, ..., F over E), per measure: the
    reference runs' mean ± std of both (``reference``: ``load_reference``'s tables, or None), whether their seed
    bands separate, the paper's two numbers, and the learner's own two runs (``yours``: ``{config: results}``)."""
    if config not in PREVIOUS:
        raise ValueError(f"config {config!r} has no config before it: choose one of {', '.join(PREVIOUS)}.")
    prev = PREVIOUS[config]
    ref = {}
    if reference is not None:
        t1 = {r["config"]: r for r in reference["table1"]}
        t3 = {r["config"]: r for r in reference["table3"]}
        ref = {c: {**({"fid_best": t1[c]["fid_best"]} if c in t1 else {}), **t3.get(c, {})} for c in (prev, config)}
    rows = []
    for label, m_prev, m_this in _switch_measures(config):
        a, b = ref.get(prev, {}).get(m_prev), ref.get(config, {}).get(m_this)
        spread = (a["std"] + b["std"]) if a and b and a["n"] > 1 and b["n"] > 1 else math.nan
        mine = [MEASURES[m](yours[c][0]) if yours and yours.get(c) else math.nan
                for c, m in ((prev, m_prev), (config, m_this))]
        rows.append({"measure": label, "previous": prev, "config": config, "reference_previous": a,
                     "reference_this": b, "change": (b["mean"] - a["mean"]) if a and b else math.nan,
                     "bands_separate": bool(abs(b["mean"] - a["mean"]) > spread) if not math.isnan(spread) else None,
                     "paper_previous": _paper_value(prev, m_prev), "paper_this": _paper_value(config, m_this),
                     "yours_previous": mine[0], "yours_this": mine[1]})
    return rows


def switch_markdown(rows: Sequence[dict[str, Any]]) -> str:
    def pair(a, b, digits=2):
        return "—" if any(x is None or (isinstance(x, float) and math.isnan(x)) for x in (a, b)) else \
            f"{a:.{digits}f} → {b:.{digits}f}"

    out = []
    for r in rows:
        prev, this = r["previous"], r["config"]
        change = "—" if math.isnan(r["change"]) else f"{r['change']:+.2f}"
        separate = {True: "yes", False: "no (within noise)", None: "—"}[r["bands_separate"]]
        out.append({"measure": r["measure"],
                    f"reference {prev} → {this} (mean ± std)": f"{fmt(r['reference_previous'])} → "
                                                             f"{fmt(r['reference_this'])}",
                    "change": change, "seed bands separate": separate,
                    f"your {prev} → {this}": pair(r["yours_previous"], r["yours_this"]),
                    f"paper {prev} → {this}": pair(r["paper_previous"], r["paper_this"])})
    return markdown_table(out)


def switch_report(config: str, profile: str, runs_dir: str | Path) -> str:
    """The Markdown of a config notebook's "what did this switch buy" cell: ``switch_rows`` from the committed
    reference of ``profile`` and the learner's results in ``runs_dir``, with a line saying what is missing."""
    reference = load_reference(report_dir(profile))
    yours = {c: [r] for c in (PREVIOUS[config], config) if (r := read_results(Path(runs_dir) / c)) is not None}
    notes = []
    if reference is None:
        notes.append(f"no reference results for profile {profile!r} (`python -m sgan reference --profile "
                     f"{profile}` makes them; the cpu profile's are committed)")
    if len(yours) < 2:
        notes.append(f"no measured runs of yours for {PREVIOUS[config]} and {config} yet (`make course`, or "
                     "notebook 11 for each, measures them)")
    table = switch_markdown(switch_rows(config, reference, yours))
    text = "; ".join(notes)
    return table + (f"\n\n{text[:1].upper()}{text[1:]}." if notes else "")
