"""Studies: several variants of a config, each trained with several seeds, compared by their learning curves.

A *variant* is a paper config plus ``make_config`` overrides (``Variant("A + blur in G", "A", {...})``); a
*study* is a named list of variants (``STUDIES``). ``run_study`` trains every (variant, seed) with
``sgan.studies.ablation.ensure_trained`` (resuming or reusing what is done), ``jobs`` at a time in separate processes
of one thread each, and ``study_rows`` reads back each run's learning curve (the FID of every tick,
``TrainConfig.tick_fid_samples``) into mean ± standard deviation over seeds:

    python -m sgan sweep b_tuning --profile cpu --seeds 0,1,2     # config B's tuning taken apart
    python -m sgan sweep recipe --profile cpu --seeds 0            # the cpu profile's recipe search

writes ``runs/studies/<profile>/<study>/`` with one folder per seed, ``table.md`` / ``table.json`` and the
figure ``curves.png`` (FID against kimg and against training minutes, a band over seeds); ``--spectra`` adds
``spectra.md`` / ``.json`` / ``.png``: how much fine detail each variant's G draws and its D looks at
(``sgan.studies.spectrum``); ``--attributes`` adds ``attributes.md`` / ``.json`` (does each variant's final G draw the
facial features as often as the data has them: ``sgan.metrics.attributes``) and ``samples.png`` (a row of its
faces under a row of real ones).

The studies:

* ``b_tuning``: config B's "tuning" (Table 1) taken apart: A; A with the [1,2,1] blur in G only, in D only, in
  both (B with A's WGAN-GP loss); A with the non-saturating loss + R1 (B with A's nearest/box resampling); B.
* ``configs``: A–F as they are at the profile, for the course's learning-curve figure.
* ``recipe``: the cpu profile's R1 weight (γ = 1) against the paper's (γ = 10), config F, three seeds;
* ``recipe_search``: the sizes, budgets and hyperparameters tried for the cpu profile (config F, one seed
  each), as recorded next to the profile in ``sgan/config.py``.
* ``budget``: how long F must train to reach fid2k 12: F as the course trains it, and with 64/64/64/32 channels
  on to 192 kimg (``--attributes`` adds whether each draws eyes, mouths and glasses, and its samples).
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch

from sgan.atomic import write_json, write_text
from sgan.config import PRESETS
from sgan.env import DATA_ENV
from sgan.metrics import compute_metric
from sgan.metrics.attributes import FACIAL
from sgan.metrics.registry import metric_name
from sgan.profiles import check_profile
from sgan.sample import parse_seeds as parse
from sgan.studies.ablation import (
    data_root,
    ensure_trained,
    learning_curve,
    load_data,
    repo_root,
    resolve_config,
    run_name,
    runs_root,
    saved_config,
)
from sgan.studies.ablation_tables import markdown_table
from sgan.studies.reference_tables import stat
from sgan.studies.spectrum import run_spectra
from sgan.training.checkpoint import load_generator
from sgan.training.parallel import JobsStopped, run_jobs
from sgan.training.rundir import RunDir
from sgan.viz import curves, plots


@dataclass(frozen=True)
class Variant:
    """One arm of a study: a paper config and the ``make_config`` overrides that make it."""

    label: str
    config: str
    overrides: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.config not in PRESETS:
            raise ValueError(f"Variant {self.label!r}: unknown config {self.config!r}; choose one of "
                             f"{', '.join(PRESETS)}.")


_OLD = {"r1_gamma": 10.0}  # the cpu profile before the recipe search: R1 at the paper's weight

STUDIES: dict[str, tuple[Variant, ...]] = {
    "b_tuning": (
        Variant("A", "A"),
        Variant("A + blur in G", "B", {"loss": "wgan_gp", "blur_in": "G"}),
        Variant("A + blur in D", "B", {"loss": "wgan_gp", "blur_in": "D"}),
        Variant("A + blur in G and D", "B", {"loss": "wgan_gp"}),
        Variant("A + NS loss + R1", "B", {"resample": "nearest"}),
        Variant("B", "B"),
    ),
    "configs": tuple(Variant(c, c) for c in PRESETS),
    # the cpu profile's R1 weight against the paper's, config F, on to 36 kimg (the course stops at 30)
    "recipe": (
        Variant("F, R1 γ 1 (the cpu profile)", "F", {"total_kimg": 36.0}),
        Variant("F, R1 γ 10 (the paper's)", "F", {"total_kimg": 36.0, "r1_gamma": 10.0}),
    ),
    # the search that led to the cpu profile (seed 0 each; sgan/config.py quotes it beside the profile)
    "recipe_search": (
        Variant("F, γ 10, 64/64/32/16 ch (the old profile)", "F", {**_OLD, "total_kimg": 54.0}),
        Variant("F, γ 10, lr 0.001", "F", {**_OLD, "total_kimg": 36.0, "learning_rates": ((8, 0.001),)}),
        Variant("F, γ 10, EMA half-life 3 kimg", "F", {**_OLD, "total_kimg": 36.0, "ema_kimg": 3.0}),
        Variant("F, γ 10, EMA half-life 6 kimg", "F", {**_OLD, "total_kimg": 36.0, "ema_kimg": 6.0}),
        Variant("F, γ 10, grown from 16²", "F", {**_OLD, "total_kimg": 36.0, "start_resolution": 16}),
        Variant("F, γ 10, no growing (32² from the start)", "F",
                {**_OLD, "total_kimg": 36.0, "start_resolution": 32}),
        Variant("F, γ 10, 64² (8 ch at 64²)", "F",
                {**_OLD, "total_kimg": 30.0, "resolution": 64, "batch_sizes": ((8, 16), (16, 16), (32, 16), (64, 16))}),
        Variant("F, γ 10, 64/64/64/32 ch", "F", {**_OLD, "total_kimg": 72.0, "fmap_base": 512}),
        Variant("F, γ 0.01", "F", {"total_kimg": 36.0, "r1_gamma": 0.01}),
        Variant("F, γ 0.1", "F", {"total_kimg": 36.0, "r1_gamma": 0.1}),
        Variant("F, γ 0.3", "F", {"total_kimg": 36.0, "r1_gamma": 0.3}),
        Variant("F, γ 1, on to 72 kimg", "F", {"total_kimg": 72.0}),
        Variant("F, γ 3", "F", {"total_kimg": 36.0, "r1_gamma": 3.0}),
        Variant("F, γ 1, minibatch 8", "F", {"total_kimg": 36.0, "batch_sizes": ((8, 8), (16, 8), (32, 8))}),
        Variant("F, γ 1, 64/64/64/32 ch, on to 72 kimg", "F", {"total_kimg": 72.0, "fmap_base": 512}),
        Variant("F, γ 10, B's blur removed (not F)", "F", {**_OLD, "total_kimg": 36.0, "resample": "nearest"}),
        Variant("A, 36 kimg", "A", {**_OLD, "total_kimg": 36.0}),
        Variant("F, γ 1, no growing, on to 72 kimg", "F", {"total_kimg": 72.0, "start_resolution": 32}),
        Variant("F, γ 1, 64/64/64/32 ch, no growing, on to 96 kimg", "F",
                {"total_kimg": 96.0, "fmap_base": 512, "start_resolution": 32}),
    ),
    # what budget F needs to reach issue 13's target (fid2k <= 12): the cpu profile as the course trains it,
    # and with the wider network (the only width that came near 12 in recipe_search) on to 192 kimg
    "budget": (
        Variant("F, the cpu profile (the course: 64/64/32/16 ch, 30 kimg)", "F"),
        Variant("F, 64/64/64/32 ch, on to 192 kimg", "F", {"total_kimg": 192.0, "fmap_base": 512}),
        Variant("F, 64/64/64/32 ch, the paper's lr 0.001 and EMA half-life 10 kimg, on to 144 kimg", "F",
                {"total_kimg": 144.0, "fmap_base": 512, "learning_rates": ((8, 0.001),), "ema_kimg": 10.0}),
    ),
}


def study_dir(study: str, profile: str, out_dir: str | Path | None = None) -> Path:
    """``<out_dir>/<profile>/<study>``; ``out_dir`` defaults to ``runs/studies`` (``ablation.runs_root``)."""
    return Path(out_dir or runs_root() / "studies") / profile / study


def results_dir(study: str, profile: str) -> Path:
    """Where a study's committed tables and figures live: ``<repository>/results/<profile>/<study>``."""
    return (repo_root() or Path.cwd()) / "results" / profile / study


