"""The course's prose, honest by construction: numbers in a notebook's Markdown are either constants of the paper
and its hyperparameters (``CONSTANTS``, each with its source) or rendered by code from the file they come from.

This module is the **checker** (``typed_numbers``): every typed decimal, percentage and integer with a unit in a
Markdown text that is not an allowed constant. ``tests/test_notebook_prose.py`` runs it on every notebook
source; ``python -m sgan prose [--rev REV]`` prints what it flags (at a git revision: the sources as they were).
The **renderers** that say a measured number instead are in ``sgan.studies.render``.
"""

from __future__ import annotations

import argparse
import re
import subprocess
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from sgan.studies import ablation_tables

# ---------------------------------------------------------------------------------------------------------
# The constants a notebook may type: the paper's values (section / table / figure of Karras, Laine, Aila 2019,
# arXiv:1812.04948, or the official code, github.com/NVlabs/stylegan) and fixed facts of the synthetic data or
# of the code. A token is written as the checker reads it: a decimal ("0.001"), a percentage ("90%") or an
# integer with its unit ("1024²", "25M", "512 channels"). Every measured number is rendered by code instead.
# ---------------------------------------------------------------------------------------------------------
CONSTANTS: dict[str, str | tuple[str, str]] = {
    # resolutions
    "1024²": "paper §2 / Table 1: FFHQ and CelebA-HQ at 1024²",
    "64²": "paper §3.1 Figure 3: fine styles from 64² (official train.py lr/minibatch tables)",
    "32²": "paper §3.1 Figure 3: middle styles 16²-32²",
    "16²": "paper §3.1 Figure 3: middle styles from 16²",
    "8²": "paper §3.1 Figure 3: coarse styles 4²-8²; official progressive growing starts at 8²",
    "4²": "paper §2: the synthesis network starts from a learned constant 4×4×512",
    "4×4": "paper §2: the learned constant input is 4×4×512",
    # sizes and budgets
    "512 channels": "paper §2: 512 feature maps up to 32² (official networks_stylegan.py fmap_max=512)",
    "512": ("paper §2: z and w are 512-dimensional", r"dimension|channels|z_dim|w_dim|\\mathbb"),
    "25M": "paper Appendix C: FFHQ training shows 25M images (official train.py total_kimg=25000)",
    "12M": "ProGAN (Karras et al. 2018) trains 12M images; paper Table 1 row A",
    "70k": "paper Appendix A: FFHQ has 70,000 images",
    "50k": "paper §2 / Table 1: FID on 50,000 images",
    "100k": "paper §4.1: perceptual path length averaged over 100,000 samples",
    "200k": "paper §4.2: separability of 200,000 generated images",
    "10k": "paper §4.2 (and official train.py ema_kimg=10): 10k images",
    "600k": "official train.py: lod_training_kimg = lod_transition_kimg = 600 (fade-in and stable phases)",
    "8 layers": "paper §2: the mapping network is an 8-layer MLP",
    "18": ("paper §3.1: 18 styles at 1024² (two per resolution)", r"styles|layers"),
    # hyperparameters
    "0.001": "paper Appendix C / official train.py: learning rate 0.001 (0.0015 at 128²)",
    "0.0015": "official training_loop.py G_lrate_dict / D_lrate_dict: 0.0015 at 128²",
    "0.002": "official training_loop.py lrate_dict: 0.002 at 256²",
    "0.003": "official training_loop.py lrate_dict: 0.003 at 512² and 1024²",
    "0.01": ("paper Appendix C: the mapping network's learning rate is 100× lower (lrmul 0.01)",
              r"lr|learning rate|multiplier|mapping"),
    "0.99": ("paper Appendix C / official train.py: Adam β2 = 0.99",
              r"β|beta|Adam"),
    "0.995": ("official networks_stylegan.py dlatent_avg_beta=0.995 (the tracked w average)",
              r"w̄|average|beta|lerp|\\bar"),
    "0.7": ("paper Appendix B, Figure 8 / official pretrained_example.py: truncation ψ = 0.7",
              r"ψ|psi|truncat"),
    "0.0001": "paper §4.1: PPL step ε = 10⁻⁴",
    "1e-4": "paper §4.1: PPL step ε = 10⁻⁴",
    "90%": ("paper §3.1 / Table 2: mixing regularization on 90% of the training images",
              r"mix"),
    "50%": ("paper Table 2: mixing on 50% of the training images",
              r"mix"),
    "100%": ("paper Table 2: mixing on every training image",
              r"mix"),
    "0%": ("paper Table 2: no mixing (config E)",
              r"mix"),
    "0.2": ("official networks_stylegan.py: leaky ReLU slope 0.2 (sgan.nn.equalized.LRELU_SLOPE)",
              r"slope|leaky|ReLU"),
    # this project's fixed settings (not results): the file that sets each
    "75%": ("sgan.editing.HOLDOUT = 0.25: directions fitted on 75% of the images",
              r"fitted|of them"),
    "25%": ("sgan.editing.HOLDOUT = 0.25: R² measured on the other 25%",
              r"measured on|the other|held"),
    "2%": ("sgan.editing.DEGENERATE_BELOW = 0.25: a binary factor drawn in under about 2% of the images",
              r"degenerate|under about|drawing it|images"),
    "98%": ("sgan.editing.DEGENERATE_BELOW = 0.25: ... or over 98% of them",
              r"degenerate|over|images"),
    "0.1": ("notebook 06's check: fine styles beat coarse ones on colour by a margin of 0.1",
              r"margin"),
    "0.5 kimg": ("sgan.studies.sweep's fade_in study measures every 0.5 kimg",
              r"every"),
}

