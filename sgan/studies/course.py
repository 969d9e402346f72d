"""The main job of the course: ``make course`` (``python -m sgan course --profile cpu``).

Runs the course headless with papermill, in order:

1. the ablation notebook (11) once per config A-F, two at a time (one core each): each trains its config at
   the profile (or reuses a complete run: same ``config.json``, all metrics present), evaluates the profile's
   metrics, writes ``results.json``;
2. the teaching notebooks 00-10 and 13 (13 trains its own tiny networks), which reuse those runs, and the
   results notebook 12;

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
import json
import os
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from sgan.atomic import write_text
from sgan.config import PRESETS, PROFILES
from sgan.env import DEVICE_GUARD_ENV
from sgan.paths import repo_root
from sgan.profiles import DEFAULT_PROFILE, check_profile, default_profile
from sgan.studies.ablation import course_dir, load_data, resolve_config
from sgan.studies.ablation_tables import results_markdown
from sgan.training.device import device_guard, process_threads
from sgan.training.frontend import kernel_shell

ABLATION_NOTEBOOK = "11_ablation.ipynb"
RESULTS_NOTEBOOK = "12_results.ipynb"
KERNEL = "python3"  # jupyter_client runs the "python3" kernel with this interpreter (sys.executable)


def notebooks_dir() -> Path:
    """The course's ``notebooks/`` folder (next to the ``sgan`` package in the repository)."""
    for root in (Path(__file__).resolve().parents[2], repo_root()):
        if root is not None and (root / "notebooks" / ABLATION_NOTEBOOK).is_file():
            return root / "notebooks"
    raise FileNotFoundError("The course's notebooks/ folder was not found: run from a clone of the "
                            "repository.")


def teaching_notebooks() -> list[str]:
    """Notebooks 00-10 and 13 in order (everything but the ablation and results notebooks)."""
    names = sorted(p.name for p in notebooks_dir().glob("[0-9][0-9]_*.ipynb"))
    return [n for n in names if n not in (ABLATION_NOTEBOOK, RESULTS_NOTEBOOK)]


def notebook_titles() -> list[tuple[str, str]]:
    """``(file name, title)`` of every notebook of the course, in order: the title is its first heading, read
    from the file (so a new notebook is listed as soon as it exists)."""
    out = []
    for path in sorted(notebooks_dir().glob("[0-9][0-9]_*.ipynb")):
        cells = json.loads(path.read_text())["cells"]
        text = next(("".join(c["source"]) for c in cells if c["cell_type"] == "markdown"), "")
        title = next((line.lstrip("# ").strip() for line in text.splitlines() if line.startswith("# ")), path.stem)
        out.append((path.name, title))
    return out


def setup_notebook(profile: str | None = None, runs_dir: str | Path | None = None) -> tuple[str, Path]:
    """Resolve a notebook's parameters: ``profile`` None -> ``$SGAN_PROFILE`` or "cpu"; ``runs_dir`` None ->
    ``runs/course/<profile>`` (see ``sgan.studies.ablation.course_dir``). Prints and returns both."""
    profile = check_profile(profile or default_profile())
    runs = Path(runs_dir) if runs_dir is not None else course_dir(profile)
    _inline_figures()
    guarded = _guard_devices()
    print(f"sgan course: profile {profile!r}, runs in {runs}" + (", under the device guard" if guarded else ""))
    return profile, runs


_guard = None


def _guard_devices() -> bool:
    """With ``$SGAN_DEVICE_GUARD=1`` (the tests' dry runs), the rest of this process runs under
    ``sgan.training.device.device_guard``: a tensor made without its device, or two devices meeting, fails the cell."""
    global _guard
    if os.environ.get(DEVICE_GUARD_ENV) != "1":
        return False
    if _guard is None:
        _guard = device_guard()
        _guard.__enter__()  # left on for the kernel's life
    return True


def _inline_figures() -> None:
    """In a Jupyter kernel, show any returned matplotlib Figure inline (also those made without pyplot)."""
    shell = kernel_shell()
    if shell is not None:
        shell.run_line_magic("matplotlib", "inline")


def render_html(notebook: Path) -> Path:
    """Write ``notebook``'s HTML rendering next to it (atomically); returns its path."""
    from nbconvert import HTMLExporter

    body, _ = HTMLExporter().from_filename(str(notebook))
    return write_text(notebook.with_suffix(".html"), body)