def run_dir(root: Path, variant: Variant, seed: int) -> Path:
    """Where the run of ``variant`` with ``seed`` lives: ``<root>/seed<k>/<run name>``."""
    return Path(root) / f"seed{seed}" / run_name(variant.config, variant.overrides)


def resolve_study(study: str | Sequence[Variant]) -> tuple[Variant, ...]:
    """A study by name (``STUDIES``) or a list of variants as given."""
    if isinstance(study, str):
        if study not in STUDIES:
            raise ValueError(f"Unknown study {study!r}: choose one of {', '.join(STUDIES)}, or pass variants.")
        return STUDIES[study]
    variants = tuple(study)
    if not variants or not all(isinstance(v, Variant) for v in variants):
        raise ValueError("A study is a name from STUDIES or a non-empty list of sgan.studies.sweep.Variant.")
    return variants


def _train_one(job: tuple[Variant, int, str, str]) -> str:
    """Worker: one (variant, seed) trained to the end on one thread (a fresh process each)."""
    variant, seed, profile, root = job
    torch.set_num_threads(1)
    out = Path(root) / f"seed{seed}"
    return str(ensure_trained(variant.config, profile, seed=seed, out_dir=out, overrides=variant.overrides,
                              progress=False))


def run_study(study: str | Sequence[Variant], profile: str = "cpu", seeds: Sequence[int] = (0, 1, 2),
              out_dir: str | Path | None = None, jobs: int = 2, name: str | None = None) -> Path:
    """Train every (variant, seed) of ``study`` at ``profile``, ``jobs`` at a time; returns the study folder.

    Complete runs are reused and interrupted ones resumed (``ensure_trained``); the seeds' runs go to
    ``<study folder>/seed<k>/``. Prints one line per finished run and the total time.
    """
    variants = resolve_study(study)
    check_profile(profile)
    if not seeds:
        raise ValueError("seeds must name at least one seed, e.g. (0, 1, 2).")
    if jobs < 1:
        raise ValueError(f"jobs={jobs}: run at least one training at a time.")
    label = name or (study if isinstance(study, str) else "custom")
    root = study_dir(label, profile, out_dir)
    for v in variants:  # every config resolves before anything trains (a typo fails at once)
        resolve_config(v.config, profile, 0, v.overrides)
    load_data(resolve_config(variants[0].config, profile))  # the data cache, built once before the workers
    todo = [(v, s, profile, str(root)) for s in seeds for v in variants]
    start = time.perf_counter()
    print(f"sgan study {label!r} at profile {profile!r}: {len(variants)} variants × {len(seeds)} seeds, "
          f"{jobs} at a time, in {root}", flush=True)
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    os.environ.setdefault(DATA_ENV, str(data_root()))
    for (variant, seed, _, _), path in zip(todo, run_jobs(_train_one, todo, jobs), strict=True):
        print(f"  done: {variant.label}, seed {seed} -> {path} "
              f"({(time.perf_counter() - start) / 60:.1f} min)", flush=True)
    print(f"sgan study {label!r}: {len(todo)} runs in {(time.perf_counter() - start) / 60:.1f} min", flush=True)
    return root


