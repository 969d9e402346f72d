"""The long study (issue 25): does the style-based generator overtake the baseline when trained longer?

``python -m sgan reference --study long`` trains A-F at the ``cpu-long`` profile (the cpu profile's recipe with
64/64/64/32 channels, to 192 kimg; only the paper's switches differ between configs) and writes the usual tables
to ``results/cpu-long/`` (``sgan.studies.reference.write_report``). This module adds what the question needs
(``write_long_report``):

* ``long.md`` / ``long.json``: Table 1 at the long budget with the facial attributes (``attrs2k``: the mean gap
  between how often G draws each facial feature and how often the data has it; the open-eyes rate of G's faces
  against the data's), where F's learning curve crosses A's, whether each curve still falls at the end
  (``late_trend``), and "what reproduced" at both budgets, claim by
  claim, with whether the order changed with budget; the controlled variants of F (one switch set back each,
  ``sgan.studies.reference.LONG_VARIANTS``) against A and F; issue 28's disentanglement scores of F in W, W+ and Z
  against B in Z (``sgan.editing.compare_spaces``) at this budget;
* ``curves_abf.png``: the learning curves of A, B and F (FID against kimg and against minutes, a band over
  seeds), with F's crossings of A marked;
* ``samples.png``: a row of real faces, then one row per config (its first seed's final G_ema).

Tables are rebuilt from whatever runs exist, with the seed count on every row, so they can be committed as runs
finish.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from sgan.atomic import write_json, write_text
from sgan.config import make_config
from sgan.editing import compare_spaces, data_reading_spread
from sgan.metrics.domain_net import load_domain_net
from sgan.metrics.registry import parse_metric_name
from sgan.studies import reference_tables as rt
from sgan.studies.ablation import read_results
from sgan.studies.ablation_tables import markdown_table
from sgan.studies.render import listing
from sgan.training.checkpoint import load_generator
from sgan.viz import curves, plots
from sgan.viz.curves import curve_band

CONFIGS = "ABCDEF"
CURVE_CONFIGS = "ABF"


def _attrs(result: dict[str, Any]) -> dict[str, Any] | None:
    """The run's ``attrs`` detail (whatever its sample count), or None."""
    for name, detail in result.get("details", {}).items():
        if parse_metric_name(name).kind == "attrs":
            return {"name": name, **detail}
    return None


def table1_long(results: dict[str, list[dict[str, Any]]]) -> list[dict[str, Any]]:
    """Per config with runs: FID best and final, ``attrs`` and the open-eyes rate in G's faces (each
    ``rt.stat`` over the seeds), and the data's open-eyes rate."""
    rows = []
    for c in CONFIGS:
        runs = results.get(c, [])
        if not runs:
            continue
        attrs = [a for a in (_attrs(r) for r in runs) if a is not None]
        rows.append({
            "config": c, "change": rt.PAPER_TABLE1_CHANGES[c],
            "fid_best": rt.measure(results, c, "fid_best"), "fid_final": rt.measure(results, c, "fid_final"),
            "attrs_metric": attrs[0]["name"] if attrs else "attrs",
            "attrs": rt.stat([a["value"] for a in attrs]),
            "eyes_open": rt.stat([a["fake"]["eyes_open"]["rate"] for a in attrs]),
            "eyes_open_data": attrs[0]["real"]["eyes_open"]["rate"] if attrs else math.nan,
        })
    return rows


def table1_long_markdown(rows: Sequence[dict[str, Any]], metric: str) -> str:
    attrs = next((r["attrs_metric"] for r in rows), "attrs")
    return markdown_table([{
        "config": r["config"], "change": r["change"], "seeds": str(r["fid_best"]["n"]),
        f"{metric} best": rt.fmt(r["fid_best"]), f"{metric} final": rt.fmt(r["fid_final"]),
        attrs: rt.fmt(r["attrs"]),
        "open eyes, G / data": f"{rt.fmt(r['eyes_open'])} / {r['eyes_open_data']:.2f}"} for r in rows])


