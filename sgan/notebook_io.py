"""The ipywidgets pieces shared by the live training view (``sgan.training.live``) and the course's widgets
(``sgan.viz.widgets``): an image shown at its own pixel size, and a caption."""

from __future__ import annotations

import ipywidgets as W
import numpy as np

from sgan.images import to_png


def show_image(output: W.Image, image: np.ndarray) -> None:
    """Put a uint8 image into an ``ipywidgets.Image`` at its own pixel size (not stretched to the cell)."""
    output.value = to_png(image)
    output.layout.width = f"{image.shape[1]}px"
    output.layout.max_width = "calc(100% - 4px)"  # shrinks with a narrow window (4 px: its 2-px margins)
    output.layout.height = "auto"


def caption(text: str) -> W.HTML:
    return W.HTML(f"<span style='font-size: 90%; color: #555'>{text}</span>")
