"""The paper's Figure 1 drawn from configs: each panel shows what its config builds."""

from sgan.config import make_config
from sgan.viz.figure1 import architecture_figure, latent_boxes, synthesis_boxes


def test_traditional_and_style_based_panels_follow_their_configs():
    a, f = make_config("A", "cpu").model, make_config("F", "cpu").model
    assert latent_boxes(a) == ["Latent z", "Normalize"]
    assert latent_boxes(f) == ["Latent z", "Normalize", "Mapping network f: 8 FC", "w ∈ W"]
    assert synthesis_boxes(a)[:4] == ["Dense z → 4×4×C", "PixelNorm", "Conv 3×3", "PixelNorm"]
    assert synthesis_boxes(f)[:4] == ["Const 4×4×C", "+ noise B", "AdaIN ← style A", "Conv 3×3"]
    # one AdaIN per synthesis layer drawn: two at 4², two at 8²
    assert synthesis_boxes(f).count("AdaIN ← style A") == 4 and "PixelNorm" not in synthesis_boxes(f)
    assert synthesis_boxes(f)[-1] == "... up to 32×32"
    c = make_config("C", "cpu").model  # styles, no constant, no noise
    assert synthesis_boxes(c)[:2] == ["Dense z → 4×4×C", "AdaIN ← style A"] and "+ noise B" not in synthesis_boxes(c)


def test_the_figure_draws_every_box_and_one_style_arrow_per_adain():
    a, f = make_config("A", "cpu").model, make_config("F", "cpu").model
    fig = architecture_figure(a, f)
    left, right = fig.axes

    def labels(ax):
        return [t.get_text() for t in ax.texts if t.get_text()]  # arrows are annotations without text

    def arrows(ax):
        return [t for t in ax.texts if not t.get_text()]

    assert labels(left) == latent_boxes(a) + synthesis_boxes(a)
    assert labels(right) == latent_boxes(f) + synthesis_boxes(f)
    flow = len(latent_boxes(f)) - 1 + len(synthesis_boxes(f)) - 1
    assert len(arrows(right)) == flow + 4  # the flow, plus w into each of the four AdaINs drawn
    assert len(arrows(left)) == len(latent_boxes(a)) - 1 + len(synthesis_boxes(a)) - 1 + 1  # z enters once
    assert "traditional" in left.get_title() and "style-based" in right.get_title()