def crossings(kimg_a: np.ndarray, fid_a: np.ndarray, kimg_b: np.ndarray, fid_b: np.ndarray) -> list[dict[str, Any]]:
    """Where curve B crosses curve A: B's curve is compared with A's interpolated at B's points (on their common
    kimg range); each sign change of ``B − A`` is a crossing at the interpolated kimg where the difference is 0,
    ``"below"`` when B goes under A there, ``"above"`` when it goes back over."""
    lo, hi = max(kimg_a[0], kimg_b[0]), min(kimg_a[-1], kimg_b[-1])
    keep = (kimg_b >= lo) & (kimg_b <= hi)
    x, d = kimg_b[keep], fid_b[keep] - np.interp(kimg_b[keep], kimg_a, fid_a)  # [points]
    out = []
    for i in range(1, len(x)):
        if d[i - 1] == 0 or np.sign(d[i]) == np.sign(d[i - 1]):
            continue
        # linear interpolation of the difference: 0 at x0 + (x1 − x0) · d0 / (d0 − d1)
        at = x[i - 1] + (x[i] - x[i - 1]) * d[i - 1] / (d[i - 1] - d[i])
        out.append({"kimg": float(at), "direction": "below" if d[i] < 0 else "above"})
    return out


def crossing_summary(found: Sequence[dict[str, Any]], final_below: bool | None, a: str = "A", b: str = "F") -> str:
    """One sentence on where ``b``'s mean curve crosses ``a``'s (``crossings``), computed, never typed."""
    if final_below is None:
        return f"{b} or {a} has no finished run yet: no curves to compare."
    if not found:
        return (f"{b}'s mean curve stays {'below' if final_below else 'above'} {a}'s over the whole common range: "
                "they never cross.")
    parts = ", ".join(f"{c['direction']} at {c['kimg']:.1f} kimg" for c in found)
    last = found[-1]
    end = (f"{b} ends below {a}, from {last['kimg']:.1f} kimg on" if final_below
           else f"{b} ends above {a}")
    return f"{b}'s mean curve crosses {a}'s {len(found)} time{'s' if len(found) > 1 else ''} ({parts}); {end}."


def mean_curve(run_dirs: Sequence[Path]) -> dict[str, np.ndarray] | None:
    """``sgan.viz.curves.curve_band`` of the runs (None when there are none)."""
    return curve_band(run_dirs) if run_dirs else None


def late_trend(curve: dict[str, np.ndarray]) -> dict[str, float]:
    """Whether a mean curve (``mean_curve``) is still falling at its end: the mean FID of the ticks in the last
    quarter of its kimg against the third quarter's, and the last quarter's tick-to-tick spread (sample std);
    ``falling`` when the last quarter is lower by more than that spread."""
    kimg, fid = curve["kimg"], curve["fid"]
    end = kimg[-1]
    third = fid[(kimg > end / 2) & (kimg <= 3 * end / 4)]
    last = fid[kimg > 3 * end / 4]
    if len(third) < 2 or len(last) < 2:
        return {"third": math.nan, "last": math.nan, "spread": math.nan, "falling": False}
    third_mean, last_mean, spread = float(third.mean()), float(last.mean()), float(last.std(ddof=1))
    return {"third": third_mean, "last": last_mean, "spread": spread, "falling": third_mean - last_mean > spread}


def late_trend_sentence(trends: dict[str, dict[str, float]], kimg: float) -> str:
    """One sentence per config on whether its curve still falls at the end of the budget, computed."""
    parts = []
    for c, t in trends.items():
        if math.isnan(t["last"]):
            continue
        verdict = "still falling" if t["falling"] else "flat within its tick-to-tick noise"
        parts.append(f"{c}: mean FID {t['third']:.2f} over the third quarter of the budget, {t['last']:.2f} over the "
                     f"last (ticks spread ± {t['spread']:.2f}): {verdict}")
    if not parts:
        return "No curve is long enough to tell whether it still falls."
    return f"At the end of the {kimg:g}-kimg budget, " + "; ".join(parts) + "."


def budget_reproduced(long_rows: Sequence[dict[str, Any]], short_rows: Sequence[dict[str, Any]]
                      ) -> list[dict[str, Any]]:
    """Each claim measured at both budgets (``rt.reproduced`` rows of the long study and of the 30-kimg
    reference): its direction and band separation at each, and whether the order changed with budget."""
    short = {r["claim"]: r for r in short_rows}
    rows = []
    for r in long_rows:
        s = short.get(r["claim"])
        if s is None:
            continue
        rows.append({"table": r["table"], "claim": r["claim"], "paper": r["paper"], "short": s, "long": r,
                     "order_changed": s["holds"] != r["holds"]})
    return rows


