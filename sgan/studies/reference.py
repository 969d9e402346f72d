"""The reference results: the paper's Tables 1-4 measured at a profile with several seeds, in one command.

    python -m sgan reference --profile cpu --seeds 0,1,2        # or: make reference

trains and evaluates every run the four tables need (``REFERENCE_RUNS``: A-F with every seed, the Table 2 and
Table 4 variants with the first ``--extra-seeds`` of them), two at a time on one thread each, resuming whatever
is done (``sgan.studies.ablation.run_ablation`` reuses complete runs and results), into
``runs/reference/<profile>/seed<k>/<run name>``. Then it writes to ``results/<profile>/``:

* ``table1.md`` ... ``table4.md`` and ``reproduced.md`` (``sgan.studies.reference_tables``), all of them in
  ``tables.json``; ``curves.png`` (A-F's learning curves, a band over seeds) and ``table2.png``;
* ``reference.json``: the seeds, this command's wall time and the runs' total compute;

and exports the seed-0 EMA generators of A-F to the zoo (``sgan.studies.model_zoo``), ``sgan/weights/zoo/<profile>``.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch

from sgan.atomic import write_json, write_text
from sgan.env import DATA_ENV
from sgan.metrics.registry import metric_name
from sgan.paths import report_dir  # noqa: F401 (sgan.studies.reference.report_dir: the notebooks' name)
from sgan.profiles import check_profile
from sgan.studies import model_zoo
from sgan.studies import reference_tables as rt
from sgan.studies.ablation import (
    data_root,
    load_data,
    profile_metrics,
    read_results,
    repo_root,
    resolve_config,
    run_ablation,
    run_name,
    runs_root,
)
from sgan.studies.reference_long import write_long_report
from sgan.studies.reference_tables import (
    MIX_LATENTS,
    collect,
    mixing_decomposition,
    mixing_decomposition_markdown,
    rerender_report,
)
from sgan.studies.sweep import parse_seeds
from sgan.training.parallel import JobsStopped, run_jobs
from sgan.viz import curves


@dataclass(frozen=True)
class ReferenceRun:
    """One run of the reference tables: a paper config, its overrides, and the tables that read it."""

    config: str
    overrides: dict[str, Any] = field(default_factory=dict)
    tables: tuple[str, ...] = ()
    all_seeds: bool = False  # False: the first ``extra_seeds`` seeds only (Tables 2 and 4, see main)

    @property
    def name(self) -> str:
        return run_name(self.config, self.overrides)


_CONFIG_TABLES = {"A": ("1", "3"), "B": ("1", "3", "4"), "C": ("1", "3"), "D": ("1", "3"),
                  "E": ("1", "2", "3", "4"), "F": ("1", "2", "3", "4")}
REFERENCE_RUNS: tuple[ReferenceRun, ...] = (
    *(ReferenceRun(c, {}, tables, all_seeds=True) for c, tables in _CONFIG_TABLES.items()),
    # Table 2: mixing regularization in training (E is 0 %, F is 90 %)
    ReferenceRun("F", {"style_mixing_prob": 0.5}, ("2",)),
    ReferenceRun("F", {"style_mixing_prob": 1.0}, ("2",)),
    # Table 4: the mapping network's depth (B is traditional 0, E and F style-based 8)
    ReferenceRun("B", {"mapping_layers": 8}, ("4",)),
    *(ReferenceRun(c, {"mapping_layers": d}, ("4",)) for c in "EF" for d in (0, 1, 2)),
)


def reference_root(profile: str, out_dir: str | Path | None = None) -> Path:
    """``<out_dir>/<profile>``; ``out_dir`` defaults to ``runs/reference``."""
    return Path(out_dir or runs_root() / "reference") / profile


def metrics_for(run: ReferenceRun, profile: str) -> list[str]:
    """The run's metrics: the profile's (``profile_metrics``), plus FID with 2-4 latents mixed for Table 2."""
    cfg = resolve_config(run.config, profile, 0, run.overrides)
    names = profile_metrics(cfg)
    if "2" in run.tables:
        names += [metric_name("fid", cfg.train.fid_samples, latents=k) for k in MIX_LATENTS if k > 1]
    return names


def _evaluate_one(job: tuple[ReferenceRun, int, str, str, tuple[str, ...] | None]) -> str:
    """Worker: one (run, seed) trained and evaluated (``run_ablation``) on one thread, in its own process."""
    run, seed, profile, root, metrics = job
    torch.set_num_threads(1)
    result = run_ablation(run.config, profile, seed=seed, out_dir=Path(root) / f"seed{seed}",
                          overrides=run.overrides, metrics=metrics, progress=False)
    return result["run_dir"]


def jobs_for(seeds: Sequence[int], extra_seeds: int, runs: Sequence[ReferenceRun] = REFERENCE_RUNS
             ) -> list[tuple[ReferenceRun, int]]:
    """Every (run, seed) the tables need, Table 1's runs first so that they finish first."""
    main = [(r, s) for s in seeds for r in runs if r.all_seeds]
    extra = [(r, s) for s in list(seeds)[:extra_seeds] for r in runs if not r.all_seeds]
    return main + extra