# units after an integer that make it a quantity (a result or a setting) rather than a count or a label
_UNIT = (r"(?:kimg|k(?![a-z])|M(?![a-zA-Z])|min(?:utes?)?(?![a-z])|hours?|h(?![a-z])|s(?![a-z])|seconds?|ms"
         r"|images|faces|channels|cores?|layers|points|GFLOP|PFLOP|TFLOP/s|GiB|MiB|GB|MB|px|pixels?|×|x(?![a-z])"
         r"|²|³)")
_NUM = r"\d+(?:\.\d+)?"
_METRIC = r"(?:FID|fid\w*|PPL|ppl\w*|separability|path length|R1|γ|lr|ema_kimg|r1_gamma|total_kimg)(?:\s[ZW])?"
# a number, or a list of them (64/64/32/16) or a range (59–69, 122 and 164, 13 to 30), then an optional unit or
# per cent; not inside a word, a version, a section reference (§3.1, Section 3), a path or a command
TOKEN = re.compile(rf"(?<![\w.§/\-])(?P<a>{_NUM}(?:/{_NUM})*)(?:(?:\s?[–-]\s?|\s(?:and|to)\s)(?P<b>{_NUM}))?"
                   rf"(?P<unit>\s?%|\s?{_UNIT})?(?![\w²])")
_SKIP_BEFORE = re.compile(r"(?:§|Section|section|Table|table|Tables|Figure|figure|Figures|notebooks?|Notebooks?|"
                          r"issue|Appendix|seeds?|config|configs|row|column|rows|columns|ticks?|step|steps|"
                          r"arXiv:|cells?|Eq\.|eq\.)\s*$")
# an integer after a metric's name is a measurement even without a unit ("fid2k 12", "FID of 12")
_AFTER_METRIC = re.compile(rf"{_METRIC}(?:\s(?:of|at|=|is|was|reaches|near|about|around|of about))?\s*[:=]?\s*$")


def _strip(markdown: str) -> str:
    """Markdown without equations, code spans, links' targets and HTML comments: what a learner reads as prose."""
    text = re.sub(r"<!--.*?-->", " ", markdown, flags=re.S)
    text = re.sub(r"```.*?```", " ", text, flags=re.S)
    text = re.sub(r"`[^`]*`", " ", text)
    text = re.sub(r"\]\([^)]*\)", "]", text)
    text = re.sub(r"\$\$.*?\$\$|\$[^$]*\$", " ", text, flags=re.S)
    return text


def tokens(markdown: str) -> list[str]:
    """The quantities a Markdown text types, as the checker reads them: ``"22.78"``, ``"59%"`` (a range's
    numbers each with the range's unit), ``"30 kimg"`` (normalised to one space), ``"32²"``."""
    out = []
    text = _strip(markdown)
    for m in TOKEN.finditer(text):
        before = text[:m.start()][-30:]
        if _SKIP_BEFORE.search(before[-12:]):
            continue
        unit = (m["unit"] or "").strip()
        metric = bool(_AFTER_METRIC.search(before))
        numbers = m["a"].split("/") + ([m["b"]] if m["b"] else [])
        for n in numbers:
            if "." not in n and not unit and not metric:
                continue  # a bare integer is a count or a label (3 seeds are words: "three seeds")
            space = "" if unit in ("%", "²", "³", "×", "x", "k", "M", "") else " "
            out.append(f"{n}{space}{unit}")
    return out


