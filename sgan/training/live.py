"""Watch a run learn: the live view that ``sgan.train`` shows in JupyterLab, updated at every tick.

One widget: loss_D and loss_G against kimg; the FID learning curve, with the band of the reference runs of
this config and profile when there is one (``reference_band``: their best FID, mean ± 2 std over seeds, as
notebook 12 compares); the latest fixed-seed grid (nearest-neighbour enlarged); img/s, the ETA, a progress bar;
and a stop button.

``figure_data(rows, ...)`` turns log rows into what is drawn (plain lists, testable without a browser) and
``svg_chart`` draws a chart as SVG text: a few milliseconds a tick, where a matplotlib figure took ~200 ms on
this project's busy 2-core machine (``benchmarks/bench_live.py`` measures the view's cost).

The stop button asks the Jupyter server to interrupt the kernel, as the toolbar's ■ does: the kernel gets
SIGINT, which ``sgan.train`` already turns into "finish this minibatch, close the tick, write a checkpoint,
return" (``sgan.training.loop._StopRequests``), so the run resumes with ``resume=True``. A widget button could not do
it: a kernel busy running a cell reads no widget messages until the cell ends.

``sgan.train`` shows the view when a person watches the kernel (``sgan.training.frontend.in_live_frontend``); under
papermill, nbval or plain Python it prints its text lines and progress bar as before.
"""

from __future__ import annotations

import html
import math
import re
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import ipywidgets as W
import numpy as np

from sgan.config import PRESETS, PROFILES, RunConfig, make_config
from sgan.images import upscale
from sgan.notebook_io import caption, show_image
from sgan.paths import load_reference, report_dir
from sgan.training.frontend import kernel_shell
from sgan.training.rundir import RunDir

GRID_HEIGHT = 256  # the grid's displayed height in pixels (an integer nearest-neighbour factor of it)
CHART_SIZE = (330, 210)
LOSS_COLORS = {"loss_D": "#1f77b4", "loss_G": "#d62728"}
FID_COLOR = "#2ca02c"
ETA_TICKS = 3  # the ETA uses the pace of the last few ticks


# ---------------------------------------------------------------------------------------------------------
# What is drawn
# ---------------------------------------------------------------------------------------------------------
def reference_band(config: RunConfig) -> dict[str, Any] | None:
    """The reference runs' best FID for this config and profile (``results/<profile>/tables.json``, the
    source of notebook 12's bands): ``{"metric", "mean", "std", "n", "low", "high"}`` with low/high = mean ∓ 2
    std; None when there are no reference results, or the run is not the plain preset (an override)."""
    if config.profile not in PROFILES or config.model.name not in PRESETS:
        return None
    if make_config(config.model.name, config.profile, seed=config.train.seed).differences(config):
        return None
    tables = load_reference(report_dir(config.profile))
    row = next((r for r in (tables or {}).get("table1", []) if r["config"] == config.model.name), None)
    if row is None or row["fid_best"]["n"] < 2:
        return None
    mean, std = float(row["fid_best"]["mean"]), float(row["fid_best"]["std"])
    return {"metric": tables["metric"], "mean": mean, "std": std, "n": int(row["fid_best"]["n"]),
            "low": mean - 2 * std, "high": mean + 2 * std}


def figure_data(rows: Sequence[dict[str, Any]], total_kimg: float,
                band: dict[str, Any] | None = None) -> dict[str, Any]:
    """What the live view draws after ``rows`` (the log so far):

    ``losses``: ``{key: {"kimg": [...], "value": [...]}}`` for loss_D and loss_G; ``fid``: ``{"metric", "kimg",
    "value", "best", "best_kimg"}`` or None; ``band``: the reference band when it measured the same metric, else
    None; ``now``: the last row's tick, kimg, resolution, α and img/s, ``total_kimg``, ``eta_s`` (seconds to
    ``total_kimg`` at the pace of the last ``ETA_TICKS`` ticks, their FID included; None before a tick)."""
    losses = {k: {"kimg": [r["kimg"] for r in rows if k in r], "value": [float(r[k]) for r in rows if k in r]}
              for k in LOSS_COLORS}
    fid_rows = [r for r in rows if r.get("fid") is not None]
    fid = None
    if fid_rows:
        values = [float(r["fid"]) for r in fid_rows]
        best = min(range(len(values)), key=values.__getitem__)
        fid = {"metric": fid_rows[-1].get("fid_metric", "fid"), "kimg": [r["kimg"] for r in fid_rows],
               "value": values, "best": values[best], "best_kimg": fid_rows[best]["kimg"]}
    metric = fid["metric"] if fid else None
    last = rows[-1] if rows else {}
    now = {"tick": last.get("tick", 0), "kimg": float(last.get("kimg", 0.0)), "total_kimg": float(total_kimg),
           "resolution": last.get("resolution"), "alpha": last.get("alpha"),
           "images_per_s": last.get("images_per_s"), "eta_s": _eta(rows, total_kimg)}
    return {"losses": losses, "fid": fid, "band": band if band and band["metric"] == metric else None, "now": now}