# The long study's controlled variants (issue 25), one seed each: F with one of its switches set back, to say
# which switch costs FID where A still leads F at the long budget (it did: seed 0 at 145 kimg, fid2k A 7.7
# against F 14.0). Only the named switch differs from F: B's resampling without the blur, and no noise inputs.
LONG_VARIANTS: tuple[ReferenceRun, ...] = (ReferenceRun("F", {"resample": "nearest"}),
                                           ReferenceRun("F", {"use_noise": False}))


def long_jobs(seeds: Sequence[int], runs: Sequence[ReferenceRun] = REFERENCE_RUNS,
              variants: Sequence[ReferenceRun] = LONG_VARIANTS) -> list[tuple[ReferenceRun, int]]:
    """The long study's runs, in the order that answers its question soonest (issue 25): A, F and B with the
    first two seeds (F before B: whether F overtakes A is the question, and F's seed 0 is the showcase model),
    then E, C and D with the first (E before C and D: it is the showcase zoo's second model), then the
    controlled ``variants`` with the first, then A and F with the third."""
    by_config = {r.config: r for r in runs if r.all_seeds}
    seeds = list(seeds)
    order = [(by_config[c], s) for s in seeds[:2] for c in "AFB"]
    order += [(by_config[c], s) for s in seeds[:1] for c in "ECD"]
    order += [(v, s) for s in seeds[:1] for v in variants]
    return order + [(by_config[c], s) for s in seeds[2:3] for c in "AF"]


def study_jobs(study: str, seeds: Sequence[int], extra_seeds: int,
               runs: Sequence[ReferenceRun] = REFERENCE_RUNS) -> list[tuple[ReferenceRun, int]]:
    """The (run, seed) pairs of ``study``: ``"tables"`` (``jobs_for``) or ``"long"`` (``long_jobs``)."""
    if study == "tables":
        return jobs_for(seeds, extra_seeds, runs)
    if study == "long":
        return long_jobs(seeds, runs)
    raise ValueError(f"Unknown study {study!r}: choose one of {', '.join(STUDY_PROFILES)}.")


STUDY_PROFILES = {"tables": "cpu", "long": "cpu-long"}  # each study's default profile


