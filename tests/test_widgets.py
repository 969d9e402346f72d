"""sgan.viz.widgets: each widget's image follows its controls (set ``.value``, check the image), no browser."""

import io

import ipywidgets as W
import numpy as np
import pytest
import torch
from PIL import Image

from sgan.config import make_config
from sgan.generator import Generator
from sgan.noise import NoiseInput
from sgan.viz import figures, plots
from sgan.viz.widgets import InterpolationWidget, NoiseWidget, StyleMixingWidget, TruncationWidget


def _generator(config: str) -> Generator:
    G = Generator(make_config(config, "smoke").model, seed=0).eval()
    with torch.no_grad():
        G.w_avg.normal_(generator=torch.Generator().manual_seed(3))
        for m in G.modules():
            if isinstance(m, NoiseInput):
                m.weight.fill_(0.5)  # a fresh generator ignores its noise (B = 0)
    return G


@pytest.fixture(scope="module")
def G() -> Generator:
    return _generator("F")


def _image_of(G, ws, noise_seed=0) -> np.ndarray:
    return plots.to_uint8(plots.synthesize(G, ws, plots.seed_noise(G, noise_seed)))[0]


def test_style_mixing_crossover_picks_the_sources(G):
    mixer = StyleMixingWidget(G, seeds=(1, 2), crossover=2)
    ws = plots.seed_ws(G, [1, 2])
    assert np.array_equal(mixer.image, _image_of(G, figures.mix_ws(ws[:1], ws[1:], range(2, G.num_layers))))
    renders = mixer.renders
    mixer.crossover.value = G.num_layers  # every layer from source 0
    assert mixer.renders == renders + 1  # the dropdowns follow the slider, one recomputation
    assert [d.value for d in mixer.layer_sources] == [0] * G.num_layers
    assert np.array_equal(mixer.image, _image_of(G, ws[:1]))
    mixer.crossover.value = 0  # every layer from source 1
    assert np.array_equal(mixer.image, _image_of(G, ws[1:]))
    assert not np.array_equal(mixer.image, _image_of(G, ws[:1]))


def test_style_mixing_per_layer_sources_and_seeds(G):
    mixer = StyleMixingWidget(G, seeds=(1, 2, 3), crossover=0)
    mixer.layer_sources[0].value = 2  # layer 0 from the third source, the rest from source 1
    ws = plots.seed_ws(G, [1, 2, 3])
    expected = ws[1:2].clone()
    expected[:, 0] = ws[2, 0]
    assert np.array_equal(mixer.image, _image_of(G, expected))
    sources = mixer.sources_image.copy()
    mixer.seeds[2].value = 7
    assert not np.array_equal(mixer.sources_image, sources)
    expected[:, 0] = plots.seed_ws(G, [7])[0, 0]
    assert np.array_equal(mixer.image, _image_of(G, expected))


def test_style_mixing_rejects_traditional_generators_and_single_seeds(G):
    with pytest.raises(ValueError, match="traditional generator"):
        StyleMixingWidget(_generator("B"))
    with pytest.raises(ValueError, match="two or more seeds"):
        StyleMixingWidget(G, seeds=(1,))


def test_truncation_widget_identity_average_and_cutoff(G):
    widget = TruncationWidget(G, seeds=(1, 2, 3), psi=1.0, cutoff=G.num_layers)
    untruncated = plots.image_grid(plots.samples(G, [1, 2, 3]))
    assert np.array_equal(widget.image, untruncated)
    widget.psi.value = 0.0  # every layer at w̄: the same image for every seed (shared noise)
    h, w = G.cfg.resolution, G.cfg.resolution
    tiles = [widget.image[:, i * (w + 1): i * (w + 1) + w] for i in range(3)]
    assert widget.image.shape == (h, 3 * w + 2, 3)
    assert np.array_equal(tiles[0], tiles[1]) and np.array_equal(tiles[0], tiles[2])
    widget.cutoff.value = 0  # no layer truncated: ψ has no effect
    assert np.array_equal(widget.image, untruncated)


def test_noise_widget_redraws_only_the_chosen_layers(G):
    widget = NoiseWidget(G, seed=1, base_noise_seed=0, layers=(2, 3))
    ws = plots.seed_ws(G, [1])
    base = plots.seed_noise(G, 0)
    expected = plots.mix_noise(base, plots.seed_noise(G, 1), [2, 3])
    assert np.array_equal(widget.mixed_image, plots.to_uint8(plots.synthesize(G, ws, expected))[0])
    first = widget.image.copy()
    widget.noise_seed.value = 5
    assert not np.array_equal(widget.image, first)
    widget.layers.value = (0, G.num_layers - 1)
    expected = plots.seed_noise(G, 5)
    assert np.array_equal(widget.mixed_image, plots.to_uint8(plots.synthesize(G, ws, expected))[0])
    widget.noise_seed.value = 0  # the base draw again: no difference, the diff panel is white
    r = G.cfg.resolution
    assert np.all(widget.diff_image == 255) and np.array_equal(widget.image[:, r:], widget.diff_image)
    widget.resample.click()
    assert widget.noise_seed.value == 1