def _eta(rows: Sequence[dict[str, Any]], total_kimg: float) -> float | None:
    recent = list(rows[-ETA_TICKS - 1:])
    if len(recent) < 2:  # the first tick: its kimg from 0
        recent = [{"kimg": 0.0}, *recent]
    if len(recent) < 2:
        return None
    kimg = recent[-1]["kimg"] - recent[0]["kimg"]
    seconds = sum(r.get("sec_per_tick", 0.0) + r.get("fid_seconds", 0.0) for r in recent[1:])
    if kimg <= 0 or seconds <= 0:
        return None
    return max(0.0, total_kimg - recent[-1]["kimg"]) * seconds / kimg


# ---------------------------------------------------------------------------------------------------------
# Drawing: SVG charts
# ---------------------------------------------------------------------------------------------------------
def nice_ticks(lo: float, hi: float, count: int = 4) -> list[float]:
    """About ``count`` round tick values covering [lo, hi] (steps of 1, 2 or 5 × 10^k)."""
    if not (math.isfinite(lo) and math.isfinite(hi)) or hi <= lo:
        hi = lo + 1.0
    raw = (hi - lo) / max(count, 1)
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    first = math.floor(lo / step) * step
    return [round(first + i * step, 10) for i in range(int(math.ceil((hi - first) / step)) + 1)]


def _label(value: float) -> str:
    return f"{value:g}" if abs(value) >= 0.01 or value == 0 else f"{value:.0e}"


def svg_chart(series: Sequence[tuple[str, str, Sequence[float], Sequence[float]]], title: str,
              x_max: float, band: tuple[float, float, str] | None = None,
              size: tuple[int, int] = CHART_SIZE) -> str:
    """A line chart as SVG text: ``series`` = (label, colour, xs, ys); x from 0 to ``x_max``; ``band`` =
    (low, high, label) shaded across the chart."""
    width, height = size
    left, right, top, bottom = 44, 10, 24, 30
    ys = [y for _, _, _, v in series for y in v if math.isfinite(y)] + (list(band[:2]) if band else [])
    lo, hi = (min(ys), max(ys)) if ys else (0.0, 1.0)
    pad = (hi - lo) * 0.05 or 0.5
    y_ticks = nice_ticks(lo - pad, hi + pad)
    x_ticks = nice_ticks(0.0, x_max)
    y0, y1, x1 = y_ticks[0], y_ticks[-1], x_ticks[-1]

    def px(x: float) -> float:
        return left + (width - left - right) * x / x1

    def py(y: float) -> float:
        return top + (height - top - bottom) * (y1 - y) / (y1 - y0)

    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
           f'viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="10">',
           f'<rect width="{width}" height="{height}" fill="white"/>',
           f'<text x="{left}" y="14" font-size="12">{html.escape(title)}</text>']
    if band:
        out.append(f'<rect x="{px(0):.1f}" y="{py(band[1]):.1f}" width="{px(x1) - px(0):.1f}" '
                   f'height="{py(band[0]) - py(band[1]):.1f}" fill="#888" fill-opacity="0.18"/>')
    for t in y_ticks:
        out.append(f'<line x1="{left}" x2="{width - right}" y1="{py(t):.1f}" y2="{py(t):.1f}" stroke="#ddd"/>'
                   f'<text x="{left - 4}" y="{py(t) + 3:.1f}" text-anchor="end">{_label(t)}</text>')
    for t in x_ticks:
        out.append(f'<text x="{px(t):.1f}" y="{height - bottom + 12}" text-anchor="middle">{_label(t)}</text>')
    out.append(f'<text x="{width - right}" y="{height - 4}" text-anchor="end">kimg</text>')
    out.append(f'<rect x="{left}" y="{top}" width="{width - left - right}" height="{height - top - bottom}" '
               'fill="none" stroke="#888"/>')
    legend_x = left + 6
    for label, colour, xs, values in series:
        points = " ".join(f"{px(x):.1f},{py(y):.1f}" for x, y in zip(xs, values, strict=True) if math.isfinite(y))
        if points:
            out.append(f'<polyline points="{points}" fill="none" stroke="{colour}" stroke-width="1.6"/>')
        out.append(f'<text x="{legend_x}" y="{top + 12}" fill="{colour}">{html.escape(label)}</text>')
        legend_x += 8 + 6 * len(label)
    if band:
        out.append(f'<text x="{width - right - 4}" y="{top + 12}" text-anchor="end" fill="#555">'
                   f'{html.escape(band[2])}</text>')
    out.append("</svg>")
    return "".join(out)


