"""The main job of the course: ``make course`` (``python -m sgan.course --profile cpu``).

Runs the course headless with papermill, in order:

1. the ablation notebook (11) once per config A-F: each trains its config at the profile (or reuses a complete
   run: same ``config.json``, all metrics present), evaluates the profile's metrics, writes ``results.json``;
2. the teaching notebooks 00-10, which reuse those runs, and the results notebook 12;

and writes each executed notebook and its HTML rendering (nbconvert) to ``runs/course/<profile>/``, then
prints the results table of notebook 12. Re-running is cheap: complete runs are skipped.

Every notebook starts with a papermill ``parameters`` cell of plain literals, ``profile = None`` among them;
the next cell calls ``setup_notebook(profile, runs_dir)``, which replaces None by the profile named in the
``SGAN_PROFILE`` environment variable (default ``cpu``) and the profile's run folder. So a notebook opened in
JupyterLab, run by nbval (``SGAN_PROFILE=smoke``) or by papermill (``-p profile gpu``) takes the same path.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

from sgan.config import PRESETS, PROFILES

ABLATION_NOTEBOOK = "11_ablation.ipynb"
RESULTS_NOTEBOOK = "12_results.ipynb"
DEFAULT_PROFILE = "cpu"
KERNEL = "python3"  # jupyter_client runs the "python3" kernel with this interpreter (sys.executable)


def notebooks_dir() -> Path:
    """The course's ``notebooks/`` folder (next to the ``sgan`` package in the repository)."""
    from sgan.ablation import repo_root

    for root in (Path(__file__).resolve().parents[1], repo_root()):
        if root is not None and (root / "notebooks" / ABLATION_NOTEBOOK).is_file():
            return root / "notebooks"
    raise FileNotFoundError("The course's notebooks/ folder was not found: run from a clone of the "
                            "repository.")


def teaching_notebooks() -> list[str]:
    """Notebooks 00-10 in order (everything but the ablation and results notebooks)."""
    names = sorted(p.name for p in notebooks_dir().glob("[0-9][0-9]_*.ipynb"))
    return [n for n in names if n not in (ABLATION_NOTEBOOK, RESULTS_NOTEBOOK)]


def setup_notebook(profile: str | None = None, runs_dir: str | Path | None = None) -> tuple[str, Path]:
    """Resolve a notebook's parameters: ``profile`` None -> ``$SGAN_PROFILE`` or "cpu"; ``runs_dir`` None ->
    ``runs/course/<profile>`` (see ``sgan.ablation.course_dir``). Prints and returns both."""
    from sgan.ablation import check_profile, course_dir

    profile = check_profile(profile or os.environ.get("SGAN_PROFILE") or DEFAULT_PROFILE)
    runs = Path(runs_dir) if runs_dir is not None else course_dir(profile)
    _inline_figures()
    print(f"sgan course: profile {profile!r}, runs in {runs}")
    return profile, runs


def _inline_figures() -> None:
    """In a Jupyter kernel, show any returned matplotlib Figure inline (also those made without pyplot)."""
    try:
        from IPython import get_ipython
    except ImportError:
        return
    shell = get_ipython()
    if shell is not None and getattr(shell, "kernel", None) is not None:
        shell.run_line_magic("matplotlib", "inline")


def render_html(notebook: Path) -> Path:
    """Write ``notebook``'s HTML rendering next to it (atomically); returns its path."""
    from nbconvert import HTMLExporter

    body, _ = HTMLExporter().from_filename(str(notebook))
    target = notebook.with_suffix(".html")
    tmp = target.with_name(f".{target.name}.tmp")
    tmp.write_text(body, encoding="utf-8")
    os.replace(tmp, target)
    return target