def finished_seeds(root: Path, variant: Variant, seeds: Sequence[int]) -> list[int]:
    """The variant's seeds whose runs trained to the end, in the order given."""
    return [s for s in seeds if finished(run_dir(Path(root), variant, s))]


def finished_runs(root: Path, variant: Variant, seeds: Sequence[int]) -> list[Path]:
    """The folders of the variant's seeds that trained to the end, in the order given."""
    return [run_dir(Path(root), variant, s) for s in finished_seeds(root, variant, seeds)]


def finished(path: Path) -> bool:
    """Whether the run in ``path`` trained to its ``total_kimg`` (a run still in progress is left out)."""
    run = RunDir(path)
    cfg = run.config()
    return cfg is not None and run.is_complete(cfg)


def curves_of(root: Path, variant: Variant, seeds: Sequence[int]) -> list[dict[str, Any]]:
    """The learning curves (``sgan.studies.ablation.learning_curve``) of the variant's finished seeds."""
    out = []
    for seed in seeds:
        path = run_dir(root, variant, seed)
        curve = learning_curve(path) if finished(path) else None
        if curve is not None:
            out.append({**curve, "seed": seed, "run_dir": str(path)})
    return out


def mean_std(values: Sequence[float]) -> tuple[float, float]:
    """Mean and sample standard deviation (n − 1; NaN for a single value): ``reference_tables.stat``'s."""
    s = stat(values)
    return s["mean"], s["std"]


