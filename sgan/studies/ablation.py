"""The ablation study of the paper (Tables 1 and 3): train a config at a profile, measure it, tabulate.

``run_ablation("F", "cpu")`` trains config F at the cpu profile (or resumes it, or reuses it when complete),
evaluates every metric of the profile with ``sgan.metrics.compute_metric`` and writes ``results.json`` in the
run directory ``<out_dir>/<name>`` (default ``runs/course/<profile>/F``). Notebook 11 is this call, run by
papermill once per config; notebook 12 collects the results into the paper's tables with
``sgan.studies.ablation_tables`` (``table1_rows`` / ``table3_rows``), beside the paper's numbers.

A run is *complete* when its saved ``config.json`` equals the resolved config (``RunConfig.differences``)
and its log reached ``total_kimg``; results are complete when ``results.json`` also holds every requested
metric. A run whose config changed (e.g. a retuned profile) is moved aside to ``<name>.stale-<time>`` and
trained anew.

Paths: ``runs_root()`` is ``$SGAN_RUNS`` or ``<repository>/runs``; ``data_root()`` is ``$SGAN_DATA`` or
``<repository>/data`` (the repository is found from the working directory, so notebooks run from
``notebooks/`` write to the same places as ``make course``).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sgan.atomic import write_json
from sgan.config import PRESETS, RunConfig, make_config
from sgan.data import load_dataset
from sgan.metrics import compute_metric
from sgan.metrics.registry import metric_name, metric_names_for, parse_metric_name
from sgan.paths import data_root, repo_root, runs_root  # noqa: F401 (sgan.studies.ablation's names for them)
from sgan.profiles import DATA_SIZES, SHOWCASE_PROFILES, check_profile
from sgan.studies import model_zoo
from sgan.studies.ablation_tables import format_value
from sgan.training.checkpoint import has_checkpoint, load_generator
from sgan.training.device import resolve_device
from sgan.training.frontend import in_live_frontend
from sgan.training.loop import train
from sgan.training.parallel import TrainingStopped
from sgan.training.rundir import RunDir


# ---------------------------------------------------------------------------------------------------------
# Paths
# ---------------------------------------------------------------------------------------------------------
def course_dir(profile: str) -> Path:
    """The course's folder for a profile: ``runs/course/<profile>`` (ablation runs and executed notebooks)."""
    check_profile(profile)
    return runs_root() / "course" / profile


# ---------------------------------------------------------------------------------------------------------
# One run
# ---------------------------------------------------------------------------------------------------------
def run_name(config: str, overrides: dict[str, Any] | None = None) -> str:
    """The run folder's name: the config, then any overrides, e.g. ``F`` or ``F-style_mixing_prob=0.5``."""
    parts = [config] + [f"{k}={overrides[k]}" for k in sorted(overrides or {})]
    return "-".join(parts).replace("/", "_").replace(" ", "")


def resolve_config(config: str, profile: str, seed: int = 0,
                   overrides: dict[str, Any] | None = None) -> RunConfig:
    """``make_config(config, profile, seed=seed, **overrides)`` with a clear error for an unknown config."""
    if config not in PRESETS:
        raise ValueError(f"Unknown config {config!r}: choose one of {', '.join(PRESETS)}.")
    return make_config(config, check_profile(profile), seed=seed, **(overrides or {}))


def saved_config(run_dir: Path) -> RunConfig | None:
    return RunDir(run_dir).config()


def config_matches(run_dir: Path, cfg: RunConfig) -> bool:
    """Whether ``run_dir`` holds a run of exactly ``cfg`` (its ``config.json`` has no differing field)."""
    return RunDir(run_dir).matches(cfg)


def training_complete(run_dir: Path, cfg: RunConfig) -> bool:
    """The run of ``cfg`` in ``run_dir`` reached ``total_kimg`` and saved its checkpoint."""
    return RunDir(run_dir).is_complete(cfg)


def _move_aside(run_dir: Path, why: str) -> None:
    stale = run_dir.with_name(f"{run_dir.name}.stale-{time.strftime('%Y%m%d-%H%M%S')}")
    run_dir.rename(stale)
    print(f"{run_dir.name}: {why}; the old run was moved to {stale}", flush=True)


