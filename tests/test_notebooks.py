"""The course's notebooks: structure (fast), then every notebook run for real at the smoke profile (slow).

The slow part is what ``make test`` promises about the course:

1. the ablation runs A-F at the smoke profile, into a temporary folder, once per session: notebook 11 through
   papermill for A and F, the function it calls for the others (``smoke_course`` in conftest.py);
2. the results notebook (12) collects them: the tables must have all six rows, every number finite;
3. every other notebook runs under nbval (``--nbval-lax --nbval-current-env``, ``SGAN_PROFILE=smoke``) in a
   pytest subprocess of its own (one test per notebook, so that the workers share them), reusing the sweep's
   runs (notebooks 01-07 find them complete); each notebook's own assertions are the checks. A notebook that a
   selected test of tests/test_browser.py runs in full in JupyterLab (05, 06, 07, 14) is left to it where the
   browser can run (``runs_notebook`` in conftest.py).

Runs, data caches and executed notebooks all go to pytest's temporary folder, never into the repository.
"""

import ast
import importlib.util
import json
import math
import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import nbformat
import pytest
from sharing import NOTEBOOK_TIMEOUT_S, build_once, papermill, repo_files

from sgan.config import PRESETS

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))


def _read(path: Path) -> nbformat.NotebookNode:
    return nbformat.read(path, as_version=4)


def _code_cells(nb) -> list:
    return [c for c in nb.cells if c.cell_type == "code"]


# ---------------------------------------------------------------------------------------------------------
# Structure
# ---------------------------------------------------------------------------------------------------------
def test_the_course_is_numbered_00_to_14():
    assert [p.name[:2] for p in NOTEBOOKS] == [f"{i:02d}" for i in range(15)]
    assert (ROOT / "notebooks" / "11_ablation.ipynb") in NOTEBOOKS
    assert (ROOT / "notebooks" / "12_results.ipynb") in NOTEBOOKS