def paper_numbers() -> set[float]:
    """Every number of the paper's Tables 1-4 (``ablation_tables.PAPER_TABLE1`` ...): the paper's results, which a
    notebook may quote as the paper's."""
    found: set[float] = set()

    def walk(obj: Any) -> None:
        if isinstance(obj, Mapping):
            for v in obj.values():
                walk(v)
        elif isinstance(obj, (list, tuple)):
            for v in obj:
                walk(v)
        elif isinstance(obj, float):  # the measurements (an int there is a label: a mapping depth, a share)
            found.add(obj)

    tables = ablation_tables
    walk((tables.PAPER_TABLE1, tables.PAPER_TABLE2, tables.PAPER_TABLE3, tables.PAPER_TABLE4))
    return found


def _is_paper_number(token: str, paper: set[float]) -> bool:
    if not re.fullmatch(r"\d+\.\d+", token):
        return False
    digits = len(token.split(".")[1])
    # at the paper's own precision or finer: "11.6" is not the paper's 11.61, "4.40" is its 4.4(0)
    return any(f"{p:.{digits}f}" == token and digits >= len(repr(p).split(".")[1].rstrip("0") or "")
               for p in paper)


def _allowed(token: str, text: str, allowed: Mapping[str, Any]) -> bool:
    """Whether ``token`` is an allowed constant in ``text``: an entry ``(source, context)`` allows it only where
    ``context`` (a regular expression) matches the text too, so that "25%" of a held-out split does not let a
    measured "25%" pass."""
    for key in (token, token.split(" ")[0]):
        entry = allowed.get(key)
        if entry is not None:
            return isinstance(entry, str) or bool(re.search(entry[1], text, re.I))
    return False


def typed_numbers(markdown: str, allowed: Mapping[str, Any] = CONSTANTS, context: str | None = None) -> list[str]:
    """The tokens of ``markdown`` that are neither allowed constants nor numbers of the paper's tables: typed
    results (or settings) to render by code. ``context``: the text a constant's context is looked for in (the
    paragraph around a line; default ``markdown`` itself)."""
    paper = paper_numbers()
    context = markdown if context is None else context
    return [t for t in tokens(markdown) if not _allowed(t, context, allowed) and not _is_paper_number(t, paper)]


# A typed claim about order or agreement is a result too: "A has the lowest FID" follows the data only when code
# writes it. A sentence is flagged when it orders configs (a config letter and a comparative) without being the
# paper's own statement ("in the paper", "FFHQ"), or when it gives the course's measurement a verdict on the
# paper's claim ("here ... as the paper", "a quantitative version of the paper's claim").
_CONFIGS = r"(?<![\w'’-])[A-F](?:[–-][A-F])?(?![\w-])"
_COMPARATIVE = (r"\b(?:lowest|highest|lower than|higher than|(?:below|above) (?:it|them|[A-F]\b)|beats?|"
                r"better than|worse than|cleaner|smoother than|overtakes?|separates? from|less entangled|loses? to|"
                r"lags?|wins? over|"
                r"more separable|shorter than|longer than)\b|[<>]")
_PAPER_VOICE = re.compile(r"\b(?:in the paper|the paper(?:'s|’s)? (?:says|finds|reports|shows|claims|argues)|"
                          r"paper:|as published|FFHQ|CelebA-HQ)", re.I)
_VERDICT = re.compile(r"(?:\bquantitative\b|\bhere\b|\bours?\b|\byour\b|\bthis run\b|\bthe course(?:'s)?\b)"
                      r".*(?:\bthe paper(?:'s|’s)? (?:claim|result|finding)|\bas (?:in )?the paper\b|\breproduc\w*|"
                      r"\bconfirm\w*|\bagrees? with the paper)", re.I)


def sentences(markdown: str) -> list[str]:
    """The sentences of a Markdown text, equations and code left out, whitespace folded."""
    paragraphs = re.split(r"\n\s*\n|\n(?=\s*(?:#|[-*] |\d+\. ))", _strip(markdown))
    text = "\n".join(re.sub(r"\s+", " ", p) for p in paragraphs)  # the lines of a paragraph joined
    return [s.strip() for s in re.split(r"(?<=[.!?;:])\s+|\n", text) if s.strip()]


def typed_claims(markdown: str) -> list[str]:
    """The sentences of ``markdown`` that type an order between configs or a verdict on the paper's claim."""
    out = []
    for s in sentences(markdown):
        if s.endswith("?"):
            continue  # a question asks; it claims nothing
        order = re.search(_CONFIGS, s) and re.search(_COMPARATIVE, s) and not _PAPER_VOICE.search(s)
        if order or _VERDICT.search(s):
            out.append(s)
    return out