def load_data(cfg: RunConfig, data: str = "synthetic", data_n: int | None = None, progress: bool = True):
    """The data set a run of ``cfg`` trains on (``sgan.data.load_dataset``, cached under ``data_root()``)."""
    n = DATA_SIZES[cfg.profile] if data_n is None else data_n
    return load_dataset(data, resolution=cfg.model.resolution, n=n, seed=0, root=data_root(),
                        progress=progress)


def _tick_printer(name: str, cfg: RunConfig):
    """A ``train(on_tick=...)`` callback printing one line per tick (visible in papermill's log)."""
    total = cfg.train.total_kimg

    def on_tick(row: dict[str, Any]) -> None:
        losses = ", ".join(f"{k} {row[k]:.3f}" for k in ("loss_D", "loss_G") if k in row)
        fid = f", {row['fid_metric']} {row['fid']:.2f}" if "fid" in row else ""
        print(f"[{name}] tick {row.get('tick')}: {row.get('kimg', 0):.2f}/{total:g} kimg at "
              f"{row.get('resolution')}² (α {row.get('alpha', 1):.2f}), {losses}{fid}, "
              f"{row.get('images_per_s', 0):.0f} img/s", flush=True)

    return on_tick


def ensure_trained(config: str = "F", profile: str = "cpu", seed: int = 0, data: str = "synthetic",
                   out_dir: str | Path | None = None, overrides: dict[str, Any] | None = None,
                   data_n: int | None = None, progress: bool = True, dataset=None) -> Path:
    """The run directory of ``config`` at ``profile``, trained to the end: reused when complete, resumed when
    interrupted, trained anew when absent or when its config changed. Returns ``<out_dir>/<run name>``."""
    cfg = resolve_config(config, profile, seed, overrides)
    name = run_name(config, overrides)
    run_dir = Path(out_dir or course_dir(profile)) / name
    if training_complete(run_dir, cfg):
        return run_dir
    if run_dir.exists() and saved_config(run_dir) is not None and not config_matches(run_dir, cfg):
        differ = ", ".join(saved_config(run_dir).differences(cfg))
        _move_aside(run_dir, f"its config differs from the requested one in {differ}")
    resume = "auto" if has_checkpoint(run_dir) else False
    print(f"[{name}] {'resuming' if resume else 'training'} config {config} at profile {profile} in "
          f"{run_dir} ({cfg.train.total_kimg:g} kimg)", flush=True)
    dataset = dataset if dataset is not None else load_data(cfg, data, data_n, progress)
    live = progress and in_live_frontend()  # JupyterLab: the live view (training.live); papermill: a line a tick
    train(cfg, dataset, run_dir, resume=resume, progress=progress, data_root=data_root(), live=live,
          on_tick=None if live else _tick_printer(name, cfg))
    if not training_complete(run_dir, cfg):
        raise TrainingStopped(f"Training of {run_dir} stopped before {cfg.train.total_kimg:g} kimg "
                              "(interrupted?); run it again to resume.")
    return run_dir


def trained_run(config: str = "F", profile: str = "cpu", seed: int = 0, out_dir: str | Path | None = None,
                use_zoo: bool = True) -> Path:
    """A trained run of ``config`` for the notebooks' figures, the cheapest way there is, saying which:

    1. the learner's own run (``<out_dir>/<config>``), when it is complete;
    2. else the zoo's (``sgan.studies.model_zoo``), when it holds this config at this profile with this seed and the
       same resolved config (a zoo trained before a profile change is not used), unpacked to a folder;
    3. else ``ensure_trained`` trains it (minutes at the cpu profile).
    """
    cfg = resolve_config(config, profile, seed)
    run_dir = Path(out_dir or course_dir(profile)) / run_name(config)
    if training_complete(run_dir, cfg):
        print(f"config {config}: your run, {run_dir}", flush=True)
        return run_dir
    if use_zoo and config in model_zoo.zoo_entries(profile):
        folder = model_zoo.materialize(config, profile)
        zoo_cfg, origin = saved_config(folder), model_zoo.zoo_provenance(config, profile)
        if zoo_cfg is not None and not zoo_cfg.differences(cfg):
            print(f"config {config}: no run of yours yet, so the zoo's (the reference run with seed "
                  f"{origin['seed']}, {origin['kimg']:g} kimg, {origin['fid_metric']} best "
                  f"{origin['fid_best']:.2f}); `make course` trains your own.", flush=True)
            return folder
    return ensure_trained(config, profile, seed, out_dir=out_dir)


