"""A run's timelapse: its fixed-latent grid at every tick (``grids/tick-XXXXXX.png``), the same faces from noise
to the end of training, each frame labelled with its kimg and the tick's FID.

``timelapse_frames(run)`` gives one ``Frame`` per tick: tick 0 (the generator before training) and one per
row of ``log.jsonl`` (the source of truth: a resumed run's dropped ticks are not shown). ``save_gif`` writes
them as an animated GIF (``python -m sgan timelapse --run R``); ``side_by_side`` puts several runs in one frame
(notebook 12: A and F); ``TimelapseWidget`` is a slider over the ticks (notebook 11).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from sgan.images import upscale
from sgan.notebook_io import show_image
from sgan.training.rundir import RunDir

LABEL_HEIGHT = 14  # pixels of the label strip above each frame
DISPLAY_HEIGHT = 256  # frames are enlarged (nearest neighbour, integer factor) to about this height


@dataclass
class Frame:
    """One tick of a run: its grid (uint8 ``[H, W, 3]``), tick, kimg and FID (None at tick 0 or without)."""

    tick: int
    kimg: float
    grid: np.ndarray
    fid: float | None = None
    fid_metric: str | None = None

    @property
    def label(self) -> str:
        fid = f" · {self.fid_metric} {self.fid:.1f}" if self.fid is not None else ""
        return f"tick {self.tick} · {self.kimg:g} kimg{fid}"


def _read_png(path: Path) -> np.ndarray:
    from PIL import Image

    return np.asarray(Image.open(path).convert("RGB"))


def timelapse_frames(run_dir: str | Path) -> list[Frame]:
    """Tick 0 (when its grid exists) and one frame per log row; a row whose grid is missing is an error."""
    run = RunDir(run_dir)
    rows = run.log()
    frames = [Frame(0, 0.0, _read_png(run.grid_path(0)))] if run.grid_path(0).is_file() else []
    for row in rows:
        path = run.grid_path(int(row["tick"]))
        if not path.is_file():
            raise FileNotFoundError(f"{path} is missing though log.jsonl has tick {row['tick']}: the run's grids "
                                    "were removed or it was copied without them.")
        frames.append(Frame(int(row["tick"]), float(row["kimg"]), _read_png(path),
                            row.get("fid"), row.get("fid_metric")))
    if not frames:
        raise ValueError(f"{run_dir} has no grids yet: train at least one tick first.")
    return frames


def labelled(frame: Frame, height: int = DISPLAY_HEIGHT, title: str = "") -> np.ndarray:
    """The frame's grid enlarged (nearest) under a white strip with ``title`` and its label."""
    from PIL import Image, ImageDraw

    grid = upscale(frame.grid, height)
    canvas = Image.new("RGB", (grid.shape[1], grid.shape[0] + LABEL_HEIGHT), "white")
    canvas.paste(Image.fromarray(grid), (0, LABEL_HEIGHT))
    text = f"{title}: {frame.label}" if title else frame.label
    ImageDraw.Draw(canvas).text((2, 1), text, fill="black")
    return np.asarray(canvas)


def side_by_side(runs: dict[str, Sequence[Frame]], height: int = DISPLAY_HEIGHT, gap: int = 6) -> list[np.ndarray]:
    """One image per tick with the runs side by side, each titled and labelled; a run with fewer ticks holds
    its last frame."""
    if not runs:
        raise ValueError("side_by_side needs at least one run: {'A': frames_of_A, ...}.")
    count = max(len(f) for f in runs.values())
    out = []
    for i in range(count):
        panels = [labelled(frames[min(i, len(frames) - 1)], height, title) for title, frames in runs.items()]
        tall = max(p.shape[0] for p in panels)
        row = []
        for p in panels:
            pad = np.full((tall, p.shape[1] + gap, 3), 255, np.uint8)
            pad[:p.shape[0], :p.shape[1]] = p
            row.append(pad)
        out.append(np.concatenate(row, axis=1)[:, :-gap])
    return out


def save_gif(images: Sequence[np.ndarray], path: str | Path, frame_ms: int = 400, hold_ms: int = 2000) -> Path:
    """An animated GIF of ``images`` (``frame_ms`` each, the last held ``hold_ms``), looping."""
    from PIL import Image

    if not images:
        raise ValueError("save_gif needs at least one image.")
    if frame_ms <= 0 or hold_ms <= 0:
        raise ValueError(f"frame_ms={frame_ms}, hold_ms={hold_ms}: durations must be positive milliseconds.")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    pictures = [Image.fromarray(im) for im in images]
    durations = [frame_ms] * (len(pictures) - 1) + [hold_ms]
    pictures[0].save(path, save_all=True, append_images=pictures[1:], duration=durations, loop=0,
                     optimize=False)
    return path


def gif_frames(path: str | Path) -> list[np.ndarray]:
    """The frames of a GIF, as RGB arrays (to check one)."""
    from PIL import Image, ImageSequence

    with Image.open(path) as gif:
        return [np.asarray(f.convert("RGB")) for f in ImageSequence.Iterator(gif)]


def write_timelapse(runs: dict[str, str | Path], out: str | Path, frame_ms: int = 400,
                    height: int = DISPLAY_HEIGHT) -> Path:
    """The timelapse GIF of one run, or of several side by side (``{"A": run_a, "F": run_f}``)."""
    frames = {title: timelapse_frames(run) for title, run in runs.items()}
    if len(frames) == 1:
        images = [labelled(f, height) for f in next(iter(frames.values()))]
    else:
        images = side_by_side(frames, height)
    return save_gif(images, out, frame_ms)


class TimelapseWidget:
    """A slider over the ticks of a run, showing each tick's labelled grid (``image``: the one shown)."""

    def __init__(self, run_dir: str | Path, height: int = DISPLAY_HEIGHT) -> None:
        import ipywidgets as W

        self.frames = timelapse_frames(run_dir)
        self.height = height
        self.slider = W.IntSlider(value=len(self.frames) - 1, min=0, max=len(self.frames) - 1, description="frame",
                                  continuous_update=True, tooltip="the tick whose grid is shown (0: before training)")
        self.output = W.Image(format="png")
        self.image = np.zeros((1, 1, 3), np.uint8)
        self.slider.observe(lambda _: self.update(), names="value")
        self.update()

    def update(self) -> None:
        self.image = labelled(self.frames[self.slider.value], self.height)
        show_image(self.output, self.image)

    @property
    def widget(self):
        import ipywidgets as W

        return W.VBox([self.slider, self.output], layout=W.Layout(max_width="100%"))

    def _ipython_display_(self) -> None:
        from IPython.display import display

        display(self.widget)