def execute(name: str, out: Path, parameters: dict, output_name: str | None = None,
            progress: bool = True) -> Path:
    """Run notebook ``name`` with papermill into ``out/<output_name>`` and render it; returns the output path.

    The notebook runs in ``notebooks/`` (as in JupyterLab); its stdout and stderr are streamed to ours. A
    failed notebook is kept as ``<output>.failed.ipynb`` and the error re-raised; a success replaces the old
    output.
    """
    import papermill

    target = out / (output_name or name)
    partial = target.with_name(f".{target.stem}.partial.ipynb")
    try:
        papermill.execute_notebook(str(notebooks_dir() / name), str(partial), parameters=parameters,
                                   kernel_name=KERNEL, progress_bar=progress, log_output=False,
                                   stdout_file=sys.stdout, stderr_file=sys.stderr, cwd=str(notebooks_dir()))
    except BaseException:
        if partial.is_file():
            os.replace(partial, target.with_suffix(".failed.ipynb"))
        raise
    os.replace(partial, target)
    render_html(target)
    return target


@contextlib.contextmanager
def _kernel_threads(threads: str = "1") -> Iterator[None]:
    """``OMP_NUM_THREADS`` for the notebook kernels, unless already set. The course's networks are tiny: on a
    small, shared CPU one thread per process trains several times faster than threads fighting for the
    cores (measured: 173 vs 14 images/s at 8² on two busy cores)."""
    if "OMP_NUM_THREADS" in os.environ:
        yield
        return
    os.environ["OMP_NUM_THREADS"] = threads
    try:
        yield
    finally:
        del os.environ["OMP_NUM_THREADS"]


def run_course(profile: str = DEFAULT_PROFILE, out_dir: str | Path = "runs/course",
               configs: Sequence[str] = PRESETS, notebooks: Sequence[str] | None = None,
               progress: bool = True) -> Path:
    """Run the course at ``profile``; everything goes to ``<out_dir>/<profile>``, which is returned.

    ``configs``: the ablation runs (notebook 11 once each); ``notebooks``: the teaching notebooks (default
    00-10), followed by the results notebook 12. Prints progress, timings and, at the end, the results table.
    """
    from sgan.ablation import results_markdown

    if profile not in PROFILES:
        raise ValueError(f"Unknown profile {profile!r}: choose one of {', '.join(PROFILES)}.")
    out = Path(out_dir).resolve() / profile
    out.mkdir(parents=True, exist_ok=True)
    jobs = [(ABLATION_NOTEBOOK, f"11_ablation_{c}.ipynb",
             dict(config=c, profile=profile, out_dir=str(out), progress=False)) for c in configs]
    jobs += [(name, name, dict(profile=profile, runs_dir=str(out)))
             for name in (teaching_notebooks() if notebooks is None else notebooks)]
    jobs.append((RESULTS_NOTEBOOK, RESULTS_NOTEBOOK, dict(profile=profile, runs_dir=str(out))))
    start = time.perf_counter()
    print(f"sgan course: profile {profile!r}, {len(jobs)} notebooks, outputs in {out}", flush=True)
    with _kernel_threads():
        for i, (name, output, params) in enumerate(jobs, start=1):
            t0 = time.perf_counter()
            print(f"\n[{i}/{len(jobs)}] {output} ...", flush=True)
            execute(name, out, params, output, progress)
            print(f"[{i}/{len(jobs)}] {output} done in {time.perf_counter() - t0:.1f} s "
                  f"(course: {(time.perf_counter() - start) / 60:.1f} min)", flush=True)
    print(f"\nsgan course ({profile}) finished in {(time.perf_counter() - start) / 60:.1f} min; executed "
          f"notebooks and their HTML are in {out}\n")
    print(results_markdown(out))
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m sgan.course", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--profile", default=os.environ.get("SGAN_PROFILE", DEFAULT_PROFILE),
                        choices=sorted(PROFILES))
    parser.add_argument("--out", default="runs/course", help="the course root; outputs go to <out>/<profile>")
    parser.add_argument("--configs", default="".join(PRESETS), help="ablation configs to run, e.g. ABF")
    parser.add_argument("--no-progress", action="store_true", help="no per-cell progress bars")
    args = parser.parse_args(argv)
    configs = list(args.configs.upper())
    bad = sorted(set(configs) - set(PRESETS))
    if bad:
        parser.error(f"unknown config(s) {bad}: choose from {', '.join(PRESETS)}")
    run_course(args.profile, args.out, configs, progress=not args.no_progress)


if __name__ == "__main__":
    main()
