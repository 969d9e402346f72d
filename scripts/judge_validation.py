"""The judges' validation table: held-out accuracy per binary factor and R² per continuous factor, per resolution.

    python scripts/judge_validation.py --out results/gpu/judge_64.md

Reads what ``scripts/train_domain_net.py`` measured on held-out faces (other seeds than training's, the same
faces for both judges) and wrote into ``sgan/weights/domain_net.json`` (the 32² judge) and
``domain_net_64.json`` (the 64² judge): one column per judge and face resolution. The disturbance test, FID
against blurred and noised faces, is ``scripts/judge_disturbance.py``.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

from sgan.atomic import write_text
from sgan.metrics.domain_net import JUDGES, judge_name, weights_dir, weights_names

RESOLUTIONS = ("16", "32", "64")


def judge_meta(internal: int, directory: Path) -> tuple[str, dict, int]:
    """``(id, the json's contents, weights size in bytes)`` of the judge of ``internal``² in ``directory``."""
    weights_name, config_name = weights_names(internal)
    meta = json.loads((directory / config_name).read_text())
    return judge_name(internal, meta["sha256"]), meta, (directory / weights_name).stat().st_size


def factor_table(metas: dict[str, dict], key: str, label: str) -> list[str]:
    """Markdown rows: one per factor of ``meta[key]`` (``accuracy`` or ``r2``), one column per judge and
    resolution, and a mean row."""
    columns = [(name, r) for name, meta in metas.items() for r in RESOLUTIONS if r in meta[key]]
    factors = list(next(iter(metas.values()))[key]["all"])
    head = [f"| {label} | " + " | ".join(f"{name} at {r}²" for name, r in columns) + " |",
            "|---" * (len(columns) + 1) + "|"]
    rows = [f"| {f} | " + " | ".join(f"{metas[name][key][r][f]:.4f}" for name, r in columns) + " |"
            for f in factors]
    mean = "| **mean** | " + " | ".join(f"**{np.mean([metas[n][key][r][f] for f in factors]):.4f}**"
                                        for n, r in columns) + " |"
    return head + rows + [mean]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--weights", type=Path, default=weights_dir(), help="where the judges' files are")
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args(argv)
    judges = {internal: judge_meta(internal, args.weights) for internal in JUDGES}
    metas = {name: meta for name, meta, _ in judges.values()}
    command = "python scripts/judge_validation.py " + " ".join(sys.argv[1:] if argv is None else argv)
    lines = [f"The judges' held-out validation (from their json files). Made by `{command.strip()}`.", "",
             "| judge | sees | used for | trained on | steps | training time | weights |", "|---" * 7 + "|"]
    for internal, (name, meta, size) in judges.items():
        t = meta["training"]
        used = "16², 32² images" if internal == 32 else "64² images (and PPL's 32² face crops at 64²)"
        lines.append(f"| {name} | {internal}² | {used} | {', '.join(f'{r}²' for r in t['resolutions'])} faces "
                     f"({t['train_per_res']} each) | {t['steps']} × {t['batch']} | {t['seconds'] / 60:.1f} min "
                     f"(`--threads {t['threads']}`) | {size / 1024:.0f} KB fp16 |")
    lines += ["", f"Held-out faces: {next(iter(metas.values()))['training']['test_per_res']} per resolution, the same "
              "faces for both judges. In use the 32² judge reads 16² and 32² images, the 64² judge 64² images "
              "and PPL's 32² face crops at 64²; the 64² judge never reads 16² images (its 16² column is for "
              "completeness), and the 32² judge's 64² column is what every metric at 64² read before.", "",
              "Accuracy per binary factor:", ""]
    lines += factor_table(metas, "accuracy", "factor")
    lines += ["", "R² per continuous factor:", ""]
    lines += factor_table(metas, "r2", "factor")
    text = "\n".join(lines) + "\n"
    print(text)
    if args.out:
        write_text(args.out, text)


if __name__ == "__main__":
    main()
