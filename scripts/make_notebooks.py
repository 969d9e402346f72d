"""Build the course's notebooks (``notebooks/*.ipynb``) from their sources in ``scripts/notebooks/*.py``.

A source is a Python file in the "percent" format: cells start with ``# %%`` (code) or ``# %% [markdown]``
(markdown, each line prefixed by ``# ``); ``# %% tags=["parameters"]`` marks papermill's parameters cell.
Lines before the first ``# %%`` (e.g. ``# ruff: noqa``) are not part of the notebook. The notebooks are
written without outputs and with stable cell ids, so a rebuild of unchanged sources is byte-identical:

    python scripts/make_notebooks.py            # rebuild every notebook
    python scripts/make_notebooks.py --check    # exit 1 if a notebook differs from its source
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
SOURCES = ROOT / "scripts" / "notebooks"
NOTEBOOKS = ROOT / "notebooks"
_HEADER = re.compile(r"^# %%(?P<markdown> \[markdown\])?(?: tags=(?P<tags>\[.*\]))?\s*$")
KERNELSPEC = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}


def parse(text: str) -> list[tuple[str, list[str], str]]:
    """``(kind, tags, source)`` per cell of a percent-format source."""
    cells: list[tuple[str, list[str], list[str]]] = []
    for line in text.splitlines():
        match = _HEADER.match(line)
        if match:
            kind = "markdown" if match["markdown"] else "code"
            cells.append((kind, json.loads(match["tags"]) if match["tags"] else [], []))
        elif cells:
            kind, _, lines = cells[-1]
            if kind == "markdown":
                if line and not line.startswith("#"):
                    raise ValueError(f"markdown line not commented: {line!r}")
                line = line[2:] if line.startswith("# ") else line[1:]
            lines.append(line)
    return [(kind, tags, "\n".join(lines).strip("\n")) for kind, tags, lines in cells]


def build(source: Path) -> str:
    """The notebook JSON text for one source file."""
    nb = nbformat.v4.new_notebook()
    nb.metadata = {"kernelspec": KERNELSPEC, "language_info": {"name": "python"}}
    for i, (kind, tags, text) in enumerate(parse(source.read_text())):
        make = nbformat.v4.new_markdown_cell if kind == "markdown" else nbformat.v4.new_code_cell
        cell = make(text, id=f"{source.stem[:2]}-{i:02d}")
        if tags:
            cell.metadata["tags"] = tags
        nb.cells.append(cell)
    nbformat.validate(nb)
    return nbformat.writes(nb) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true",
                        help="only report notebooks that differ from their source")
    args = parser.parse_args(argv)
    stale = []
    for source in sorted(SOURCES.glob("[0-9][0-9]_*.py")):
        target = NOTEBOOKS / f"{source.stem}.ipynb"
        text = build(source)
        if target.is_file() and target.read_text() == text:
            continue
        stale.append(target.name)
        if not args.check:
            target.parent.mkdir(exist_ok=True)
            target.write_text(text)
    verb = "differ from their sources" if args.check else "written"
    print(f"{len(stale)} notebook(s) {verb}: {', '.join(stale) or '-'}")
    return 1 if args.check and stale else 0


if __name__ == "__main__":
    sys.exit(main())