def loss_chart(data: dict[str, Any]) -> str:
    series = [(k, c, data["losses"][k]["kimg"], data["losses"][k]["value"]) for k, c in LOSS_COLORS.items()]
    return svg_chart(series, "losses", data["now"]["total_kimg"])


def fid_chart(data: dict[str, Any]) -> str:
    fid, band = data["fid"], data["band"]
    series = [(fid["metric"], FID_COLOR, fid["kimg"], fid["value"])] if fid else []
    shade = (band["low"], band["high"], f"reference best, {band['n']} seeds ± 2 std") if band else None
    title = f"{fid['metric']}: best {fid['best']:.1f} at {fid['best_kimg']:g} kimg" if fid else "FID (none yet)"
    return svg_chart(series, title, data["now"]["total_kimg"], shade)


def status_text(data: dict[str, Any]) -> str:
    """The status line: tick, kimg of total, resolution and α, img/s, ETA, the last FID."""
    now, fid = data["now"], data["fid"]
    parts = [f"tick {now['tick']}", f"{now['kimg']:.2f} / {now['total_kimg']:g} kimg"]
    if now["resolution"]:
        parts.append(f"{now['resolution']}² α {now['alpha']:.2f}")
    if now["images_per_s"] is not None:
        parts.append(f"{now['images_per_s']:.0f} img/s")
    if now["eta_s"] is not None:
        parts.append(f"ETA {_clock(now['eta_s'])}")
    if fid:
        parts.append(f"{fid['metric']} {fid['value'][-1]:.2f}")
    return " · ".join(parts)