# a code comment is checked when it speaks of a measurement (a comment such as "e.g. {'style_mixing_prob': 0.5}"
# or "β = 0.5^(B / …)" states code, not a result)
_MEASURED = re.compile(r"fid|ppl|separab|R²|accuracy|\bruns?\b|\bseeds?\b|measured|prints?\b", re.I)


def _comments(code: str) -> str:
    """A code cell with everything but its comments blanked (a comment is prose a learner reads), line for line."""
    out = []
    for line in code.splitlines():
        m = re.search(r"(?:^|\s)#\s?(.*)$", line)
        quoted = m and (line[:m.start()].count('"') % 2 or line[:m.start()].count("'") % 2)
        out.append(m.group(1) if m and not quoted else "")
    return "\n".join(out)


# ---------------------------------------------------------------------------------------------------------
# Notebook sources (notebooks/NN_name.py, jupytext's percent format)
# ---------------------------------------------------------------------------------------------------------
def cells(source: str) -> list[tuple[str, int, str]]:
    """``(kind, first line number, text)`` of each cell of a percent-format notebook source (Markdown without
    its ``# `` prefixes)."""
    out, kind, current, start = [], None, [], 0
    for i, line in enumerate(source.splitlines(), 1):
        if line.startswith("# %%"):
            if kind is not None:
                out.append((kind, start, "\n".join(current)))
            kind, current, start = ("markdown" if "[markdown]" in line else "code"), [], i + 1
        elif kind == "markdown":
            current.append(line[2:] if line.startswith("# ") else line[1:])
        elif kind == "code":
            current.append(line)
    if kind is not None:
        out.append((kind, start, "\n".join(current)))
    return out


def check_source(source: str, allowed: Mapping[str, Any] = CONSTANTS) -> list[tuple[int, str, list[str]]]:
    """``(line number, line, flagged)`` for each line of a notebook source whose prose types a result: a number
    that is neither an allowed constant nor the paper's (Markdown and code comments), or an order or a verdict
    (Markdown sentences, flagged as ``"claim: …"`` at the line they start on)."""
    out: dict[int, tuple[str, list[str]]] = {}
    for kind, start, text in cells(source):
        lines = text.splitlines()
        prose = text if kind == "markdown" else "\n".join(
            c if _MEASURED.search(c) else "" for c in _comments(text).split("\n"))
        prose_lines = prose.splitlines()
        paragraph_of, current = [], []  # the paragraph (blank-line separated) each line belongs to
        for line in prose_lines + [""]:
            if line.strip():
                current.append(line)
            else:
                paragraph_of += ["\n".join(current)] * len(current) + [""]
                current = []
        for offset, line in enumerate(prose_lines):
            following = prose_lines[offset + 1].split(" ", 1)[0] if offset + 1 < len(prose_lines) else ""
            if re.search(r"\d$", line) and following:  # a number whose unit wraps to the next line: "192\nkimg"
                line = f"{line} {following}"
            flagged = typed_numbers(line, allowed, context=f"{paragraph_of[offset]}\n{line}")
            if flagged:
                out.setdefault(start + offset, (lines[offset], []))[1].extend(flagged)
        if kind == "markdown":
            flat = [re.sub(r"\s+", " ", _strip(line)) for line in lines]
            for claim in typed_claims(text):
                plain = re.sub(r"[*_]", "", claim)
                offset = next((o for n in (20, 12, 6) for o, line in enumerate(flat) if plain[:n].strip()
                               in re.sub(r"[*_]", "", line)), 0)
                out.setdefault(start + offset, (lines[offset] if lines else "", []))[1].append(f"claim: {claim}")
    return [(n, line, flagged) for n, (line, flagged) in sorted(out.items())]

def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sgan prose",
                                     description="Print the typed numbers of the notebooks' Markdown.")
    parser.add_argument("--rev", default=None, help="a git revision: check the sources as they were there")
    parser.add_argument("paths", nargs="*", help="notebook sources (default notebooks/[0-9][0-9]_*.py)")
    args = parser.parse_args(argv)
    root = Path(__file__).resolve().parents[2]
    paths = args.paths or sorted(str(p.relative_to(root)) for p in (root / "notebooks").glob("[0-9][0-9]_*.py"))
    total = 0
    for path in paths:
        if args.rev:
            text = subprocess.run(["git", "show", f"{args.rev}:{path}"], cwd=root, capture_output=True, text=True,
                                  check=True).stdout
        else:
            text = (root / path).read_text()
        for line_no, line, flagged in check_source(text):
            total += len(flagged)
            print(f"{path}:{line_no}: {', '.join(flagged)}  |  {line.strip()}")
    print(f"{total} typed number(s) not on sgan.studies.prose.CONSTANTS")
    return 1 if total else 0

