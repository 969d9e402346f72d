"""Interactive demos of the paper's figures (ipywidgets): style mixing, truncation, noise, interpolation.

Each widget is a class that holds its ipywidgets controls and an ``image`` (uint8 ``[H, W, 3]``) recomputed
whenever a control's ``.value`` changes, so the logic is testable without a browser::

    mixer = StyleMixingWidget(G, seeds=(1, 2))
    mixer.crossover.value = 4        # layers < 4 take source 0's styles, the rest source 1's
    mixer.image                      # the mixed image, already recomputed
    mixer                            # in a notebook: displays the controls and the image

The images come from the seeded helpers of ``sgan/viz/plots.py`` (the same as the paper's figures), with one
fixed noise draw per widget so that only what a control changes changes.
"""

from __future__ import annotations

from collections.abc import Sequence

import ipywidgets as W
import numpy as np
import torch

from sgan.editing import edit
from sgan.notebook_io import caption, show_image
from sgan.viz.figures import crossover_ws, interpolate, truncation_sweep
from sgan.viz.plots import image_grid, mix_noise, seed_noise, seed_ws, style_ranges, synthesize, to_uint8, upscale

DISPLAY_SIZE = 192  # displayed image height in pixels (nearest-neighbour enlarged)


class GeneratorWidget:
    """Base: a generator, controls, an ``image`` and the ``ipywidgets.Image`` that displays it."""

    def __init__(self, G: torch.nn.Module, display_size: int = DISPLAY_SIZE) -> None:
        self.G = G
        self.display_size = display_size
        self.output = W.Image(format="png")
        self.image: np.ndarray = np.zeros((1, 1, 3), np.uint8)
        self.renders = 0  # how many times the image was recomputed

    def controls(self) -> list[W.Widget]:
        raise NotImplementedError

    def all_controls(self) -> list[W.Widget]:
        """Every interactive control (the tests check each has a tooltip and sliders update on release)."""
        found, todo = [], list(self.controls())
        while todo:
            w = todo.pop(0)
            if isinstance(w, W.Box):
                todo.extend(w.children)
            elif isinstance(w, W.ValueWidget | W.Button) and not isinstance(w, W.HTML | W.Label | W.Image):
                found.append(w)
        return found

    def compute(self) -> np.ndarray:
        """The image for the controls' current values, uint8 ``[H, W, 3]``."""
        raise NotImplementedError

    def _watch(self, *controls: W.Widget) -> None:
        for control in controls:
            control.observe(self._on_change, names="value")

    def _on_change(self, change: dict | None = None) -> None:
        self.update()

    def update(self) -> None:
        self.image = self.compute()
        self.renders += 1
        show_image(self.output, upscale(self.image, self.display_size))

    @property
    def widget(self) -> W.VBox:
        return W.VBox([*self.controls(), self.output], layout=W.Layout(max_width="100%"))

    def _ipython_display_(self) -> None:
        from IPython.display import display

        display(self.widget)


def _seed_box(value: int, description: str, tooltip: str) -> W.BoundedIntText:
    return W.BoundedIntText(value=int(value), min=0, max=2**31 - 1, description=description, tooltip=tooltip,
                            layout=W.Layout(width="160px"))


def _wrap() -> W.Layout:
    """A row of controls that wraps at a narrow window instead of being clipped."""
    return W.Layout(flex_flow="row wrap")