def reached(curve: dict[str, Any], target: float) -> tuple[float, float] | None:
    """``(kimg, training minutes)`` of the first tick whose FID is at or below ``target``; None if none is."""
    return next(((k, m) for k, m, f in zip(curve["kimg"], curve["minutes"], curve["fid"], strict=True)
                 if f <= target), None)


def study_rows(study: str | Sequence[Variant], root: str | Path, seeds: Sequence[int],
               target: float | None = None) -> list[dict[str, Any]]:
    """One row per variant: best and final FID (mean ± std over seeds), the kimg of the best, training
    minutes, and the seeds found; with ``target``, also per seed where its curve first reached the target
    (``reached``: ``[kimg, minutes]`` or None)."""
    rows = []
    for v in resolve_study(study):
        curves = curves_of(Path(root), v, seeds)
        best, final = mean_std([c["best"] for c in curves]), mean_std([c["final"] for c in curves])
        rows.append({
            "variant": v.label, "config": v.config, "overrides": dict(v.overrides),
            "seeds": [c["seed"] for c in curves],
            "metric": curves[0]["metric"] if curves else None,
            "best_mean": best[0], "best_std": best[1], "final_mean": final[0], "final_std": final[1],
            "best_kimg": [c["best_kimg"] for c in curves],
            "kimg": max((c["kimg"][-1] for c in curves), default=math.nan),
            "minutes_mean": mean_std([c["minutes"][-1] for c in curves])[0],
            **({"target": target, "reached": [reached(c, target) for c in curves]} if target is not None else {}),
        })
    return rows


def _pm(mean: float, std: float) -> str:
    if math.isnan(mean):
        return "—"
    return f"{mean:.2f}" if math.isnan(std) else f"{mean:.2f} ± {std:.2f}"


def markdown(rows: Sequence[dict[str, Any]]) -> str:
    """The study's rows as a Markdown table (FID mean ± std over the seeds)."""
    metric = next((r["metric"] for r in rows if r["metric"]), "fid")
    target = next((r["target"] for r in rows if "target" in r), None)
    return markdown_table([{
        "variant": r["variant"], "seeds": str(len(r["seeds"])),
        f"{metric} best": _pm(r["best_mean"], r["best_std"]), f"{metric} final": _pm(r["final_mean"], r["final_std"]),
        "best at kimg": ", ".join(f"{k:g}" for k in r["best_kimg"]) or "—", "kimg": f"{r['kimg']:g}",
        "train min": f"{r['minutes_mean']:.1f}",
        **({f"first ≤ {target:g} at kimg (train min)": _reached(r["reached"])} if target is not None else {}),
    } for r in rows])


def _reached(found: Sequence[tuple[float, float] | None]) -> str:
    return ", ".join("never" if x is None else f"{x[0]:g} ({x[1]:.1f})" for x in found) or "—"


def spectra_rows(study: str | Sequence[Variant], root: str | Path, seeds: Sequence[int], dataset: Any,
                 n: int = 512) -> list[dict[str, Any]]:
    """Per variant, over its finished seeds (``sgan.studies.spectrum.run_spectra``): the high-band power of G's images
    over the data's (``hf_ratio``, 1 = as sharp as the data), the share of D's input-gradient power in the
    high band (``grad_hf_share``) and how far D's score falls on blurred reals (``blur_sensitivity``), mean ±
    std, and the mean spectra."""
    rows = []
    for v in resolve_study(study):
        spectra = [run_spectra(path, dataset, n=n) for path in finished_runs(root, v, seeds)]
        hf, share = mean_std([x["hf_ratio"] for x in spectra]), mean_std([x["grad_hf_share"] for x in spectra])
        soft = mean_std([x["blur_sensitivity"] for x in spectra])
        mean = {k: [float(f) for f in np.mean([x[k] for x in spectra], axis=0)] if spectra else []
                for k in ("fake", "real", "grad")}
        rows.append({"variant": v.label, "runs": len(spectra), "hf_ratio_mean": hf[0], "hf_ratio_std": hf[1],
                     "grad_hf_share_mean": share[0], "grad_hf_share_std": share[1],
                     "blur_sensitivity_mean": soft[0], "blur_sensitivity_std": soft[1], "spectra": mean})
    return rows