def execute(name: str, out: Path, parameters: dict, output_name: str | None = None,
            progress: bool = True, stream=None) -> Path:
    """Run notebook ``name`` with papermill into ``out/<output_name>`` and render it; returns the output path.

    The notebook runs in ``notebooks/`` (as in JupyterLab); its stdout and stderr are streamed to ``stream``
    (default: ours). A failed notebook is kept as ``<output>.failed.ipynb`` and the error re-raised; a success
    replaces the old output.
    """
    import papermill

    target = out / (output_name or name)
    partial = target.with_name(f".{target.stem}.partial.ipynb")
    try:
        papermill.execute_notebook(str(notebooks_dir() / name), str(partial), parameters=parameters,
                                   kernel_name=KERNEL, progress_bar=progress, log_output=False,
                                   stdout_file=stream or sys.stdout,
                                   stderr_file=stream or sys.stderr, cwd=str(notebooks_dir()))
    except BaseException:
        if partial.is_file():
            os.replace(partial, target.with_suffix(".failed.ipynb"))
        raise
    os.replace(partial, target)
    render_html(target)
    return target


@contextlib.contextmanager
def kernel_threads(jobs: int) -> Iterator[None]:
    """``OMP_NUM_THREADS`` for notebook kernels of which ``jobs`` run at once, unless already set: the
    machine's cores split between them (``sgan.training.device.process_threads``). So the ablation runs, two at a time
    on 2 cores, get one thread each (the course's networks are tiny: on a small, shared CPU one thread per
    process trains several times faster than threads fighting for the cores, measured 173 vs 14 images/s at 8²
    on two busy cores), and a teaching notebook, alone, gets every core."""
    if "OMP_NUM_THREADS" in os.environ:
        yield
        return
    os.environ["OMP_NUM_THREADS"] = str(process_threads(jobs))
    try:
        yield
    finally:
        del os.environ["OMP_NUM_THREADS"]


class _Prefixed:
    """A text stream that prefixes every line written to ``stream`` with ``prefix`` (two notebooks printing
    at once stay readable)."""

    def __init__(self, stream, prefix: str) -> None:
        self.stream, self.prefix, self._at_line_start = stream, prefix, True

    def write(self, text: str) -> int:
        out = []
        for line in text.splitlines(keepends=True):
            out.append(self.prefix + line if self._at_line_start else line)
            self._at_line_start = line.endswith("\n")
        self.stream.write("".join(out))
        return len(text)

    def flush(self) -> None:
        self.stream.flush()


def prepare_data(profile: str, configs: Sequence[str]) -> None:
    """Build the training data's cache once, before parallel ablation runs would each build it."""
    for config in configs:
        load_data(resolve_config(config, profile), progress=True)


def _ablation_jobs(jobs: int) -> int:
    """Parallel ablation runs: one per core, at most ``jobs`` (each kernel trains on one thread)."""
    if jobs < 1:
        raise ValueError(f"jobs={jobs}: run at least one notebook at a time (jobs >= 1).")
    return max(1, min(jobs, os.cpu_count() or 1))