def train_and_evaluate(profile: str = "cpu", seeds: Sequence[int] = (0, 1, 2), extra_seeds: int = 2,
                       out_dir: str | Path | None = None, jobs: int = 2,
                       runs: Sequence[ReferenceRun] = REFERENCE_RUNS, study: str = "tables") -> Path:
    """Train and evaluate every run of ``study`` at ``profile``, ``jobs`` at a time; returns the root folder."""
    check_profile(profile)
    if not seeds or jobs < 1 or extra_seeds < 0:
        raise ValueError(f"seeds={list(seeds)}, jobs={jobs}, extra_seeds={extra_seeds}: give at least one "
                         "seed, one job and extra_seeds >= 0.")
    root = reference_root(profile, out_dir)
    todo = study_jobs(study, seeds, extra_seeds, runs)
    for run, _ in todo:  # every config resolves before anything trains (a bad override fails at once)
        resolve_config(run.config, profile, 0, run.overrides)
    load_data(resolve_config("F", profile))  # the data cache, built once before the workers
    start = time.perf_counter()
    print(f"sgan reference at profile {profile!r}: {len(todo)} runs, {jobs} at a time, in {root}", flush=True)
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    os.environ.setdefault(DATA_ENV, str(data_root()))
    work = [(r, s, profile, str(root), tuple(metrics_for(r, profile))) for r, s in todo]
    for (run, seed), path in zip(todo, run_jobs(_evaluate_one, work, jobs), strict=True):
        print(f"  done: {run.name}, seed {seed} -> {path} ({(time.perf_counter() - start) / 60:.1f} min)",
              flush=True)
    return root


def write_report(root: str | Path, seeds: Sequence[int], out: str | Path,
                 runs: Sequence[ReferenceRun] = REFERENCE_RUNS) -> dict[str, Path]:
    """The four tables, the "what reproduced" table (Markdown, and all of them in ``tables.json``) and the
    figures ``curves.png`` and ``table2.png`` in ``out``, from the runs under ``root``; returns the paths."""
    root, out = Path(root), Path(out)
    results = rt.collect(root, [r.name for r in runs], seeds)
    metric = next((r[0]["learning_curve"]["metric"] for r in results.values() if r), "fid")
    tables = {"table1": rt.table1(results), "table2": rt.table2(results), "table3": rt.table3(results),
              "table4": rt.table4(results), "reproduced": rt.reproduced(results)}
    render = {"table1": lambda t: rt.table1_markdown(t, metric), "table2": lambda t: rt.table2_markdown(t, metric),
              "table3": rt.table3_markdown, "table4": rt.table4_markdown, "reproduced": rt.reproduced_markdown}
    paths = {name: write_text(out / f"{name}.md", render[name](rows) + "\n") for name, rows in tables.items()}
    paths["json"] = write_json(out / "tables.json", {"seeds": list(seeds), "metric": metric, **tables})
    groups = {c: [root / f"seed{s}" / c for s in seeds if results.get(c) and (root / f"seed{s}" / c).is_dir()]
              for c in "ABCDEF"}
    groups = {c: dirs for c, dirs in groups.items() if dirs}
    if groups:
        paths["curves"] = out / "curves.png"
        curves.learning_curves_figure(groups, title="Table 1's configs: FID during training").savefig(
            paths["curves"], dpi=120)
    if tables["table2"]:
        paths["table2_figure"] = out / "table2.png"
        curves.mixing_table_figure(tables["table2"], metric).savefig(paths["table2_figure"], dpi=120)
    return paths


def export_zoo(root: str | Path, profile: str, seed: int = 0, configs: str = "ABCDEF",
               out_dir: str | Path | None = None, missing_ok: bool = False) -> list[Path]:
    """Export the EMA generators of ``configs``' reference runs with ``seed`` to the zoo, and its index
    (``missing_ok``: skip the configs not measured yet, instead of failing)."""
    commit = model_zoo.git_commit(repo_root() or Path.cwd())
    paths = []
    for c in configs:
        run_dir = Path(root) / f"seed{seed}" / c
        results = read_results(run_dir)
        if results is None and missing_ok:
            continue
        if results is None:
            raise FileNotFoundError(f"{run_dir} has no results.json: run `python -m sgan reference` first.")
        paths.append(model_zoo.export(run_dir, results, profile, commit, out_dir))
    model_zoo.write_index(profile, out_dir)
    return paths