def spectra_markdown(rows: Sequence[dict[str, Any]]) -> str:
    """The spectra rows as Markdown: how sharp G's images are, and how much D looks at the high band."""
    return markdown_table([{
        "variant": r["variant"], "runs": str(r["runs"]),
        "G's high-band power / the data's": _pm(r["hf_ratio_mean"], r["hf_ratio_std"]),
        "share of D's gradient in the high band": _pm(r["grad_hf_share_mean"], r["grad_hf_share_std"]),
        "D's score drop when reals are blurred (in score std)": _pm(r["blur_sensitivity_mean"],
                                                                    r["blur_sensitivity_std"])} for r in rows])


def attribute_rows(study: str | Sequence[Variant], root: str | Path, seeds: Sequence[int],
                   dataset: Any) -> list[dict[str, Any]]:
    """Per variant, over its finished seeds: does the final G_ema draw eyes, mouths and glasses as often as the
    data has them? The ``attrs<count>`` metric (``sgan.metrics.attributes``; 0 is the data; count: the run's
    ``fid_samples``) as mean ± std, each facial feature's rate in G's images (mean over seeds) and the data's."""
    rows = []
    for v in resolve_study(study):
        runs = finished_runs(root, v, seeds)
        name = metric_name("attrs", saved_config(runs[0]).train.fid_samples) if runs else "attrs"
        found = [compute_metric(name, load_generator(p), dataset, progress=False) for p in runs]
        value = mean_std([r["value"] for r in found])
        rows.append({"variant": v.label, "runs": len(found), "metric": name,
                     "attrs_mean": value[0], "attrs_std": value[1],
                     "rate": {f: mean_std([r["fake"][f]["rate"] for r in found])[0] for f in FACIAL},
                     "data_rate": {f: found[0]["real"][f]["rate"] for f in FACIAL} if found else {}})
    return rows


def attributes_markdown(rows: Sequence[dict[str, Any]]) -> str:
    """The attribute rows as Markdown: the attrs metric, then "G / data" for each facial feature."""
    def rate(r: dict[str, Any], f: str) -> str:
        return f"{r['rate'][f]:.2f} / {r['data_rate'][f]:.2f}" if r["runs"] else "—"

    return markdown_table([{"variant": r["variant"], "runs": str(r["runs"]),
                            r["metric"]: _pm(r["attrs_mean"], r["attrs_std"]),
                            **{f"{f} G / data": rate(r, f) for f in r["rate"]}} for r in rows])


def samples_rows(study: str | Sequence[Variant], root: str | Path, seeds: Sequence[int], dataset: Any,
                 n: int = 8) -> dict[str, np.ndarray]:
    """``{label: uint8 [n, r, r, 3]}``: ``n`` real faces, then per variant the final G_ema of its first
    finished seed at latent seeds 0..n-1 (``sgan.viz.plots.samples``: no truncation, fixed noise)."""
    rows = {"data": plots.to_uint8(dataset.batch(np.arange(n), mirror=False))}  # [n, r, r, 3]
    for v in resolve_study(study):
        done = finished_seeds(root, v, seeds)
        if done:
            G = load_generator(run_dir(Path(root), v, done[0]))
            rows[f"{v.label} (seed {done[0]})"] = plots.to_uint8(plots.samples(G, range(n)))  # [n, r, r, 3]
    return rows