def run_course(profile: str = DEFAULT_PROFILE, out_dir: str | Path | None = None,
               configs: Sequence[str] = PRESETS, notebooks: Sequence[str] | None = None,
               progress: bool = True, jobs: int = 2) -> Path:
    """Run the course at ``profile``; everything goes to ``<out_dir>/<profile>``, which is returned (``out_dir``
    None: the course's root, ``$SGAN_RUNS/course`` or ``runs/course``, where the notebooks look for the runs).

    ``configs``: the ablation runs (notebook 11 once each, ``jobs`` at a time, one torch thread each);
    ``notebooks``: the teaching notebooks (default 00-10 and 13, in order), followed by the results notebook 12.
    Prints progress, timings and, at the end, the results table.
    """
    if profile not in PROFILES:
        raise ValueError(f"Unknown profile {profile!r}: choose one of {', '.join(PROFILES)}.")
    workers = _ablation_jobs(jobs)
    out = course_dir(profile) if out_dir is None else Path(out_dir).resolve() / profile
    out.mkdir(parents=True, exist_ok=True)
    ablations = [(ABLATION_NOTEBOOK, f"11_ablation_{c}.ipynb",
                  dict(config=c, profile=profile, out_dir=str(out), progress=False)) for c in configs]
    teaching = [(name, name, dict(profile=profile, runs_dir=str(out)))
                for name in (teaching_notebooks() if notebooks is None else notebooks)]
    # 12 tabulates the configs this course ran (left to its default, it would train the others itself)
    teaching.append((RESULTS_NOTEBOOK, RESULTS_NOTEBOOK, dict(profile=profile, runs_dir=str(out),
                                                              configs="".join(configs))))
    clock = _Clock(len(ablations) + len(teaching))
    print(f"sgan course: profile {profile!r}, {clock.total} notebooks ({len(ablations)} ablation runs, "
          f"{workers} at a time), outputs in {out}", flush=True)
    prepare_data(profile, configs)
    with kernel_threads(workers):
        failed = threading.Event()  # set by a failed run: no other run starts (a running one finishes)

        def ablation(job: tuple[str, str, dict]) -> None:
            if failed.is_set():
                return
            try:
                _run_job(job, out, clock, progress and workers == 1, prefix=workers > 1)
            except BaseException:
                failed.set()
                raise

        with ThreadPoolExecutor(max_workers=workers) as pool:
            for future in [pool.submit(ablation, job) for job in ablations]:
                future.result()
    with kernel_threads(1):
        for job in teaching:
            _run_job(job, out, clock, progress, prefix=False)
    print(f"\nsgan course ({profile}) finished in {clock.minutes():.1f} min; executed notebooks and their "
          f"HTML are in {out}\n")
    print(results_markdown(out))
    return out


class _Clock:
    """Counts finished notebooks and the course's elapsed time (thread-safe)."""

    def __init__(self, total: int) -> None:
        self.total, self.done, self.start, self._lock = total, 0, time.perf_counter(), threading.Lock()

    def minutes(self) -> float:
        return (time.perf_counter() - self.start) / 60

    def finished(self) -> int:
        with self._lock:
            self.done += 1
            return self.done


def _run_job(job: tuple[str, str, dict], out: Path, clock: _Clock, progress: bool, prefix: bool) -> None:
    name, output, params = job
    stem = Path(output).stem
    t0 = time.perf_counter()
    print(f"[{stem}] started (course: {clock.minutes():.1f} min)", flush=True)
    stream = _Prefixed(sys.stdout, f"[{stem}] ") if prefix else sys.stdout
    execute(name, out, params, output, progress, stream)
    print(f"[{stem}] done in {time.perf_counter() - t0:.0f} s; {clock.finished()}/{clock.total} notebooks "
          f"(course: {clock.minutes():.1f} min)", flush=True)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m sgan course", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--profile", default=default_profile(),
                        choices=sorted(PROFILES))
    parser.add_argument("--out", default=None, help="the course root; outputs go to <out>/<profile> (default: "
                        "$SGAN_RUNS/course, else runs/course: where the notebooks look for the runs)")
    parser.add_argument("--configs", default="".join(PRESETS), help="ablation configs to run, e.g. ABF")
    parser.add_argument("--jobs", type=int, default=2, help="ablation runs at a time (one core each)")
    parser.add_argument("--notebooks", default=None,
                        help="teaching notebooks to run, by number, e.g. 00,08,14 (default: all; 12 always ends)")
    parser.add_argument("--no-progress", action="store_true", help="no per-cell progress bars")
    args = parser.parse_args(argv)
    configs = list(args.configs.upper())
    bad = sorted(set(configs) - set(PRESETS))
    if bad:
        parser.error(f"unknown config(s) {bad}: choose from {', '.join(PRESETS)}")
    notebooks = None
    if args.notebooks is not None:
        wanted = [n.strip() for n in args.notebooks.split(",") if n.strip()]
        names = {name[:2]: name for name in teaching_notebooks()}
        unknown = sorted(set(wanted) - set(names))
        if unknown:
            parser.error(f"unknown notebook(s) {unknown}: choose from {', '.join(sorted(names))}")
        notebooks = [names[n] for n in wanted]
    run_course(args.profile, args.out, configs, notebooks=notebooks, progress=not args.no_progress, jobs=args.jobs)

