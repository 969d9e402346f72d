"""No typed results in the course's prose (issue 27): a notebook's Markdown (and a code comment that speaks of a
measurement) may type only the constants of ``sgan.studies.prose.CONSTANTS`` (the paper's values and this project's
fixed settings, each with its source) and the paper's own table numbers. Every measured number, and every claim
about order or about agreeing with the paper, is rendered by code from the file it comes from."""

import json
import subprocess
from pathlib import Path

import pytest

from sgan.studies import prose, render
from sgan.studies import reference_tables as rt

ROOT = Path(__file__).resolve().parents[1]
SOURCES = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.py"))
OLD = "873b18f"  # main before issue 27: the seven contradictions the issue lists


@pytest.mark.parametrize("path", SOURCES, ids=[p.stem for p in SOURCES])
def test_no_notebook_types_a_result(path):
    flagged = prose.check_source(path.read_text())
    assert not flagged, f"{path.name} types results (render them with sgan.studies.prose from their file): " + \
        "; ".join(f"line {n}: {', '.join(f)}" for n, _, f in flagged)


def test_every_constant_has_a_source_and_reads_as_one_token():
    for token, entry in prose.CONSTANTS.items():
        source = entry if isinstance(entry, str) else entry[0]
        assert source.strip(), token
        assert prose.tokens(f"a value of {token} here") in ([token], []), token  # bare integers read as nothing


def test_a_constant_with_a_context_is_allowed_only_in_it():
    assert prose.typed_numbers("fitted on 75% of them, R² measured on the other 25%") == []
    assert prose.typed_numbers("open eyes in 25% of the faces") == ["25%"]  # a result, not the held-out split
    assert prose.typed_numbers("mixing regularization on 90% of the images") == []
    assert prose.typed_numbers("open eyes in 90% of the faces") == ["90%"]


def _source_with(markdown: str) -> str:
    text = (ROOT / "notebooks/12_results.py").read_text()
    return text.replace("# %% [markdown]\n", "# %% [markdown]\n# " + markdown + "\n#\n", 1)


def test_a_quoted_result_fails_and_so_does_its_plus_or_minus_one():
    ref = rt.load_reference(ROOT / "results" / "cpu")
    a = ref["table1"][0]["fid_best"]["mean"]
    quote = f"{a:.2f}"
    assert prose.check_source(_source_with(f"The reference's A: {quote}.")), quote
    last = int(quote[-1])
    for changed in {(last + 1) % 10, (last - 1) % 10}:
        mutated = quote[:-1] + str(changed)
        flagged = prose.check_source(_source_with(f"The reference's A: {mutated}."))
        assert flagged and mutated in flagged[0][2], mutated
    # the prose the renderers write is a result too: pasted into Markdown, each of its numbers fails
    pasted = render.table2_prose(ref["table2"])
    assert len(prose.typed_numbers(pasted)) >= 8


def test_the_checker_reads_units_ranges_and_claims():
    assert prose.tokens("open eyes in 59–69% of A's, 30 kimg, 64/64/32/16 channels, fid2k 12") == [
        "59%", "69%", "30 kimg", "64 channels", "64 channels", "32 channels", "16 channels", "12"]
    assert prose.tokens("§3.1, Table 2, notebook 12, seed 0, `lr 0.002`, $x = 0.5$, three seeds") == []
    assert prose.typed_numbers("the paper's 1024² faces, FFHQ 4.40 at lr 0.001") == []
    # a result that rounds to a paper number is not the paper's: 11.6 is not Table 2's 11.61, nor 8.0 a depth 8
    assert prose.typed_numbers("final 11.6 ± 0.8, 14.6 ± 3.6, 24.3 ± 8.0") == ["11.6", "0.8", "14.6", "3.6",
                                                                              "24.3", "8.0"]
    # a setting after its name is rendered from the config, whichever value it has: a profile may depart from it
    assert prose.typed_numbers("R1 (γ = 10)") == ["10"] and prose.typed_numbers("γ = 1 here") == ["1"]
    assert prose.typed_claims("At this profile A has the lowest FID, and C–F come out above it.")
    assert not prose.typed_claims("In the paper every step from A to F lowers FID.")
    assert prose.typed_claims("It is a quantitative version of the paper's claim that W is cleaner.")