def write_report(study: str | Sequence[Variant], root: str | Path, seeds: Sequence[int],
                 spectra_of: Any = None, report_dir: str | Path | None = None,
                 attributes_of: Any = None, target: float | None = None) -> dict[str, Path]:
    """``table.md``, ``table.json`` and ``curves.png`` in ``report_dir`` (default: the study folder ``root``);
    returns their paths. With ``spectra_of`` (the data set) also ``spectra.md`` / ``spectra.json`` /
    ``spectra.png`` (``spectra_rows``); with ``attributes_of`` (the data set) also ``attributes.md`` /
    ``attributes.json`` (``attribute_rows``) and ``samples.png`` (``samples_rows``). The runs stay in
    ``root``; ``report_dir`` may be a folder that is committed (the reports are a few hundred kB). ``target``:
    a FID to reach, drawn as a line across the curves."""
    root = Path(root)
    out = Path(report_dir) if report_dir is not None else root
    variants = resolve_study(study)
    rows = study_rows(variants, root, seeds, target)
    paths = {"markdown": write_text(out / "table.md", markdown(rows) + "\n"),
             "json": write_json(out / "table.json", {"seeds": list(seeds), "rows": rows})}
    if spectra_of is not None:
        spectra = spectra_rows(variants, root, seeds, spectra_of)
        paths["spectra_markdown"] = write_text(out / "spectra.md", spectra_markdown(spectra) + "\n")
        paths["spectra_json"] = write_json(out / "spectra.json", {"seeds": list(seeds), "rows": spectra})
        fig = curves.spectra_figure({r["variant"]: r["spectra"] for r in spectra if r["runs"]})
        paths["spectra_figure"] = out / "spectra.png"
        fig.savefig(paths["spectra_figure"], dpi=120)
    if attributes_of is not None:
        found = attribute_rows(variants, root, seeds, attributes_of)
        paths["attributes_markdown"] = write_text(out / "attributes.md", attributes_markdown(found) + "\n")
        paths["attributes_json"] = write_json(out / "attributes.json", {"seeds": list(seeds), "rows": found})
        paths["samples"] = out / "samples.png"
        plots.labelled_rows_figure(samples_rows(variants, root, seeds, attributes_of)).savefig(paths["samples"],
                                                                                              dpi=120)
    groups = {v.label: finished_runs(root, v, seeds) for v in variants}
    groups = {k: v for k, v in groups.items() if v}
    if groups:
        fig = curves.learning_curves_figure(groups, target=target)
        paths["figure"] = out / "curves.png"
        fig.savefig(paths["figure"], dpi=120)
    return paths


def parse_seeds(text: str) -> list[int]:
    """``"0,1,2"`` or ``"0-2"`` -> ``[0, 1, 2]`` (``sgan.sample.parse_seeds``), at most 100 seeds."""
    try:
        seeds = parse(text)
    except ValueError:
        raise ValueError(f"--seeds {text!r}: give seeds like 0,1,2 or 0-2.") from None
    if len(seeds) > 100:
        raise ValueError(f"--seeds {text!r}: give between 1 and 100 seeds.")
    return seeds


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m sgan sweep", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("study", choices=sorted(STUDIES))
    parser.add_argument("--profile", default="cpu")
    parser.add_argument("--seeds", default="0,1,2", help="e.g. 0,1,2 or 0-2")
    parser.add_argument("--jobs", type=int, default=2, help="trainings at a time (one core each)")
    parser.add_argument("--out", default=None, help="studies root (default runs/studies)")
    parser.add_argument("--report-only", action="store_true", help="tabulate what is there, train nothing")
    parser.add_argument("--report", default=None, help="folder for the tables and figures (default: the study's)")
    parser.add_argument("--spectra", action="store_true",
                        help="also measure each run's image and D-gradient spectra (sgan.studies.spectrum)")
    parser.add_argument("--attributes", action="store_true",
                        help="also measure whether each run's final G draws eyes, mouths and glasses as often as "
                             "the data (attrs, sgan.metrics.attributes), and draw its samples (samples.png)")
    parser.add_argument("--target", type=float, default=None, help="a FID to reach, drawn across the curves")
    args = parser.parse_args(argv)
    try:
        seeds = parse_seeds(args.seeds)
    except ValueError as exc:
        parser.error(str(exc))
    root = study_dir(args.study, args.profile, args.out)
    if not args.report_only:
        try:
            run_study(args.study, args.profile, seeds, args.out, args.jobs)
        except JobsStopped as exc:
            print(f"sgan sweep: {exc}", file=sys.stderr, flush=True)
            raise SystemExit(130) from None
    dataset = None
    if args.spectra or args.attributes:
        dataset = load_data(resolve_config(resolve_study(args.study)[0].config, args.profile), progress=False)
    paths = write_report(args.study, root, seeds, spectra_of=dataset if args.spectra else None,
                         report_dir=args.report, attributes_of=dataset if args.attributes else None,
                         target=args.target)
    for key in ("markdown", "spectra_markdown", "attributes_markdown"):
        if key in paths:
            print(Path(paths[key]).read_text())
    print("written: " + ", ".join(str(p) for p in paths.values()))