def _clock(seconds: float) -> str:
    minutes, s = divmod(int(round(seconds)), 60)
    h, m = divmod(minutes, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


# ---------------------------------------------------------------------------------------------------------
# The stop button
# ---------------------------------------------------------------------------------------------------------
def kernel_id() -> str | None:
    """The id of this Jupyter kernel, from its connection file (``kernel-<id>.json``), or None."""
    try:
        from ipykernel.connect import get_connection_file

        name = Path(get_connection_file()).name
    except Exception:  # not in an ipykernel
        return None
    found = re.fullmatch(r"kernel-([0-9A-Za-z-]+)\.json", name)
    return found.group(1) if found else None


STOP_LABEL = "■ stop (checkpoint, resumable)"


def stop_button_html(kernel: str | None) -> str:
    """A button that asks the Jupyter server to interrupt ``kernel`` (the REST call of the toolbar's ■), with
    the page's token and XSRF cookie; without a kernel id, a note saying how to stop instead."""
    if kernel is None:
        return "<i>To stop: interrupt the kernel (■); a checkpoint is written and the run resumes.</i>"
    script = (
        "var b=this;b.disabled=true;b.textContent='stopping after this minibatch…';"
        "var c=JSON.parse(document.getElementById('jupyter-config-data').textContent);"
        "var x=(document.cookie.match(/(?:^|; )_xsrf=([^;]*)/)||[])[1];var h={};"
        "if(c.token){h['Authorization']='token '+c.token;}if(x){h['X-XSRFToken']=x;}"
        f"fetch(c.baseUrl+'api/kernels/{kernel}/interrupt',{{method:'POST',headers:h,credentials:'same-origin'}})"
        ".then(function(r){if(!r.ok){b.textContent='stop failed ('+r.status+'): interrupt the kernel (■)';}});"
    )
    return (f'<button class="jupyter-button sgan-live-stop" title="stop after the current minibatch, with a '
            f'checkpoint: train(..., resume=True) continues" onclick="{html.escape(script)}">{STOP_LABEL}</button>')


# ---------------------------------------------------------------------------------------------------------
# The widget
# ---------------------------------------------------------------------------------------------------------
class LiveView:
    """The live view of one run: ``update(row)`` is a ``train(on_tick=...)`` callback; ``widget`` the display.

    ``rows``: the log so far (a resumed run's curve goes on from it). ``seconds`` and ``updates`` count what
    the updates cost (the benchmark reports them)."""

    def __init__(self, config: RunConfig, run_dir: str | Path, total_kimg: float | None = None,
                 rows: Sequence[dict[str, Any]] = ()) -> None:

        self.run_dir = Path(run_dir)
        self.total_kimg = float(config.train.total_kimg if total_kimg is None else total_kimg)
        self.band = reference_band(config)
        self.rows = list(rows)
        self.updates, self.seconds = 0, 0.0
        self.title = caption(f"config {html.escape(config.model.name)} at profile {html.escape(config.profile)}, "
                              f"run {html.escape(str(self.run_dir))}")
        self.progress = W.FloatProgress(value=0.0, min=0.0, max=self.total_kimg, description="kimg",
                                        layout=W.Layout(width="320px"))
        self.stop = W.HTML(stop_button_html(kernel_id()))
        self.status = W.HTML()
        self.status.add_class("sgan-live-status")
        self.stop.add_class("sgan-live-end")
        self.losses = W.Image(format="svg+xml")
        self.fid = W.Image(format="svg+xml")
        self.grid = W.Image(format="png")
        self.data: dict[str, Any] = {}
        self.refresh()

    @property
    def widget(self) -> W.VBox:
        row = W.Layout(flex_flow="row wrap", align_items="flex-start")
        box = W.VBox([self.title, W.HBox([self.progress, self.stop], layout=row), self.status,
                      W.HBox([self.losses, self.fid, self.grid], layout=row)], layout=W.Layout(max_width="100%"))
        box.add_class("sgan-live")
        return box

    def _ipython_display_(self) -> None:
        from IPython.display import display

        display(self.widget)

    def show(self) -> None:
        """Display the view in the notebook (outside a Jupyter kernel nothing is shown; it still updates)."""
        if kernel_shell() is not None:
            self._ipython_display_()

    def update(self, row: dict[str, Any]) -> None:
        """One tick: add its log row and redraw (charts, grid, status)."""
        start = time.perf_counter()
        self.rows.append(row)
        self.refresh()
        self.updates += 1
        self.seconds += time.perf_counter() - start

    def refresh(self) -> None:
        """Redraw everything from ``rows`` (and the grid files)."""

        self.data = figure_data(self.rows, self.total_kimg, self.band)
        self.losses.value = loss_chart(self.data).encode()
        self.fid.value = fid_chart(self.data).encode()
        self.progress.value = min(self.data["now"]["kimg"], self.total_kimg)
        self.status.value = status_text(self.data)
        grid = self.latest_grid()
        if grid is not None:

            show_image(self.grid, upscale(grid, GRID_HEIGHT))

    def latest_grid(self) -> np.ndarray | None:
        """The grid of the last tick shown (tick 0: before training), None when it is not written yet."""
        from PIL import Image

        path = RunDir(self.run_dir).grid_path(int(self.data["now"]["tick"]))
        return np.asarray(Image.open(path).convert("RGB")) if path.is_file() else None

    def finish(self, interrupted: bool, step: int) -> None:
        """The run returned: replace the stop button by how it ended."""
        self.stop.value = (f"<b>stopped at step {step}</b>, checkpoint written: <code>train(..., resume=True)"
                           "</code> continues" if interrupted else "<b>finished</b>")