def showcase_run(config: str = "F", profile: str = "cpu", seed: int = 0, out_dir: str | Path | None = None) -> Path:
    """The sharpest trained ``config`` there is, for the figures and widgets that demonstrate an effect, saying
    which (with its FID):

    1. the learner's own run (``<out_dir>/<config>``), when it is complete and trained at least as long as the
       showcase;
    2. else the showcase: the zoo entry of the profile's showcase profile (``SHOWCASE_PROFILES``: the long
       study's seed-0 run for the cpu profile, same resolution and data, 192 kimg), when it holds ``config``;
    3. else ``trained_run`` (the learner's run, the profile's zoo, or training it).

    The ablation tables keep the learner's runs (``trained_run``): the showcase is for looking, not for bands.
    """
    showcase = SHOWCASE_PROFILES.get(profile)
    if showcase is None or config not in model_zoo.zoo_entries(showcase):
        return trained_run(config, profile, seed, out_dir)
    origin = model_zoo.zoo_provenance(config, showcase)
    own = Path(out_dir or course_dir(profile)) / run_name(config)
    cfg = resolve_config(config, profile, seed)
    if training_complete(own, cfg) and cfg.train.total_kimg >= origin["kimg"]:
        print(f"config {config}: your run, {own} ({cfg.train.total_kimg:g} kimg, at least the showcase's "
              f"{origin['kimg']:g})", flush=True)
        return own
    print(f"config {config}: the showcase, the long study's run (profile {showcase}, seed {origin['seed']}, "
          f"{origin['kimg']:g} kimg, {origin['fid_metric']} best {origin['fid_best']:.2f}); the course's own "
          f"runs train {cfg.train.total_kimg:g} kimg", flush=True)
    return model_zoo.materialize(config, showcase)


def run_summary(run_dir: str | Path) -> str:
    """A run in a few words, from its log: ``"192 kimg, fid2k best 10.29 (at 178 kimg)"``."""
    rows = RunDir(run_dir).log()
    if not rows:
        return f"{run_dir}: no log rows yet"
    curve = learning_curve(run_dir)
    fid = f", {curve['metric']} best {curve['best']:.2f} (at {curve['best_kimg']:g} kimg)" if curve else ""
    return f"{rows[-1]['kimg']:g} kimg{fid}"


# ---------------------------------------------------------------------------------------------------------
# Metrics and results
# ---------------------------------------------------------------------------------------------------------
def profile_metrics(cfg: RunConfig, data: str = "synthetic") -> list[str]:
    """The metrics a run evaluates at its profile's sample counts (``metric_names_for`` of the registry):
    FID, the four perceptual path lengths (Z/W × full/end) and linear separability; on the synthetic faces
    also ``attrs`` (are eyes, mouths and glasses drawn as often as the data has them), with FID's count."""
    names = metric_names_for(cfg)
    return names + [metric_name("attrs", cfg.train.fid_samples)] if data == "synthetic" else names


def evaluate(G, dataset, names: Sequence[str], seed: int = 0, device: str | None = None,
             progress: bool = True, mirror: bool = True) -> dict[str, dict[str, Any]]:
    """``{name: compute_metric(name, G, dataset, ...)}``, printing each value and its time as it comes.
    ``device``: None runs where G is. ``mirror``: whether the run trained with mirror augmentation (FID then
    mirrors half of the reals)."""
    out = {}
    for name in names:
        # FID caches the real images' statistics: next to the data, not in the working directory
        options = {"cache_dir": str(data_root()), "mirror": mirror} if parse_metric_name(name).kind == "fid" else {}
        result = compute_metric(name, G, dataset, device=device, seed=seed, progress=progress, **options)
        out[name] = result
        print(f"  {name}: {format_value(result['value'])} ({result.get('time_s', 0):.1f} s, "
              f"{result.get('feature_network', '?')})", flush=True)
    return out


def results_path(run_dir: str | Path) -> Path:
    return RunDir(run_dir).results_path


def read_results(run_dir: str | Path) -> dict[str, Any] | None:
    return RunDir(run_dir).results()


def results_complete(run_dir: str | Path, cfg: RunConfig, names: Sequence[str]) -> bool:
    """``results.json`` exists for this exact config and holds every metric in ``names``."""
    results = read_results(run_dir)
    if results is None or not training_complete(Path(run_dir), cfg):
        return False
    same = not RunConfig.from_dict(results["run_config"]).differences(cfg)
    return same and all(n in results["metrics"] for n in names)