@pytest.fixture(scope="module")
def sync_notebooks():
    """``scripts/sync_notebooks.py`` (what ``make notebooks`` runs) as a module."""
    spec = importlib.util.spec_from_file_location("sync_notebooks", ROOT / "scripts" / "sync_notebooks.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_notebooks_are_paired_with_their_sources_by_jupytext(sync_notebooks):
    """Every notebook has its percent-format source beside it and the reverse; pyproject's [tool.jupytext] pairs
    them; each committed notebook is byte for byte what jupytext makes of its source (with the stable cell ids),
    and jupytext writes each source back unchanged from its notebook (so saving in JupyterLab changes neither)."""
    problems = sync_notebooks.problems()  # a notebook without its source, or a source without its notebook, first
    assert not problems, "; ".join(problems) + f". To fix: {sync_notebooks.FIX}"


def test_a_notebook_gets_stable_ids_and_no_outputs_from_its_source(sync_notebooks):
    source = ROOT / "notebooks" / "07_truncation.py"
    text = sync_notebooks.build(source)
    assert text == sync_notebooks.build(source)  # byte-identical rebuilds
    nb = nbformat.reads(text, as_version=4)
    assert [c.id for c in nb.cells] == [f"07-{i:02d}" for i in range(len(nb.cells))]
    assert nb.metadata == sync_notebooks.METADATA and nb.nbformat_minor == 5
    assert all(c.metadata.get("tags") == ["parameters"] for c in nb.cells if c.metadata)


def test_make_notebooks_syncs_a_pair_from_either_side(sync_notebooks, tmp_path):
    """``make notebooks`` in small, in a folder of its own: a notebook without its source gets one, a source without
    its notebook gets one, and a cell added in a notebook reaches its source (with the ids renumbered)."""
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    (tmp_path / "pyproject.toml").write_text(
        "[tool.jupytext]\n" + "".join(f"{k} = {json.dumps(v)}\n" for k, v in pyproject["tool"]["jupytext"].items()))
    folder = tmp_path / "notebooks"
    folder.mkdir()
    shutil.copy(ROOT / "notebooks" / "07_truncation.py", folder)
    shutil.copy(ROOT / "notebooks" / "08_fid.ipynb", folder)
    sync_notebooks.sync(folder)
    assert sync_notebooks.problems(folder) == []
    assert (folder / "08_fid.py").read_text() == (ROOT / "notebooks" / "08_fid.py").read_text()
    assert (folder / "07_truncation.ipynb").read_text() == (ROOT / "notebooks" / "07_truncation.ipynb").read_text()

    nb = nbformat.read(folder / "08_fid.ipynb", as_version=4)
    nb.cells.insert(1, nbformat.v4.new_markdown_cell("A sentence added in JupyterLab."))
    nbformat.write(nb, folder / "08_fid.ipynb")
    os.utime(folder / "08_fid.py", (0, 0))  # the notebook is the newer file of its pair
    assert sync_notebooks.sync(folder) == ["08_fid.ipynb", "08_fid.py"]
    assert "# A sentence added in JupyterLab." in (folder / "08_fid.py").read_text()
    assert [c.id for c in nbformat.read(folder / "08_fid.ipynb", as_version=4).cells][:3] == ["08-00", "08-01", "08-02"]
    assert sync_notebooks.problems(folder) == []


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_one_parameters_cell_of_plain_literals_resolved_by_setup_notebook(path):
    cells = _code_cells(_read(path))
    tagged = [i for i, c in enumerate(cells) if "parameters" in c.metadata.get("tags", [])]
    assert tagged == [0], f"{path.name}: exactly one parameters cell, the first code cell"
    names = []
    for stmt in ast.parse(cells[0].source).body:
        assert isinstance(stmt, ast.Assign) and len(stmt.targets) == 1, ast.dump(stmt)
        names.append(stmt.targets[0].id)
        ast.literal_eval(stmt.value)  # papermill replaces literals only
    assert "profile" in names and ast.literal_eval(_assigned(cells[0].source, "profile")) is None
    assert "setup_notebook(profile" in cells[1].source


def _assigned(source: str, name: str) -> str:
    for stmt in ast.parse(source).body:
        if stmt.targets[0].id == name:
            return ast.unparse(stmt.value)
    raise KeyError(name)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebooks_import_sgan_teach_and_end_with_checks(path):
    nb = _read(path)
    code = "\n".join(c.source for c in _code_cells(nb))
    markdown = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    assert "import sgan" in code or "from sgan" in code
    assert "class " not in code, "notebooks use sgan's classes, they never define their own"
    assert nb.cells[0].cell_type == "markdown" and nb.cells[0].source.startswith(f"# {path.name[:2]} ·")
    if path.name < "11":
        assert "$$" in markdown, "a teaching notebook states its equation in LaTeX"
    last = _code_cells(nb)[-1].source
    assert "assert" in last and last.rstrip().endswith('print("ok")')
    assert all(not c.get("outputs") and c.get("execution_count") is None for c in _code_cells(nb))


def test_setup_notebook_resolves_none_from_the_environment(monkeypatch, tmp_path):
    from sgan.studies.course import setup_notebook

    monkeypatch.setenv("SGAN_RUNS", str(tmp_path))
    monkeypatch.setenv("SGAN_PROFILE", "smoke")
    assert setup_notebook(None, None) == ("smoke", tmp_path / "course" / "smoke")
    assert setup_notebook("gpu", "elsewhere") == ("gpu", Path("elsewhere"))
    monkeypatch.delenv("SGAN_PROFILE")
    assert setup_notebook()[0] == "cpu"
    with pytest.raises(ValueError, match="Unknown profile"):
        setup_notebook("laptop")


def test_course_cli_rejects_unknown_configs():
    from sgan.studies.course import main

    with pytest.raises(SystemExit):
        main(["--configs", "AZ"])


# ---------------------------------------------------------------------------------------------------------
# Every notebook, run for real at the smoke profile
# ---------------------------------------------------------------------------------------------------------
@pytest.mark.slow
def test_ablation_sweep_collected_into_the_paper_tables(smoke_course, tmp_path):
    runs = smoke_course["runs"]
    assert all((runs / c / "results.json").is_file() for c in PRESETS)
    run = papermill("12_results.ipynb", tmp_path / "12_results.ipynb", {"profile": "smoke", "runs_dir": str(runs)},
                    smoke_course["env"])
    assert run.error is None, run.error[-6000:]
    assert "training config" not in run.text  # notebook 12 reused the sweep's runs
    tables = json.loads((runs / "results_tables.json").read_text())
    assert [row["config"] for row in tables["table1"]] == list(PRESETS)
    assert [row["config"] for row in tables["table3"]] == list(PRESETS)
    for row in tables["table1"]:
        final = [v for k, v in row.items() if k.startswith("fid") and not k.endswith(" best")]
        best = [v for k, v in row.items() if k.startswith("fid") and k.endswith(" best")]
        assert len(final) == 1 and math.isfinite(final[0]) and final[0] > 0, row
        assert len(best) == 1 and 0 < best[0] <= final[0] * (1 + 1e-9), row  # the curve's lowest point
        assert row["paper FFHQ"] is not None
    for row in tables["table3"]:
        assert all(math.isfinite(row[k]) for k in ("ppl full", "ppl end", "separability")), row
    assert "Table 1" in (runs / "results.md").read_text()


# 11 and 12 run through papermill instead: 11 for A and F in the smoke course, 12 in the test above
NBVAL_NOTEBOOKS = [p for p in NOTEBOOKS if p.name[:2] not in ("11", "12")]


@pytest.mark.slow
@pytest.mark.parametrize("path", NBVAL_NOTEBOOKS, ids=lambda p: p.name[:2])
def test_the_notebook_runs_under_nbval(path, smoke_course):
    """One notebook under nbval (``--nbval-lax``: every cell runs without an error; the notebook's own asserts are
    the checks) at the smoke profile, reusing the smoke course's runs, and it writes nothing into the repository."""
    before = repo_files()
    cmd = [sys.executable, "-m", "pytest", "--nbval-lax", "--nbval-current-env", "-p", "no:cacheprovider",
           "-p", "no:xdist", "-q", "-x", "--rootdir", str(ROOT), str(path)]
    proc = subprocess.run(cmd, cwd=ROOT, env=smoke_course["env"], capture_output=True, text=True,
                          timeout=NOTEBOOK_TIMEOUT_S)
    assert proc.returncode == 0, proc.stdout[-6000:] + proc.stderr[-2000:]
    assert f"{len(_code_cells(_read(path)))} passed" in proc.stdout
    assert repo_files() == before, f"{path.name} wrote into the repository"


def test_parallel_notebook_output_is_prefixed_line_by_line():
    import io

    from sgan.studies.course import _Prefixed

    sink = io.StringIO()
    stream = _Prefixed(sink, "[F] ")
    for piece in ("tick 1", ": 2 kimg\ntick", " 2\n", "\n", "done\n"):
        stream.write(piece)
    assert sink.getvalue() == "[F] tick 1: 2 kimg\n[F] tick 2\n[F] \n[F] done\n"


def test_course_rejects_zero_jobs():
    from sgan.studies.course import run_course

    with pytest.raises(ValueError, match="jobs=0"):
        run_course("smoke", jobs=0)


def test_a_failed_ablation_run_stops_the_course(monkeypatch, tmp_path):
    import sgan.studies.course as course

    started = []

    def fake_execute(name, out, params, output_name=None, progress=True, stream=None):
        started.append(params.get("config"))
        raise RuntimeError(f"notebook {output_name} failed")

    monkeypatch.setattr(course, "execute", fake_execute)
    monkeypatch.setattr(course, "prepare_data", lambda profile, configs: None)
    with pytest.raises(RuntimeError, match="11_ablation_A.ipynb failed"):
        course.run_course("smoke", tmp_path, configs="ABC", jobs=1, progress=False)
    assert started == ["A"], "runs after a failure were still started"


def test_the_course_hands_its_configs_to_the_results_notebook(monkeypatch, tmp_path):
    """``--configs ACF``: 12 tabulates A, C and F (left to its default it would train B, D and E itself)."""
    import sgan.studies.course as course

    calls = []
    monkeypatch.setattr(course, "execute", lambda name, out, params, *args, **kwargs: calls.append((name, params)))
    monkeypatch.setattr(course, "prepare_data", lambda profile, configs: None)
    monkeypatch.setattr(course, "results_markdown", lambda out: "")
    course.run_course("smoke", tmp_path, configs="ACF", notebooks=[], jobs=1, progress=False)
    assert [params["config"] for name, params in calls[:-1]] == ["A", "C", "F"]
    assert calls[-1][0] == "12_results.ipynb" and calls[-1][1]["configs"] == "ACF"


def test_the_course_goes_where_the_notebooks_look_for_it(monkeypatch, tmp_path):
    """Without ``--out``, ``python -m sgan course`` writes under ``$SGAN_RUNS/course/<profile>``, the folder that a
    notebook opened later (``setup_notebook``) reads, not ``./runs`` of wherever it was started."""
    import sgan.studies.course as course

    outs = []
    monkeypatch.setenv("SGAN_RUNS", str(tmp_path / "elsewhere"))
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(course, "execute", lambda name, out, params, *args, **kwargs: outs.append(Path(out)))
    monkeypatch.setattr(course, "prepare_data", lambda profile, configs: None)
    monkeypatch.setattr(course, "results_markdown", lambda out: "")
    course.main(["--profile", "smoke", "--configs", "A", "--notebooks", "", "--no-progress", "--jobs", "1"])
    assert set(outs) == {course.setup_notebook("smoke")[1]} == {tmp_path / "elsewhere" / "course" / "smoke"}
    assert not (tmp_path / "runs").exists()


# ---------------------------------------------------------------------------------------------------------
# The gpu course, dry: `PROFILE=gpu make course` on CPU at the gpu profile's shapes and settings
# ---------------------------------------------------------------------------------------------------------
# The configs of the dry run: between them A, C and F run every module of B, D and E (A the traditional generator
# and loss; C the style-based generator fed by the latent, with B's bilinear resampling and R1; F the constant
# input, noise and mixing), so the other three add time, not code (SGAN_DRY_CONFIGS=ABCDEF runs all six).
# The teaching notebooks: the metric notebooks, where the gpu course spends its evaluation hours (08 FID, 09
# PPL, 10 separability), and 00. All of 00-14 at the gpu profile's 64² take ~20 minutes on 2 busy cores (06's
# style-mixing agreement alone ~5, 14's projections over 3; projection and editing run under the guard in
# tests/test_device_hygiene.py): set SGAN_DRY_NOTEBOOKS=all for them, or a list such as 06,14. Each notebook is
# a test of its own, so that the workers share them.
DRY_CONFIGS = os.environ.get("SGAN_DRY_CONFIGS", "ACF")
DRY_NOTEBOOKS = [p.name[:2] for p in NOTEBOOKS if p.name[:2] not in ("11", "12")] \
    if os.environ.get("SGAN_DRY_NOTEBOOKS") == "all" else os.environ.get("SGAN_DRY_NOTEBOOKS", "00,08,09,10").split(",")
GUARDED = "under the device guard"


def _dry_env(folder: Path) -> dict[str, str]:
    env = {**os.environ, "SGAN_RUNS": str(folder / "runs"), "SGAN_DATA": str(folder / "data"),
           "SGAN_DEVICE_GUARD": "1", "PYTHONUNBUFFERED": "1"}
    for name in ("SGAN_PROFILE", "SGAN_REQUIRE_BROWSER"):
        env.pop(name, None)
    # one thread per kernel (conftest.py), as every core runs a test worker; the course's own choice of threads
    # (sgan.studies.course.kernel_threads) is tested in tests/test_device.py
    return env


@pytest.fixture(scope="session")
def gpu_dry_course(tmp_path_factory) -> dict:
    """The course at profile ``gpu-dry`` (the gpu profile's 64², layers, schedule and settings; budget, metric
    counts, minibatch and widths cut to seconds: ``sgan/config.py``): the ablation runs of ``DRY_CONFIGS``
    through papermill and 12's tables, every kernel under the device guard (``SGAN_DEVICE_GUARD=1``: sgan's code
    and the notebooks' cells name the device of every tensor they make). Built once per session."""
    def build(folder: Path) -> None:
        proc = subprocess.run([sys.executable, "-m", "sgan", "course", "--profile", "gpu-dry", "--out",
                               str(folder / "course"), "--no-progress", "--configs", DRY_CONFIGS, "--notebooks", ""],
                              cwd=ROOT, env=_dry_env(folder), capture_output=True, text=True,
                              timeout=2 * NOTEBOOK_TIMEOUT_S)
        (folder / "stdout.txt").write_text(proc.stdout)
        assert proc.returncode == 0, proc.stdout[-6000:] + proc.stderr[-3000:]

    folder = build_once(tmp_path_factory, "gpu-dry-course", build)
    return {"folder": folder, "runs": folder / "course" / "gpu-dry", "stdout": (folder / "stdout.txt").read_text()}


@pytest.mark.slow
def test_the_gpu_course_dry_run_trains_and_tabulates_at_64(gpu_dry_course):
    runs = gpu_dry_course["runs"]
    assert gpu_dry_course["stdout"].count(GUARDED) == len(DRY_CONFIGS) + 1  # + 12
    tables = json.loads((runs / "results_tables.json").read_text())
    assert [row["config"] for row in tables["table1"]] == list(DRY_CONFIGS)  # 12 tabulates the configs that ran
    assert "training config" not in gpu_dry_course["stdout"].split("[12_results] started")[-1]  # it trains none
    for row in tables["table3"]:
        assert all(math.isfinite(row[k]) for k in ("ppl full", "ppl end", "separability")), row
    for config in DRY_CONFIGS:
        result = json.loads((runs / config / "results.json").read_text())
        cfg = result["run_config"]
        assert (cfg["model"]["resolution"], cfg["train"]["channels_last"]) == (64, True)
        assert result["learning_curve"]["kimg"][-1] == pytest.approx(cfg["train"]["total_kimg"], abs=0.01)
        details = result["details"]
        judges = [result["learning_curve"]["feature_network"], *(d["feature_network"] for d in details.values())]
        # at 64² every metric's judge is the 64² one (issue 29), and none shrank an image
        assert all(j.startswith("domain-net-64-") for j in judges if j.startswith("domain-net-")), judges
        assert not [name for name, d in details.items() if "resized" in d]


@pytest.mark.slow
@pytest.mark.parametrize("number", DRY_NOTEBOOKS)
def test_a_teaching_notebook_in_the_gpu_course_dry_run(number, gpu_dry_course, tmp_path):
    """A teaching notebook at profile ``gpu-dry`` under the device guard, reading the dry run's runs."""
    (path,) = [p for p in NOTEBOOKS if p.name.startswith(number)]
    run = papermill(path.name, tmp_path / path.name, {"profile": "gpu-dry", "runs_dir": str(gpu_dry_course["runs"])},
                    _dry_env(gpu_dry_course["folder"]))
    assert run.error is None, run.error[-6000:]
    assert GUARDED in run.text