def _old(path: str) -> str:
    try:
        return subprocess.run(["git", "show", f"{OLD}:{path}"], cwd=ROOT, capture_output=True, text=True,
                              check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        pytest.skip(f"git history with {OLD} is not available")


# each of the issue's contradictions as it was at OLD: the source and what on its line the checker flags
CONTRADICTIONS = [
    ("12_results.py", "A has the lowest FID"),  # 1: an order typed, contradicted by the table above it
    ("02_config_b_tuning.py", "0.91"),  # 2: "0.91–1.02 of the data's power", the run printed 0.78
    ("02_config_b_tuning.py", "59%"),  # 3: open eyes in "59–69% of A's"
    ("14_projection_and_editing.py", "quantitative version of the paper's claim"),  # 4: a verdict typed
    ("10_linear_separability.py", "33"),  # 6: a comment's "separability Z 18-33"
    ("12_results.py", "0.42"),  # 7: reference means quoted as the learner's F
    ("12_results.py", "0.71"),
]


@pytest.mark.parametrize("name, needle", CONTRADICTIONS, ids=[f"{n[:2]}-{s[:12]}" for n, s in CONTRADICTIONS])
def test_the_checker_flags_the_issues_contradictions_as_they_were(name, needle):
    flagged = prose.check_source(_old(f"scripts/notebooks/{name}"))  # where the sources were at OLD
    assert any(needle in item for _, _, items in flagged for item in items), (name, needle)


def test_reproduced_no_longer_credits_table2_by_accident():
    # 5: at OLD, reproduced.md said "as the paper" for F < E at 4 latents while E improved from 1 to 4 latents
    tables = json.loads(_old("results/cpu/tables.json"))
    rows = {r["claim"]: r for r in rt.reproduced(None, lookup=rt.tables_lookup(tables))}
    f_below_e = rows["mixing regularization helps with 4 latents at test time (F < E)"]
    assert f_below_e["holds"] and not f_below_e["mechanism"]
    assert "direction by accident" in rt.reproduced_markdown([f_below_e])


def test_the_renderers_follow_the_data():
    a, c = {"mean": 14.57, "std": 3.59, "n": 3}, {"mean": 19.77, "std": 2.23, "n": 3}
    assert render.compare("A", a, "C", c) == ("A (14.57 ± 3.59) is below C (19.77 ± 2.23), within the seed-to-seed "
                                              "spread")
    assert render.compare("A", c, "C", a).startswith("A (19.77 ± 2.23) is above C")
    assert render.order({"A": 2.0, "B": 1.0, "C": float("nan")}) == "B 1.00 < A 2.00"
    row = {"config": "A", "fid": 22.78}
    assert "Every style-based config (C–F) lies above A" in render.table1_order_prose(
        [row, {"config": "C", "fid": 23.0}], "fid")
    assert "C lies below A" in render.table1_order_prose([row, {"config": "C", "fid": 22.56}], "fid")
    ref = rt.load_reference(ROOT / "results" / "cpu")
    e = next(r for r in ref["table2"] if r["mixing"] == "E 0%")
    hurt = json.loads(json.dumps(ref["table2"]))
    next(r for r in hurt if r["mixing"] == "E 0%")["fid_mix4"]["mean"] = e["fid_mix1"]["mean"] + 5
    said = ["does **not** hurt" in render.table2_prose(t) for t in (ref["table2"], hurt)]
    assert said[0] != said[1]


def test_the_study_prose_reads_the_committed_files():
    cpu = ROOT / "results" / "cpu"
    text = render.b_tuning_prose(cpu / "b_tuning")
    rows = json.loads((cpu / "b_tuning" / "table.json").read_text())["rows"]
    a = next(r for r in rows if r["variant"] == "A")
    assert f"A {a['best_mean']:.2f} ± {a['best_std']:.2f}" in text
    ref = rt.load_reference(cpu)
    ppl = render.ppl_prose(ref["table3"])
    for r in ref["table3"]:  # each config on the side of "full" its numbers put it
        side = "end below full for" if r["ppl_wend"]["mean"] < r["ppl_wfull"]["mean"] else "end at or above full for"
        assert r["config"] in ppl.split(side)[1].split(";")[0], (r["config"], side)
    mechanism = json.loads((cpu / "table2_mechanism.json").read_text())["rows"]
    assert "**Tested**" in render.table2_prose(ref["table2"], mechanism)
    assert "Not tested yet" in render.table2_prose(ref["table2"])
    budget = render.attributes_prose(cpu / "budget" / "attributes.json")
    assert "the budget study, mean over 3 seeds" in budget and "Your F" not in budget