def test_noise_widget_shows_the_difference_in_its_own_framed_captioned_panel(G):
    widget = NoiseWidget(G, seed=1, display_size=64)
    image_panel, diff_panel = widget.widget.children[-1].children
    assert image_panel.children[-1] is widget.output and diff_panel.children[-1] is widget.diff_output
    assert "image" in image_panel.children[0].value and "×2" in diff_panel.children[0].value
    assert widget.diff_output.layout.border == "1px solid #888"
    shown = np.asarray(Image.open(io.BytesIO(widget.diff_output.value)).convert("RGB"))
    step = 64 // G.cfg.resolution
    assert np.array_equal(shown[::step, ::step], widget.diff_image)  # enlarged by nearest neighbour


def test_noise_widget_changes_nothing_without_noise_inputs():
    widget = NoiseWidget(_generator("D"), seed=1)
    first = widget.image.copy()
    widget.noise_seed.value = 9
    assert np.array_equal(widget.image, first)


def test_interpolation_widget_ends_at_the_seeds_and_z_differs_from_w(G):
    widget = InterpolationWidget(G, seed_a=1, seed_b=2, space="w", t=0.0)
    assert np.array_equal(widget.image, _image_of(G, plots.seed_ws(G, [1])))
    widget.t.value = 1.0
    assert np.array_equal(widget.image, _image_of(G, plots.seed_ws(G, [2])))
    widget.t.value = 0.5
    in_w = widget.image.copy()
    widget.space.value = "z"
    assert not np.array_equal(widget.image, in_w)
    widget.seed_b.value = 1  # from a seed to itself: every t gives the seed's image
    assert np.abs(widget.image.astype(int) - _image_of(G, plots.seed_ws(G, [1])).astype(int)).max() <= 1


def test_widgets_display_their_image_as_png(G):
    mixer = StyleMixingWidget(G, seeds=(1, 2), display_size=64)
    box = mixer.widget
    assert isinstance(box, W.VBox) and box.children[-1] is mixer.output
    shown = np.asarray(Image.open(io.BytesIO(mixer.output.value)).convert("RGB"))
    assert shown.shape == (64, 64, 3) and np.array_equal(shown[::4, ::4], mixer.image)


def _widgets(G):
    return [StyleMixingWidget(G, seeds=(1, 2), crossover=2), TruncationWidget(G), NoiseWidget(G),
            InterpolationWidget(G, seed_a=1, seed_b=2)]


def test_every_control_has_a_tooltip_and_sliders_update_on_release(G):
    for widget in _widgets(G):
        controls = widget.all_controls()
        assert controls, type(widget).__name__
        for control in controls:
            assert control.tooltip, (type(widget).__name__, control.description)  # else the browser shows "null"
            if isinstance(control, W.IntRangeSlider | W.IntSlider | W.FloatSlider):
                assert control.continuous_update is False, control.description


def test_the_crossover_readout_says_custom_once_the_dropdowns_differ(G):
    mixer = StyleMixingWidget(G, seeds=(4, 9), crossover=2)
    assert mixer.readout.value == "layers 0-1 from source 0, the rest from source 1"
    assert "source 0 (seed 4), source 1 (seed 9)" in mixer.sources_caption.value
    mixer.layer_sources[5].value = 0
    assert mixer.readout.value.startswith("custom")
    mixer.crossover.value = 3
    assert mixer.readout.value == "layers 0-2 from source 0, the rest from source 1"


def test_edit_widget_moves_only_the_chosen_styles_and_resets():
    from sgan.editing import factor_directions, sample_latents
    from sgan.metrics.domain_net import load_domain_net
    from sgan.viz.widgets import EditWidget

    G = _generator("F")
    dirs = factor_directions(G, load_domain_net(), "w", n=128)
    ws = G.broadcast(sample_latents(G, 1, "w", seed=4))
    widget = EditWidget(G, dirs, ws, factors=("beard", "yaw"))
    r = G.cfg.resolution
    original = widget.image[:, :r].copy()
    assert np.array_equal(widget.image[:, r + 1:], original)  # nothing moved yet: both halves the same face
    widget.sliders["beard"].value = 2.0
    moved = widget.edited_ws()
    step = 2.0 * dirs.sigma["beard"] * dirs.directions["beard"]
    torch.testing.assert_close(moved, ws + step)
    widget.layers.value = "fine"
    fine = widget.ranges["fine"]
    moved = widget.edited_ws()
    assert torch.equal(moved[:, :fine.start], ws[:, :fine.start]) and not torch.equal(moved[:, fine.start:],
                                                                                      ws[:, fine.start:])
    assert not np.array_equal(widget.image[:, r + 1:], original)
    widget.reset.click()
    assert all(s.value == 0 for s in widget.sliders.values()) and torch.equal(widget.edited_ws(), ws)
    assert all(c.tooltip for c in widget.all_controls())
    with pytest.raises(ValueError, match="no direction for"):
        EditWidget(G, dirs, ws, factors=("nose",))
