"""The paper's Figure 1, drawn from configs: (a) a traditional generator, (b) the style-based generator.

Each panel is drawn from a ``ModelConfig``, so it shows the network that config builds. It shows whether the
latent enters through an input layer or through a mapping network f (with its depth) and styles A, whether the
synthesis starts from a learned constant, and where the noise B is added. The resolutions go up to the config's
own. Only the first two resolutions are drawn in full; the rest are summarised as "..." as in the paper.

    fig = architecture_figure(make_config("A", "cpu").model, make_config("F", "cpu").model)
"""

from __future__ import annotations

import matplotlib.pyplot as plt
from matplotlib.figure import Figure
from matplotlib.patches import FancyBboxPatch

BOX_W, BOX_H, STEP = 2.6, 0.42, 0.62  # box size and vertical spacing (axes units)


def synthesis_boxes(cfg) -> list[str]:
    """The synthesis network's boxes from top to bottom (4², 8², then "..." up to ``cfg.resolution``). Every
    layer ends in the same epilogue: noise B (when on), then AdaIN with its style A (or pixel norm)."""
    epilogue = (["+ noise B"] if cfg.use_noise else []) + ["AdaIN ← style A" if cfg.use_styles else "PixelNorm"]
    boxes = ["Const 4×4×C" if cfg.const_input else "Dense z → 4×4×C", *epilogue, "Conv 3×3", *epilogue]
    boxes += ["Upsample", "Conv 3×3", *epilogue, "Conv 3×3", *epilogue]  # 8×8
    boxes.append(f"... up to {cfg.resolution}×{cfg.resolution}")
    return boxes


def latent_boxes(cfg) -> list[str]:
    """How the latent enters: normalised z, then the mapping network f to w when the config has one."""
    boxes = ["Latent z", "Normalize"]
    if cfg.mapping_layers > 0:
        boxes += [f"Mapping network f: {cfg.mapping_layers} FC", "w ∈ W"]
    return boxes


def _column(ax, x: float, labels: list[str], top: float, color: str) -> list[float]:
    ys = []
    for i, label in enumerate(labels):
        y = top - i * STEP
        ax.add_patch(FancyBboxPatch((x - BOX_W / 2, y - BOX_H / 2), BOX_W, BOX_H, boxstyle="round,pad=0.04",
                                    facecolor=color, edgecolor="0.3"))
        ax.text(x, y, label, ha="center", va="center", fontsize=8)
        if i:
            ax.annotate("", (x, y + BOX_H / 2), (x, ys[-1] - BOX_H / 2), arrowprops=dict(arrowstyle="->"))
        ys.append(y)
    return ys


def draw_panel(ax, cfg, title: str, rows: int) -> None:
    """One panel: the latent's path (left column) and the synthesis network (right column)."""
    synthesis = synthesis_boxes(cfg)
    latent = latent_boxes(cfg)
    ax.set_title(title, fontsize=10)
    ax.set_xlim(0, 7.2)
    ax.set_ylim(-rows * STEP, 1.0)  # the same scale in both panels
    ax.set_axis_off()
    top = 0.4
    lat_y = _column(ax, 1.6, latent, top, "#dce8f5")
    syn_y = _column(ax, 5.4, synthesis, top, "#f3e6d3" if cfg.use_styles else "#e4e4e4")
    if cfg.use_styles:  # w feeds every AdaIN through its own affine A
        for y, label in zip(syn_y, synthesis, strict=True):
            if label.startswith("AdaIN"):
                ax.annotate("", (5.4 - BOX_W / 2, y), (1.6 + BOX_W / 2, lat_y[-1]),
                            arrowprops=dict(arrowstyle="->", color="tab:blue", lw=0.8))
    else:  # the latent enters once, at the input layer
        ax.annotate("", (5.4 - BOX_W / 2, syn_y[0]), (1.6 + BOX_W / 2, lat_y[-1]),
                    arrowprops=dict(arrowstyle="->", color="tab:blue"))


def architecture_figure(traditional, style_based) -> Figure:
    """Figure 1 of the paper from two ``ModelConfig`` s: (a) ``traditional``, (b) ``style_based``."""
    rows = max(len(synthesis_boxes(traditional)), len(synthesis_boxes(style_based)))
    fig, axes = plt.subplots(1, 2, figsize=(11, 0.42 * rows + 1.2))
    plt.close(fig)
    draw_panel(axes[0], traditional, f"(a) traditional generator (config {traditional.name})", rows)
    draw_panel(axes[1], style_based, f"(b) style-based generator (config {style_based.name})", rows)
    fig.tight_layout()
    return fig