def budget_reproduced_markdown(rows: Sequence[dict[str, Any]], short_kimg: float, long_kimg: float) -> str:
    def side(r: dict[str, Any]) -> str:
        sep = {True: "bands separate", False: "within noise", None: "one seed"}[r["bands_separate"]]
        where = "as the paper" if r["holds"] else "reversed"
        return f"{rt.fmt(r['lower'])} / {rt.fmt(r['higher'])}: {where} ({sep})"

    return markdown_table([{
        "table": r["table"], "claim": r["claim"], "paper": r["paper"],
        f"{short_kimg:g} kimg (lower / higher side)": side(r["short"]),
        f"{long_kimg:g} kimg (lower / higher side)": side(r["long"]),
        "order changed with budget": "yes" if r["order_changed"] else "no"} for r in rows])


def samples_rows(root: Path, seeds: Sequence[int], dataset: Any, n: int = 8) -> dict[str, np.ndarray]:
    """``{label: uint8 [n, r, r, 3]}``: ``n`` real faces, then per config its first finished seed's G_ema at
    latent seeds 0..n-1 (``sgan.viz.plots.samples``: no truncation, fixed noise)."""
    rows = {"real faces": plots.to_uint8(dataset.batch(np.arange(n), mirror=False))}  # [n, r, r, 3]
    for c in CONFIGS:
        done = [s for s in seeds if read_results(root / f"seed{s}" / c) is not None]
        if done:
            G = load_generator(root / f"seed{done[0]}" / c)
            rows[f"{c} (seed {done[0]})"] = plots.to_uint8(plots.samples(G, range(n)))  # [n, r, r, 3]
    return rows


def variants_table(root: Path, seeds: Sequence[int], variants: Sequence[str]) -> list[dict[str, Any]]:
    """A, F and each controlled variant of F (run names, ``sgan.studies.reference.LONG_VARIANTS``) with a finished run:
    FID best and final over the seeds found, and how far each one's mean best FID lies from F's (negative: the
    switch set back lowers FID)."""
    names = ["A", "F", *variants]
    results = rt.collect(root, names, seeds)
    f_best = rt.measure(results, "F", "fid_best")["mean"]
    rows = []
    for name in names:
        if not results.get(name):
            continue
        best = rt.measure(results, name, "fid_best")
        rows.append({"run": name, "fid_best": best, "fid_final": rt.measure(results, name, "fid_final"),
                     "minus_F": best["mean"] - f_best})
    return rows


def variants_markdown(rows: Sequence[dict[str, Any]], metric: str) -> str:
    return markdown_table([{
        "run": r["run"], "seeds": str(r["fid_best"]["n"]), f"{metric} best": rt.fmt(r["fid_best"]),
        f"{metric} final": rt.fmt(r["fid_final"]),
        "best − F's": "—" if math.isnan(r["minus_F"]) or r["run"] == "F" else f"{r['minus_F']:+.2f}"} for r in rows])


def space_scores(root: Path, seed: int = 0, fit_images: int = 2000, edit_images: int = 256) -> dict[str, float] | None:
    """Issue 28's disentanglement scores at the long budget (``sgan.editing.compare_spaces``; lower is cleaner):
    ``{"F-w", "F-w+", "F-z", "B-z"}`` from the runs of F and B with ``seed``, None until both have finished."""
    dirs = {c: root / f"seed{seed}" / c for c in "FB"}
    if any(read_results(d) is None for d in dirs.values()):
        return None
    G_f, G_b = (load_generator(dirs[c]) for c in "FB")
    judge = load_domain_net(resolution=G_f.cfg.resolution)  # the judge that sees G's resolution
    spread = data_reading_spread(judge, G_f.cfg.resolution)
    comparison = compare_spaces(G_f, G_b, judge, spread, fit_images, edit_images, seed=seed)
    return {f"{g}-{s}": score for (g, s), score in comparison.scores.items()}