def run_minutes(root: str | Path, names: Sequence[str], seeds: Sequence[int]) -> float:
    """The runs' compute in core-minutes: training plus evaluation of every run found."""
    found = [r for rows in collect(root, names, seeds).values() for r in rows]
    return sum(r.get("train_seconds", 0.0) + r.get("eval_seconds", 0.0) for r in found) / 60


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m sgan reference", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--study", choices=sorted(STUDY_PROFILES), default="tables",
                        help="tables: Tables 1-4 (default); long: A-F at the long budget (profile cpu-long)")
    parser.add_argument("--profile", default=None, help="default: cpu for tables, cpu-long for long")
    parser.add_argument("--seeds", default="0,1,2", help="seeds of A-F, e.g. 0,1,2 or 0-2")
    parser.add_argument("--extra-seeds", type=int, default=2,
                        help="how many of the seeds the Table 2 and 4 variants train (default 2)")
    parser.add_argument("--jobs", type=int, default=2, help="runs at a time (one core each)")
    parser.add_argument("--out", default=None, help="runs root (default runs/reference)")
    parser.add_argument("--report", default=None, help="tables and figures folder (default results/<profile>)")
    parser.add_argument("--report-only", action="store_true", help="tabulate what is there, train nothing")
    parser.add_argument("--no-zoo", action="store_true", help="do not export the seed-0 generators to the zoo")
    parser.add_argument("--mixing-decomposition", action="store_true",
                        help="Table 2's mechanism: split the FID of the zoo's seed-0 E and F with 1 and 4 latents "
                             "mixed into its mean and covariance terms (table2_mechanism.md / .json); trains nothing")
    parser.add_argument("--from-tables", action="store_true",
                        help="rebuild the report's Markdown and what reproduced from its tables.json alone (the "
                             "runs need not be on this machine); trains and exports nothing")
    args = parser.parse_args(argv)
    try:
        seeds = parse_seeds(args.seeds)
    except ValueError as exc:
        parser.error(str(exc))
    start = time.perf_counter()
    profile = args.profile or STUDY_PROFILES[args.study]
    if args.mixing_decomposition:
        out = Path(args.report or report_dir(profile))
        generators = {f"{c} (zoo, seed {seeds[0]})": model_zoo.zoo(c, profile, device="cpu") for c in "EF"}
        dataset = load_data(resolve_config("F", profile), progress=False)
        rows = mixing_decomposition(generators, dataset)
        write_json(out / "table2_mechanism.json", {"profile": profile, "rows": rows})
        print(write_text(out / "table2_mechanism.md", mixing_decomposition_markdown(rows) + "\n").read_text())
        return
    if args.from_tables:
        written = rerender_report(args.report or report_dir(profile))
        print("sgan reference: rebuilt from tables.json: " + ", ".join(str(p) for p in written.values()))
        return
    root = reference_root(profile, args.out)
    if not args.report_only:
        try:
            train_and_evaluate(profile, seeds, args.extra_seeds, args.out, args.jobs, study=args.study)
        except JobsStopped as exc:
            print(f"sgan reference: {exc}", file=sys.stderr, flush=True)
            raise SystemExit(130) from None
    out = Path(args.report or report_dir(profile))
    paths = write_report(root, seeds, out)
    if args.study == "long":
        dataset = load_data(resolve_config("F", profile), progress=False)
        paths.update(write_long_report(root, seeds, out, report_dir(STUDY_PROFILES["tables"]), dataset,
                                       variants=[v.name for v in LONG_VARIANTS]))
    if not args.no_zoo:  # the long study exports the configs finished so far (the showcase)
        paths.update({f"zoo {p.stem}": p for p in export_zoo(root, profile, seeds[0],
                                                            missing_ok=args.study == "long")})
    wall = (time.perf_counter() - start) / 60
    names = [r.name for r in REFERENCE_RUNS]
    paths["reference"] = write_json(out / "reference.json", {
        "study": args.study, "profile": profile, "seeds": seeds, "extra_seeds": args.extra_seeds,
        "jobs": args.jobs, "command_wall_minutes": round(wall, 2),
        "runs_core_minutes": round(run_minutes(root, names, seeds), 1)})
    for name in ("table1", "table2", "table3", "table4", "reproduced"):
        print(f"\n{name}:\n{paths[name].read_text()}")
    print(f"sgan reference: {wall:.1f} min wall; written: " + ", ".join(str(p) for p in paths.values()))