def run_ablation(config: str = "F", profile: str = "cpu", seed: int = 0, data: str = "synthetic",
                 out_dir: str | Path | None = None, overrides: dict[str, Any] | None = None,
                 metrics: Sequence[str] | None = None, data_n: int | None = None, device: str = "auto",
                 progress: bool = True) -> dict[str, Any]:
    """Train (or resume, or reuse) config ``config`` at ``profile``, evaluate ``metrics`` (default: the
    profile's, ``profile_metrics``) and write ``results.json`` in the run directory; returns the results.

    ``overrides`` are ``make_config`` fields (e.g. ``{"style_mixing_prob": 0.5}`` for Table 2) and name the
    run folder (``F-style_mixing_prob=0.5``). ``device``: where the metrics run ("auto": cuda when
    available, as training). Complete results are returned as they are, without work.
    """
    cfg = resolve_config(config, profile, seed, overrides)
    names = list(metrics) if metrics is not None else profile_metrics(cfg, data)
    name = run_name(config, overrides)
    run_dir = Path(out_dir or course_dir(profile)) / name
    if results_complete(run_dir, cfg, names):
        print(f"[{name}] complete: reusing {results_path(run_dir)}", flush=True)
        return read_results(run_dir)
    dataset = load_data(cfg, data, data_n, progress)
    trained_before = training_complete(run_dir, cfg)
    start = time.perf_counter()
    ensure_trained(config, profile, seed, data, out_dir, overrides, data_n, progress, dataset)
    train_s = time.perf_counter() - start
    previous = read_results(run_dir) or {}
    same_run = previous and not RunConfig.from_dict(previous["run_config"]).differences(cfg)
    if trained_before and same_run:  # only new metrics: the training time is the one measured before
        train_s = previous.get("train_seconds", train_s)
    else:  # the trainer's own clock: every session of a resumed run (this call's wall saw only the last one)
        train_s = RunDir(run_dir).train_seconds(train_s)
    details = dict(previous.get("details", {})) if same_run else {}
    todo = [n for n in names if n not in details]
    print(f"[{name}] evaluating {', '.join(todo) or 'nothing new'}", flush=True)
    device = resolve_device(device)  # "auto": metrics on the GPU when there is one, like training
    G = load_generator(run_dir, device=device)
    start = time.perf_counter()
    details.update(evaluate(G, dataset, todo, seed=seed, device=device, progress=progress,
                            mirror=cfg.train.mirror))
    results = {
        "name": name, "config": config, "profile": profile, "seed": seed, "data": data,
        "data_n": len(dataset), "overrides": dict(overrides or {}), "run_config": cfg.to_dict(),
        "run_dir": str(run_dir), "kimg": cfg.train.total_kimg,
        "train_seconds": round(train_s, 1), "eval_seconds": round(time.perf_counter() - start, 1),
        "metrics": {n: float(d["value"]) for n, d in details.items()}, "details": details,
        "learning_curve": learning_curve(run_dir),
    }
    write_json(results_path(run_dir), results)
    print(f"[{name}] results written to {results_path(run_dir)}", flush=True)
    return read_results(run_dir)  # as stored (JSON types), the same as a later reuse returns


def learning_curve(run_dir: str | Path) -> dict[str, Any] | None:
    """The run's learning curve from its log (``tick_fid_samples`` > 0), None when it has none:
    ``{"metric", "feature_network", "kimg", "minutes", "fid", "best", "best_kimg", "final"}``.

    ``minutes`` is training time (the FID measurements excluded); ``best`` is the lowest FID of any tick, as
    the paper reports (Table 1: "best FID seen during training"), ``final`` the last tick's."""
    run = RunDir(run_dir)
    rows = [r for r in run.log() if "fid" in r] if run.has_log() else []
    if not rows:
        return None
    fids = [float(r["fid"]) for r in rows]
    best = min(range(len(fids)), key=fids.__getitem__)
    return {"metric": rows[-1]["fid_metric"], "feature_network": rows[-1]["fid_network"],
            "kimg": [r["kimg"] for r in rows], "minutes": [r["time"] / 60 for r in rows], "fid": fids,
            "best": fids[best], "best_kimg": rows[best]["kimg"], "final": fids[-1]}
