"""Every result a notebook's prose quotes is one the course can show: a number with decimals in a Markdown cell
must be found (at the precision it is written with) in what the notebook displays or computes from: the
committed results (``results/**``, which the notebooks read and show), the paper's tables (``sgan.ablation``),
the profiles' settings, or the notebook's own code. A number measured once and pasted into the prose, that no
committed file or output holds, fails here; so does a quote left stale after its table was rebuilt."""

import json
import math
import re
from pathlib import Path

import pytest

from sgan import ablation
from sgan.config import PROFILES

ROOT = Path(__file__).resolve().parents[1]
NUMBER = re.compile(r"(?<![\w.§/])\d+\.\d+(?![\w.])")  # 12.7, 0.61: a quoted measurement (not §3.1, not 1/2)


def numbers_in(text: str) -> set[float]:
    return {float(n) for n in re.findall(r"-?\d+(?:\.\d+)?(?:e-?\d+)?", text)}


def _plain(obj) -> str:
    return json.dumps(obj, default=str)


def sources(code: str) -> set[float]:
    """Every number the notebook may quote: committed results, the paper's tables, the profiles, its code."""
    found = numbers_in(code)
    for path in ROOT.glob("results/**/*"):
        if path.suffix == ".md":  # the tables the notebooks display
            found |= numbers_in(path.read_text())
    paper = (ablation.PAPER_TABLE1, ablation.PAPER_TABLE2, ablation.PAPER_TABLE3, ablation.PAPER_TABLE4)
    return found | numbers_in(_plain(paper)) | numbers_in(_plain(PROFILES))


def quoted(prose: str) -> list[str]:
    prose = re.sub(r"\$\$.*?\$\$|\$[^$]*\$", " ", prose, flags=re.S)  # equations are not quotes
    prose = re.sub(r"`[^`]*`", " ", prose)  # nor code
    return NUMBER.findall(prose)


def matches(text: str, pool: set[float]) -> bool:
    decimals = len(text.split(".")[1])
    value = float(text)
    return any(math.isclose(round(s, decimals), value, abs_tol=10 ** -(decimals + 3)) for s in pool)


NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_every_number_the_prose_quotes_is_one_the_course_shows(path):
    cells = json.loads(path.read_text())["cells"]
    code = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "code")
    pool = sources(code)
    unsupported = [n for c in cells if c["cell_type"] == "markdown" for n in quoted("".join(c["source"]))
                   if not matches(n, pool)]
    assert not unsupported, (f"{path.name} quotes {unsupported}, found in no committed result, paper table, "
                             "profile or code cell: compute it in a cell, or quote a committed table")


def test_the_check_catches_a_stale_quote():
    pool = {14.57, 3.59, 0.91}
    assert matches("14.6", pool) and matches("3.6", pool) and matches("0.91", pool)
    assert not matches("14.7", pool) and not matches("0.9", {0.96})
    assert quoted("A's 14.6 ± 3.6 (§3.1, $x = 0.5$, `lr 0.001`) in 1/2.5") == ["14.6", "3.6"]