class StyleMixingWidget(GeneratorWidget):
    """Style mixing: per-layer styles from two or more seeds.

    ``crossover`` (two seeds) is the paper's mixing: layers ``< k`` take source 0, the rest source 1
    (k = 0: all source 1; k = L: all source 0). ``layer_sources`` (one dropdown per layer) picks any source
    per layer; moving the crossover slider sets them. ``image`` is the mixed image; ``sources_image`` shows
    the sources.
    """

    def __init__(self, G: torch.nn.Module, seeds: Sequence[int] = (1, 2), crossover: int | None = None,
                 noise_seed: int = 0, display_size: int = DISPLAY_SIZE) -> None:
        super().__init__(G, display_size)
        if not G.cfg.use_styles:
            raise ValueError(f"Style mixing needs per-layer styles, but config {G.cfg.name} is a traditional "
                             "generator (use_styles=False): use config C or later.")
        if len(seeds) < 2:
            raise ValueError(f"StyleMixingWidget needs two or more seeds, got {list(seeds)}.")
        L = G.num_layers
        self.noise = seed_noise(G, noise_seed)
        self.seeds = [_seed_box(s, f"source {i}", f"the seed of source {i}'s latent") for i, s in enumerate(seeds)]
        k = L // 2 if crossover is None else crossover
        self.crossover = W.IntSlider(value=k, min=0, max=L, description="crossover", continuous_update=False,
                                     tooltip=f"layers < k from source 0, the rest from source 1 ({L} layers)")
        options = [(f"{i}", i) for i in range(len(seeds))]
        self.layer_sources = [
            W.Dropdown(options=options, value=0 if i < k else 1,
                       description=f"layer {i} ({G.layer_resolution(i)}²)", layout=W.Layout(width="185px"),
                       style={"description_width": "85px"},
                       tooltip=f"which source's style layer {i} ({G.layer_resolution(i)}²) takes")
            for i in range(L)
        ]
        self.readout = W.Label()
        self.sources_caption = caption("")
        self.sources_output = W.Image(format="png")
        self.sources_image = np.zeros((1, 1, 3), np.uint8)
        self._syncing = False
        self.crossover.observe(self._on_crossover, names="value")
        self._watch(*self.seeds, *self.layer_sources)
        self.update()

    def controls(self) -> list[W.Widget]:
        grid = W.GridBox(self.layer_sources, layout=W.Layout(grid_template_columns="repeat(auto-fill, 190px)",
                                                             max_width="100%"))
        return [W.HBox(self.seeds, layout=_wrap()), W.HBox([self.crossover, self.readout], layout=_wrap()), grid,
                self.sources_caption, self.sources_output, caption("mixed:")]

    def describe(self) -> str:
        """What the layer dropdowns say: the crossover when they follow it, else "custom"."""
        k = self.crossover.value
        if [d.value for d in self.layer_sources] == [0 if i < k else 1 for i in range(len(self.layer_sources))]:
            return f"layers 0-{k - 1} from source 0, the rest from source 1" if k else "all layers from source 1"
        return "custom: per-layer sources chosen below"

    def _on_crossover(self, change: dict) -> None:
        self._syncing = True  # set all dropdowns, then recompute once
        try:
            for i, dropdown in enumerate(self.layer_sources):
                dropdown.value = 0 if i < change["new"] else 1
        finally:
            self._syncing = False
        self.update()

    def _on_change(self, change: dict | None = None) -> None:
        if not self._syncing:
            self.update()

    def compute(self) -> np.ndarray:
        ws = seed_ws(self.G, [s.value for s in self.seeds])  # [S, L, D]
        mixed = crossover_ws(ws[:, None], [d.value for d in self.layer_sources])  # [1, L, D]
        sources = to_uint8(synthesize(self.G, ws, self.noise))
        self.sources_image = image_grid(sources)
        self.readout.value = self.describe()
        self.sources_caption.value = caption("sources, left to right: " + ", ".join(
            f"source {i} (seed {s.value})" for i, s in enumerate(self.seeds))).value
        show_image(self.sources_output, upscale(self.sources_image, self.display_size // 2))
        return to_uint8(synthesize(self.G, mixed, self.noise))[0]


class TruncationWidget(GeneratorWidget):
    """The truncation trick: ``w' = w̄ + ψ (w − w̄)`` on layers ``[0, cutoff)``, for a row of seeds."""

    def __init__(self, G: torch.nn.Module, seeds: Sequence[int] = (1, 2, 3, 4), psi: float = 0.7,
                 cutoff: int | None = None, noise_seed: int = 0, display_size: int = DISPLAY_SIZE) -> None:
        super().__init__(G, display_size)
        self.seeds = list(seeds)
        self.noise_seed = noise_seed
        cutoff = G.cfg.truncation_cutoff if cutoff is None else cutoff
        self.psi = W.FloatSlider(value=psi, min=-1.0, max=1.5, step=0.05, description="ψ", continuous_update=False,
                                 tooltip="w' = w̄ + ψ (w − w̄): 1 no truncation, 0 the average face")
        self.cutoff = W.IntSlider(value=min(cutoff, G.num_layers), min=0, max=G.num_layers,
                                  description="cutoff", tooltip="truncate layers [0, cutoff)", continuous_update=False)
        self.caption = caption("seeds, left to right: " + ", ".join(map(str, self.seeds)))
        self._watch(self.psi, self.cutoff)
        self.update()

    def controls(self) -> list[W.Widget]:
        return [self.psi, self.cutoff, self.caption]

    def compute(self) -> np.ndarray:
        images = truncation_sweep(self.G, self.seeds, [self.psi.value], self.cutoff.value, self.noise_seed)
        return image_grid(images[0])


class NoiseWidget(GeneratorWidget):
    """Noise inputs: keep the latent, redraw the noise of a range of layers with ``noise_seed``.

    Layers outside ``layers`` keep the base draw (``base_noise_seed``). Two panels: the image, and (framed)
    the absolute difference to the base noise's image, averaged over colours and shown ×2 (white: unchanged,
    black: a change of 0.5 or more). ``image`` is the two side by side.
    """

    DIFF_CAPTION = "|Δ| to the base noise's image, ×2 (white: unchanged; black: 0.5 or more)"

    def __init__(self, G: torch.nn.Module, seed: int = 1, base_noise_seed: int = 0,
                 layers: tuple[int, int] | None = None, display_size: int = DISPLAY_SIZE) -> None:
        super().__init__(G, display_size)
        L = G.num_layers
        self.seed = seed
        self.ws = seed_ws(G, [seed])
        self.base_noise_seed = base_noise_seed
        self.base_noise = seed_noise(G, base_noise_seed)
        self.base = synthesize(G, self.ws, self.base_noise)
        lo, hi = layers if layers is not None else (0, L - 1)
        self.layers = W.IntRangeSlider(value=(lo, hi), min=0, max=L - 1, description="layers",
                                       continuous_update=False, tooltip="the layers whose noise is redrawn")
        self.noise_seed = _seed_box(base_noise_seed + 1, "noise seed", "the seed of the redrawn noise")
        self.resample = W.Button(description="resample noise", tooltip="draw the next noise seed")
        self.resample.on_click(lambda _: setattr(self.noise_seed, "value", self.noise_seed.value + 1))
        self.diff_output = W.Image(format="png", layout=W.Layout(border="1px solid #888"))
        self.mixed_image = self.diff_image = np.zeros((1, 1, 3), np.uint8)
        self._watch(self.layers, self.noise_seed)
        self.update()

    def controls(self) -> list[W.Widget]:
        return [self.layers, W.HBox([self.noise_seed, self.resample], layout=_wrap()),
                caption(f"latent seed {self.seed}; noise seed {self.base_noise_seed} is the base draw, the chosen "
                         "layers take the noise seed above")]

    def noise(self) -> list[torch.Tensor]:
        """The per-layer noise now shown: the base draw with the chosen layers redrawn."""
        lo, hi = self.layers.value
        return mix_noise(self.base_noise, seed_noise(self.G, self.noise_seed.value), range(lo, hi + 1))

    def compute(self) -> np.ndarray:
        images = synthesize(self.G, self.ws, self.noise())
        self.mixed_image = to_uint8(images)[0]
        diff = (images - self.base).abs().mean(dim=1, keepdim=True).expand(-1, 3, -1, -1)  # [1, 3, H, W]
        self.diff_image = to_uint8(1 - diff.clamp(0, 1) * 2)[0]  # white where unchanged
        return np.concatenate([self.mixed_image, self.diff_image], axis=1)  # [H, 2W, 3]

    def update(self) -> None:
        self.image = self.compute()
        self.renders += 1
        show_image(self.output, upscale(self.mixed_image, self.display_size))
        show_image(self.diff_output, upscale(self.diff_image, self.display_size))

    @property
    def widget(self) -> W.VBox:
        panels = [W.VBox([caption(text), image],  # as wide as the image: the caption wraps instead of widening
                         layout=W.Layout(max_width=f"{self.display_size + 16}px", margin="0 12px 0 0"))
                  for text, image in (("image", self.output), (self.DIFF_CAPTION, self.diff_output))]
        return W.VBox([*self.controls(), W.HBox(panels, layout=_wrap())], layout=W.Layout(max_width="100%"))


class InterpolationWidget(GeneratorWidget):
    """Walk from seed A to seed B in Z (slerp) or W (lerp): ``t`` in [0, 1]; ``image`` is the image at t."""

    def __init__(self, G: torch.nn.Module, seed_a: int = 1, seed_b: int = 2, space: str = "w", t: float = 0.5,
                 noise_seed: int = 0, display_size: int = DISPLAY_SIZE) -> None:
        super().__init__(G, display_size)
        self.noise_seed = noise_seed
        self.seed_a = _seed_box(seed_a, "seed A", "the seed of the start (t = 0)")
        self.seed_b = _seed_box(seed_b, "seed B", "the seed of the end (t = 1)")
        self.space = W.ToggleButtons(options=[("Z (slerp)", "z"), ("W (lerp)", "w")], value=space,
                                     description="space", tooltip="the latent space of the walk",
                                     tooltips=["slerp between the two z", "lerp between the two w"])
        self.t = W.FloatSlider(value=t, min=0.0, max=1.0, step=0.02, description="t", continuous_update=False,
                               tooltip="position on the path: 0 is seed A, 1 is seed B")
        self._watch(self.seed_a, self.seed_b, self.space, self.t)
        self.update()

    def controls(self) -> list[W.Widget]:
        return [W.HBox([self.seed_a, self.seed_b], layout=_wrap()), self.space, self.t]

    def compute(self) -> np.ndarray:
        images = interpolate(self.G, self.seed_a.value, self.seed_b.value, [self.t.value], self.space.value,
                             self.noise_seed)
        return to_uint8(images)[0]


class EditWidget(GeneratorWidget):
    """Edit one face along the data's factors: one slider per factor (strength in population stds along its
    direction, ``sgan.editing``), applied to all styles or to the coarse, middle or fine ones only; ``image``
    is the face as given beside the edited one."""

    def __init__(self, G: torch.nn.Module, directions, ws: torch.Tensor,
                 factors: Sequence[str] | None = None, noise_seed: int = 0,
                 display_size: int = DISPLAY_SIZE) -> None:
        super().__init__(G, display_size)
        if directions.space != "w":
            raise ValueError("EditWidget edits in W: pass sgan.editing.factor_directions(G, net, 'w').")
        if ws.shape != (1, G.num_layers, G.cfg.w_dim):
            raise ValueError(f"EditWidget edits one face: ws [1, {G.num_layers}, {G.cfg.w_dim}], got "
                             f"{tuple(ws.shape)} (e.g. sgan.project(...).ws[:1]).")
        if factors is None:  # six factors, the preferred ones first, leaving out those with no direction
            preferred = ("yaw", "smiling", "glasses", "beard", "dark_hair", "background_hue")
            ordered = [f for f in preferred if f in directions.directions]
            factors = (ordered + [f for f in directions.directions if f not in ordered])[:6]
        unknown = [f for f in factors if f not in directions.directions]
        if unknown:
            raise ValueError(f"no direction for {unknown} (degenerate: {', '.join(directions.degenerate) or 'none'}): "
                             f"choose from {', '.join(directions.directions)}.")
        self.directions, self.ws, self.noise = directions, ws, seed_noise(G, noise_seed)
        self.sliders = {f: W.FloatSlider(value=0.0, min=-3.0, max=3.0, step=0.25, description=f,
                                         continuous_update=False, style={"description_width": "110px"},
                                         tooltip=f"move along the {f} direction, in stds of the population")
                        for f in factors}
        ranges = {"all": range(G.num_layers), **style_ranges(G)}
        self.ranges = ranges
        self.layers = W.Dropdown(options=[(f"{k} styles ({r.start}-{r.stop - 1})", k) for k, r in ranges.items()],
                                 value="all", description="apply to", tooltip="which layers' styles the edit moves")
        self.reset = W.Button(description="reset", tooltip="every slider back to 0")
        self.reset.on_click(lambda _: [setattr(s, "value", 0.0) for s in self.sliders.values()])
        self._watch(self.layers, *self.sliders.values())
        self.update()

    def controls(self) -> list[W.Widget]:
        grid = W.GridBox(list(self.sliders.values()),
                         layout=W.Layout(grid_template_columns="repeat(auto-fill, 330px)", max_width="100%"))
        return [grid, W.HBox([self.layers, self.reset], layout=_wrap()),
                caption("left: the face as given; right: edited (slider values are stds of the population)")]

    def edited_ws(self) -> torch.Tensor:
        """The face's ``ws`` moved by every slider, on the chosen layers only."""
        ws = self.ws
        for name, slider in self.sliders.items():
            if slider.value:
                ws = edit(ws, self.directions.directions[name], slider.value, self.directions.sigma[name],
                          self.ranges[self.layers.value])
        return ws

    def compute(self) -> np.ndarray:
        images = synthesize(self.G, torch.cat([self.ws, self.edited_ws()]), [m.expand(2, -1, -1, -1) for m in
                                                                              self.noise])
        return image_grid(images)