def space_scores_sentence(scores: dict[str, float] | None, missing: Sequence[str] = ("F", "B")) -> str:
    """The scores, and whether W of F is cleaner than Z of B (the paper's claim), computed; ``missing``: the
    configs without a finished seed-0 run (named when there are no scores)."""
    if scores is None:
        return f"{' and '.join(missing)} {'has' if len(missing) == 1 else 'have'} no finished seed-0 run yet: no " \
               "disentanglement scores (they need F and B)."
    listed = ", ".join(f"{k[0]} in {k[2:].upper()} {v:.3f}" for k, v in scores.items())  # "F-w+" -> "F in W+"
    verdict = ("cleaner than" if scores["F-w"] < scores["B-z"] else "not cleaner than")
    return (f"Disentanglement scores (sgan.editing, lower is cleaner; seed 0): {listed}. F's W is {verdict} the "
            "traditional B's Z at this budget.")


def write_long_report(root: str | Path, seeds: Sequence[int], out: str | Path, short_report: str | Path,
                      dataset: Any = None, scores: bool = True, variants: Sequence[str] = ()) -> dict[str, Path]:
    """``long.md``, ``long.json``, ``curves_abf.png`` and (with ``dataset``) ``samples.png`` in ``out`` from the
    runs under ``root``, beside the 30-kimg reference in ``short_report`` (its ``tables.json``); ``scores``: also
    the disentanglement scores of F and B (``space_scores``, a few minutes); ``variants``: the run names of the
    controlled variants of F (``variants_table``)."""
    root, out = Path(root), Path(out)
    results = rt.collect(root, list(CONFIGS), seeds)
    metric = next((r[0]["learning_curve"]["metric"] for r in results.values() if r), "fid")
    table1 = table1_long(results)
    dirs = {c: [root / f"seed{s}" / c for s in seeds if any(r["seed"] == s for r in results.get(c, []))]
            for c in CURVE_CONFIGS}
    a, f = mean_curve(dirs["A"]), mean_curve(dirs["F"])
    found = crossings(a["kimg"], a["fid"], f["kimg"], f["fid"]) if a and f else []
    trends = {c: late_trend(mean_curve(d)) for c, d in dirs.items() if d}
    final_below = bool(f["fid"][-1] < a["fid"][-1]) if a and f else None
    short = rt.load_reference(short_report) or {"reproduced": []}
    budget = budget_reproduced(rt.reproduced(results), short["reproduced"])
    short_kimg = make_config("A", "cpu").train.total_kimg  # the committed reference's budget
    long_kimg = max((r["kimg"] for runs in results.values() for r in runs), default=math.nan)
    variant_rows = variants_table(root, seeds, variants)
    spaces = space_scores(root, seeds[0]) if scores else None
    unfinished = [c for c in "FB" if not any(r["seed"] == seeds[0] for r in results.get(c, []))]
    text = "\n\n".join([
        f"Table 1 at the long budget ({long_kimg:g} kimg), mean ± std over the seeds found:",
        table1_long_markdown(table1, metric),
        "Learning curves of A and F: " + crossing_summary(found, final_below),
        late_trend_sentence(trends, long_kimg),
        "What reproduced at each budget (the 30-kimg side is the committed reference, results/cpu):",
        budget_reproduced_markdown(budget, short_kimg, long_kimg) if budget else "(no claim measured at both)",
        "Controlled variants (issue 25): F with one switch set back, against A and F:",
        variants_markdown(variant_rows, metric) if len(variant_rows) > 2 else "(no variant finished yet)",
        space_scores_sentence(spaces, unfinished),
    ])
    paths = {"long_markdown": write_text(out / "long.md", text + "\n"),
             "long_json": write_json(out / "long.json", {
                 "seeds": list(seeds), "metric": metric, "table1": table1, "crossings_F_A": found,
                 "F_ends_below_A": final_below, "reproduced_by_budget": budget,
                 "late_trend": trends, "variants": variant_rows, "space_scores": spaces})}
    groups = {c: d for c, d in dirs.items() if d}
    if groups:
        fig = curves.learning_curves_figure(groups, title=f"{listing(list(groups))} to {long_kimg:g} kimg")
        for i, c in enumerate(found):  # the sentence in long.md says which way each crossing goes
            fig.axes[0].axvline(c["kimg"], color="black", ls=":", lw=1, label="F crosses A" if i == 0 else None)
        if found:
            fig.axes[0].legend(fontsize=8)
        paths["curves_abf"] = out / "curves_abf.png"
        fig.savefig(paths["curves_abf"], dpi=120)
    if dataset is not None:
        paths["samples"] = out / "samples.png"
        plots.labelled_rows_figure(samples_rows(root, seeds, dataset)).savefig(paths["samples"], dpi=120)
    return paths
