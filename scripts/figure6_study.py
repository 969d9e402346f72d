"""The paper's Figure 6 (Karras et al. 2019, Sec. 4) on the synthetic faces, trained and measured (issue 27,
item 5; the measures are ``sgan.studies.figure6``'s).

    python scripts/figure6_study.py --configs F --seeds 0,1 --out results/cpu/figure6

trains each (config, seed) at the cpu profile on the faces with ``entangle="missing_region"`` (skin tone and
background hue never both above the middle of their ranges) into ``runs/figure6/seed<seed>/<config>`` (reused
when complete; ``--train-only`` to train runs in parallel processes first), measures each with the domain network
and writes ``figure6.json`` (every number and the figure's grids), ``table.md`` and ``figure6.png``.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import torch

from sgan.atomic import write_json, write_text
from sgan.metrics.domain_net import load_domain_net
from sgan.studies import figure6
from sgan.studies.ablation import resolve_config, run_name, runs_root, training_complete
from sgan.studies.sweep import parse_seeds
from sgan.training.checkpoint import load_generator


def run_info(run_dir: Path) -> dict:
    """The run's training wall time (minutes) and its last tick's FID, from the last row of its log."""
    rows = [json.loads(line) for line in (run_dir / "log.jsonl").read_text().splitlines() if line.strip()]
    last = rows[-1] if rows else {}
    return {"minutes": round(last["time"] / 60, 1) if "time" in last else None,
            "kimg": last.get("kimg"), "fid": last.get("fid"), "fid_metric": last.get("fid_metric")}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--configs", default="F", help="configs to train and measure, e.g. F or BF")
    parser.add_argument("--seeds", default="0,1")
    parser.add_argument("--profile", default="cpu")
    parser.add_argument("--runs", default=None, help="where the runs go (default: <runs root>/figure6)")
    parser.add_argument("--out", default="results/cpu/figure6")
    parser.add_argument("--samples", type=int, default=2000, help="samples for the linear read-outs")
    parser.add_argument("--train-only", action="store_true", help="train the runs, measure nothing")
    parser.add_argument("--measure-only", action="store_true",
                        help="train nothing: measure the runs that are complete, skip (and name) the others")
    args = parser.parse_args()
    seeds, out = parse_seeds(args.seeds), Path(args.out)
    runs_dir = Path(args.runs) if args.runs else runs_root() / "figure6"
    torch.set_num_threads(1)
    dataset = figure6.training_data(args.profile, progress=False)
    run_dirs = {}
    for config in args.configs:
        for seed in seeds:
            start = time.perf_counter()
            if args.measure_only:
                run_dir = runs_dir / f"seed{seed}" / run_name(config)
                if training_complete(run_dir, resolve_config(config, args.profile, seed)):
                    run_dirs[config, seed] = run_dir
                else:
                    print(f"config {config}, seed {seed}: not trained to the end in {run_dir}: skipped", flush=True)
                continue
            run_dirs[config, seed] = figure6.train_run(config, seed, runs_dir, args.profile, progress=False,
                                                       dataset=dataset)
            print(f"config {config}, seed {seed}: trained in {run_dirs[config, seed]} "
                  f"({(time.perf_counter() - start) / 60:.1f} min this call)", flush=True)
    if args.train_only:
        return
    net = load_domain_net("cpu")
    runs: dict[str, dict[str, dict]] = {}
    info: dict[str, dict[str, dict]] = {}
    for (config, seed), run_dir in run_dirs.items():
        start = time.perf_counter()
        G = load_generator(run_dir, "ema", device="cpu")
        runs.setdefault(config, {})[str(seed)] = figure6.measure(G, net, n=args.samples, seed=seed)
        info.setdefault(config, {})[str(seed)] = run_info(run_dir)
        print(f"config {config}, seed {seed}: measured ({(time.perf_counter() - start) / 60:.1f} min)", flush=True)
    configs = list(dict.fromkeys(c for c, _ in run_dirs))
    results = {
        "paper": "Karras, Laine, Aila 2019, Sec. 4, Figure 6",
        "factors": list(figure6.PAIR), "entangle": figure6.ENTANGLE, "profile": args.profile,
        "mapping": {c: resolve_config(c, args.profile).model.mapping_layers > 0 for c in configs},
        "kimg": resolve_config(configs[0], args.profile).train.total_kimg,
        "command": "python " + " ".join(sys.argv),
        "data": figure6.data_summary(dataset),
        "training": info,
        "runs": runs,
        "summary": figure6.summarize(runs),
    }
    out.mkdir(parents=True, exist_ok=True)
    write_json(out / "figure6.json", results)
    table = figure6.table_markdown(results)
    write_text(out / "table.md", f"{table}\n\nMade by `{results['command']}`.\n")
    figure6.figure(results).savefig(out / "figure6.png", dpi=110)
    print(table)


if __name__ == "__main__":
    main()
