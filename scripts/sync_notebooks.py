"""Sync the course's notebooks with their sources through jupytext (``make notebooks`` runs this script).

Each notebook ``notebooks/NN_name.ipynb`` is paired with its source ``notebooks/NN_name.py``, a Python file in
jupytext's "percent" format (cells start with ``# %%``, ``# %% [markdown]``, or ``# %% tags=["parameters"]`` for
papermill's parameters cell). The pairing and its filters are the ``[tool.jupytext]`` section of pyproject.toml:
JupyterLab (with jupytext installed) saves both files of a pair, and this script brings a pair back in sync after
an edit made elsewhere. It takes two steps:

1. ``jupytext --sync`` on every pair: the more recently modified file of a pair updates the other (a notebook
   without its source gets one, and a source without its notebook gets one);
2. each notebook is rewritten as jupytext reads it from its source, with the few things jupytext leaves random or
   local made deterministic: the cell ids are ``NN-ii`` (the notebook's number, the cell's index), the notebook's
   metadata is the course's kernelspec only, and there are no outputs (notebooks are committed without them).

Rebuilding unchanged sources is therefore byte-identical. ``--check`` writes nothing: it exits 1, naming what to
fix, when a source lacks its notebook or the reverse, when a committed notebook differs from what step 2 makes of
its source, or when jupytext would not write a source back unchanged from its notebook.

    make notebooks                              # sync and rebuild every notebook
    python scripts/sync_notebooks.py --check    # what tests/test_notebooks.py checks
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import jupytext
import nbformat
from jupytext.cli import jupytext as jupytext_cli
from jupytext.config import load_jupytext_config

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
PATTERN = "[0-9][0-9]_*"  # the course's notebooks; any other notebook in notebooks/ is the learner's own
SOURCE_FORMAT = "py:percent"
PAIRING = "ipynb,py:percent"  # [tool.jupytext] formats in pyproject.toml
KERNELSPEC = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}
METADATA = {"kernelspec": KERNELSPEC, "language_info": {"name": "python"}}
FIX = "run `make notebooks` (python scripts/sync_notebooks.py) and commit both files of each pair"


def pairs(folder: Path = NOTEBOOKS) -> dict[str, tuple[Path | None, Path | None]]:
    """``{stem: (source or None, notebook or None)}`` for the course's notebooks and sources in ``folder``."""
    sources = {p.stem: p for p in folder.glob(f"{PATTERN}.py")}
    notebooks = {p.stem: p for p in folder.glob(f"{PATTERN}.ipynb")}
    return {stem: (sources.get(stem), notebooks.get(stem)) for stem in sorted(sources.keys() | notebooks.keys())}


def config(folder: Path = NOTEBOOKS):
    """The jupytext configuration that applies in ``folder`` (pyproject.toml's ``[tool.jupytext]``), checked to pair
    the notebooks with percent-format sources."""
    cfg = load_jupytext_config(str(folder))
    formats = getattr(cfg, "formats", None)
    if cfg is None or formats != [PAIRING]:
        raise RuntimeError(f"jupytext must pair {folder.name}/*.ipynb with {SOURCE_FORMAT} sources: pyproject.toml's "
                           f'[tool.jupytext] needs formats = "{PAIRING}" (found {formats!r})')
    return cfg


def build(source: Path, cfg=None) -> str:
    """The text of the notebook paired with ``source``: jupytext's reading of the source, with cell ids ``NN-ii``,
    the course's kernelspec as the only notebook metadata, and no outputs."""
    nb = jupytext.read(source, fmt=SOURCE_FORMAT, config=cfg or config(source.parent))
    # jupytext's own notebook metadata (the text format, its filters) repeats pyproject.toml: left out
    nb.metadata = nbformat.from_dict(METADATA)
    for i, cell in enumerate(nb.cells):
        cell.id = f"{source.stem[:2]}-{i:02d}"
    nbformat.validate(nb)
    return jupytext.writes(nb, fmt="ipynb") + "\n"  # jupytext.write ends the file with a newline too


def problems(folder: Path = NOTEBOOKS) -> list[str]:
    """What keeps ``folder``'s notebooks from being in sync with their sources (empty when they are)."""
    cfg = config(folder)
    out = []
    for stem, (source, notebook) in pairs(folder).items():
        if source is None:
            out.append(f"{stem}.ipynb has no source {stem}.py")
            continue
        if notebook is None:
            out.append(f"{stem}.py has no notebook {stem}.ipynb")
            continue
        expected = build(source, cfg)
        if notebook.read_text(encoding="utf-8") != expected:
            out.append(f"{notebook.name} differs from what jupytext makes of {source.name}")
        text = source.read_text(encoding="utf-8")
        if jupytext.writes(jupytext.reads(expected, fmt="ipynb"), fmt=SOURCE_FORMAT, config=cfg) != text:
            out.append(f"jupytext would rewrite {source.name} from its notebook (not in its own percent format)")
    return out


def _snapshot(folder: Path) -> dict[str, str]:
    return {p.name: p.read_text(encoding="utf-8") for p in sorted(folder.glob(f"{PATTERN}.*"))
            if p.suffix in (".py", ".ipynb")}


def sync(folder: Path = NOTEBOOKS) -> list[str]:
    """Run ``jupytext --sync`` on every pair, then rewrite each notebook from its source; the files changed."""
    cfg = config(folder)
    before = _snapshot(folder)
    if not before:
        return []
    paths = [str(source or notebook) for source, notebook in pairs(folder).values()]
    if jupytext_cli(["--sync", "--quiet", *paths]):
        raise RuntimeError("jupytext --sync failed (see its messages above)")
    for stem in pairs(folder):
        source, notebook = folder / f"{stem}.py", folder / f"{stem}.ipynb"
        text = build(source, cfg)
        if notebook.read_text(encoding="utf-8") != text:
            notebook.write_text(text, encoding="utf-8")
            os.utime(source)  # the source stays the newer file of its pair, as jupytext leaves it
    after = _snapshot(folder)
    return [name for name, text in after.items() if before.get(name) != text]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true", help="write nothing; exit 1 if a pair is out of sync")
    args = parser.parse_args(argv)
    if args.check:
        found = problems()
        for problem in found:
            print(problem)
        print(f"{len(found)} notebook pair(s) out of sync" + (f": {FIX}" if found else ""))
        return 1 if found else 0
    changed = sync()
    print(f"{len(changed)} file(s) changed: {', '.join(changed) or '-'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
