"""sgan.viz.plots: the seeded computations behind the paper's figures, against naive loops and closed forms."""

import json

import numpy as np
import pytest
import torch
from matplotlib.figure import Figure
from PIL import Image

from sgan.config import make_config
from sgan.generator import Generator
from sgan.noise import NoiseInput
from sgan.viz import curves, figures, plots


def _generator(config: str = "F") -> Generator:
    G = Generator(make_config(config, "smoke").model, seed=0).eval()
    with torch.no_grad():
        for m in G.modules():
            if isinstance(m, NoiseInput):  # trained generators use their noise; a fresh one has B = 0
                m.weight.fill_(0.5)
    return G



@pytest.fixture(scope="module")
def G() -> Generator:
    return _generator("F")


def test_to_uint8_maps_the_range_and_clamps():
    x = torch.tensor([-2.0, -1.0, 0.0, 1.0, 3.0]).view(1, 1, 1, 5).expand(1, 3, 1, 5)
    out = plots.to_uint8(x)
    assert out.shape == (1, 1, 5, 3) and out.dtype == np.uint8
    assert out[0, 0, :, 0].tolist() == [0, 0, 128, 255, 255]
    with pytest.raises(ValueError, match=r"\[N, 3, H, W\]"):
        plots.to_uint8(torch.zeros(2, 4, 4))


def test_image_grid_places_each_image_like_a_naive_loop():
    rng = np.random.default_rng(0)
    images = rng.integers(0, 255, size=(5, 4, 3, 3), dtype=np.uint8)  # [N, H, W, 3]
    grid = plots.image_grid(images, ncols=2, pad=1, pad_value=7)
    assert grid.shape == (3 * 5 - 1, 2 * 4 - 1, 3)
    for i in range(5):
        r, c = divmod(i, 2)
        assert np.array_equal(grid[r * 5:r * 5 + 4, c * 4:c * 4 + 3], images[i])
    assert np.all(grid[4, :] == 7) and np.all(grid[10:, 4:] == 7)  # padding row, empty last cell


def test_scale_resolutions_follow_the_paper_at_1024_and_shift_down_for_small_images():
    assert plots.scale_resolutions(1024) == {"coarse": (4, 8), "middle": (16, 32),
                                             "fine": (64, 128, 256, 512, 1024)}
    assert plots.scale_resolutions(32) == {"coarse": (4, 8), "middle": (16,), "fine": (32,)}
    assert plots.scale_resolutions(16) == {"coarse": (4,), "middle": (8,), "fine": (16,)}
    for r in (16, 32, 64, 128, 1024):
        groups = plots.scale_resolutions(r)
        flat = [x for s in plots.SCALES for x in groups[s]]
        assert flat == [2**k for k in range(2, int(np.log2(r)) + 1)]  # each resolution once, in order
    with pytest.raises(ValueError, match="16x16"):
        plots.scale_resolutions(8)


def test_style_ranges_partition_the_layers(G):
    ranges = plots.style_ranges(G)
    layers = [i for s in plots.SCALES for i in ranges[s]]
    assert layers == list(range(G.num_layers))
    assert all(G.layer_resolution(i) in plots.scale_resolutions(G.cfg.resolution)[s]
               for s in plots.SCALES for i in ranges[s])


def test_seeded_latents_and_images_do_not_depend_on_the_batch(G):
    z = plots.seed_latents(G, [3, 4])
    assert torch.equal(z[1:], plots.seed_latents(G, [4]))
    assert torch.equal(z[:1], torch.randn(1, G.cfg.z_dim, generator=torch.Generator().manual_seed(3)))
    ws = plots.seed_ws(G, [3, 4])
    assert ws.shape == (2, G.num_layers, G.cfg.w_dim)
    noise = plots.seed_noise(G, 0)
    assert [m.shape[-1] for m in noise] == [G.layer_resolution(i) for i in range(G.num_layers)]
    both = plots.synthesize(G, ws, noise)
    assert torch.equal(both[1:], plots.synthesize(G, ws[1:], noise))


def test_mix_ws_and_crossover_ws_match_a_naive_loop():
    gen = torch.Generator().manual_seed(0)
    sources = torch.randn(3, 2, 6, 4, generator=gen)  # [S, N, L, D]
    choice = [0, 2, 2, 1, 0, 1]
    out = figures.crossover_ws(sources, choice)
    for i, s in enumerate(choice):
        assert torch.equal(out[:, i], sources[s, :, i])
    mixed = figures.mix_ws(sources[0], sources[1], range(2, 4))
    for i in range(6):
        assert torch.equal(mixed[:, i], sources[1 if i in (2, 3) else 0, :, i])
    with pytest.raises(ValueError, match="layer sources"):
        figures.crossover_ws(sources, [0, 1])


def test_style_mixing_grid_copies_one_scale_of_b(G):
    grid = figures.style_mixing_grid(G, [1, 2], [3], "middle", noise_seed=5)
    assert grid.shape == (1, 2, 3, G.cfg.resolution, G.cfg.resolution)
    ws_a, ws_b = plots.seed_ws(G, [1, 2]), plots.seed_ws(G, [3])
    layers = plots.style_ranges(G)["middle"]
    expected = ws_a.clone()
    expected[:, layers.start:layers.stop] = ws_b[:, layers.start:layers.stop]
    assert torch.equal(grid[0], plots.synthesize(G, expected, plots.seed_noise(G, 5)))
    with pytest.raises(ValueError, match="traditional generator"):
        figures.style_mixing_grid(_generator("B"), [1], [2], "coarse")


def test_stochastic_variation_is_zero_without_noise_and_only_where_noise_is_redrawn(G):
    images, std = figures.stochastic_variation(G, seed=1, num_draws=3)
    assert images.shape[0] == 3 and std.shape == (G.cfg.resolution,) * 2 and std.max() > 0
    _, std_none = figures.stochastic_variation(G, seed=1, num_draws=3, layers=[])
    assert std_none.max() == 0
    _, std_d = figures.stochastic_variation(_generator("D"), seed=1, num_draws=3)  # D has no noise inputs
    assert std_d.max() == 0


def test_noise_by_scale_uses_zero_noise_outside_the_chosen_layers(G):
    out = figures.noise_by_scale(G, seed=1, noise_seed=2)
    ws = plots.seed_ws(G, [1])
    assert torch.equal(out["none"], plots.synthesize(G, ws, plots.zero_noise(G)))
    assert torch.equal(out["all"], plots.synthesize(G, ws, plots.seed_noise(G, 2)))
    fine = plots.style_ranges(G)["fine"]
    noise = [m if i in fine else torch.zeros_like(m) for i, m in enumerate(plots.seed_noise(G, 2))]
    assert torch.equal(out["fine"], plots.synthesize(G, ws, noise))
    assert not torch.equal(out["fine"], out["coarse"])


def test_truncation_sweep_identity_at_one_and_average_at_zero(G):
    with torch.no_grad():
        G.w_avg.normal_(generator=torch.Generator().manual_seed(1))
    images = figures.truncation_sweep(G, [1, 2, 3], [1.0, 0.0])
    assert torch.equal(images[0], plots.samples(G, [1, 2, 3]))
    assert torch.equal(images[1][0], images[1][1]) and torch.equal(images[1][0], images[1][2])
    ws_avg = G.w_avg.expand(1, G.num_layers, -1)
    assert torch.allclose(images[1][:1], plots.synthesize(G, ws_avg, plots.seed_noise(G, 0)), atol=1e-6)


def test_slerp_keeps_unit_norm_and_constant_angular_speed():
    gen = torch.Generator().manual_seed(0)
    a, b = torch.randn(3, 8, generator=gen), torch.randn(3, 8, generator=gen)
    an, bn = a / a.norm(dim=1, keepdim=True), b / b.norm(dim=1, keepdim=True)
    ts = torch.linspace(0, 1, 5)
    path = [figures.slerp(a, b, t) for t in ts]
    assert torch.allclose(path[0], an, atol=1e-6) and torch.allclose(path[-1], bn, atol=1e-6)
    assert all(torch.allclose(p.norm(dim=1), torch.ones(3), atol=1e-5) for p in path)
    angles = torch.stack([torch.arccos((p * an).sum(1).clamp(-1, 1)) for p in path])  # [T, 3]
    assert torch.allclose(angles, ts[:, None] * angles[-1], atol=1e-3)  # arccos near 1 is coarse


def test_interpolate_starts_and_ends_at_the_seeds(G):
    w_path = figures.interpolate(G, 1, 2, [0.0, 0.5, 1.0], space="w")
    ends = plots.samples(G, [1, 2])
    assert torch.equal(w_path[0], ends[0]) and torch.equal(w_path[2], ends[1])
    z_path = figures.interpolate(G, 1, 2, [0.0, 1.0], space="z")
    assert torch.allclose(z_path, ends, atol=1e-4)
    assert not torch.allclose(figures.interpolate(G, 1, 2, [0.5], "z"), w_path[1:2], atol=1e-4)
    with pytest.raises(ValueError, match="space"):
        figures.interpolate(G, 1, 2, [0.5], space="x")


class _MeanNet(torch.nn.Module):
    """A stand-in for the domain network: every factor reads the image's mean (a coarse factor) or the mean
    of its red channel (a fine one), so the share of B is computable by hand."""

    def __init__(self) -> None:
        super().__init__()
        self.dummy = torch.nn.Parameter(torch.zeros(1))

    def predict(self, images):
        return {"yaw": images.mean(dim=(1, 2, 3)) * 30, "skin_tone": images[:, 0].mean(dim=(1, 2))}


def test_style_mixing_agreement_matches_the_projection_by_hand(G):
    net = _MeanNet()
    out = figures.style_mixing_agreement(G, net, num_pairs=3, seed=0, min_gap=0.0)
    assert set(out) == set(plots.SCALES) and all(set(v) == set(plots.SCALES) for v in out.values())
    assert np.isnan(out["coarse"]["middle"])  # no "middle" factor in this fake net
    ws_a, ws_b = plots.seed_ws(G, [0, 2, 4]), plots.seed_ws(G, [1, 3, 5])
    noise = plots.seed_noise(G, 0)
    a, b = plots.synthesize(G, ws_a, noise), plots.synthesize(G, ws_b, noise)
    m = plots.synthesize(G, figures.mix_ws(ws_a, ws_b, plots.style_ranges(G)["fine"]), noise)
    fa, fb, fm = (x[:, 0].mean(dim=(1, 2)) for x in (a, b, m))
    t = ((fm - fa) * (fb - fa) / (fb - fa) ** 2).clamp(-1, 2)
    assert out["fine"]["fine"] == pytest.approx(t.mean().item(), abs=1e-5)


def test_figures_are_built_and_closed(G, tmp_path):
    import matplotlib.pyplot as plt

    before = plt.get_fignums()
    figs = [figures.style_mixing_figure(G, (1, 2), (3,)), figures.stochastic_variation_figure(G, num_draws=2),
            figures.noise_by_scale_figure(G), figures.truncation_figure(G, (1,), (1.0, 0.0)),
            figures.interpolation_figure(G, steps=3), plots.samples_figure(G, range(4), ncols=2),
            figures.agreement_figure({s: {f: 0.5 for f in plots.SCALES} for s in plots.SCALES})]
    assert all(isinstance(f, Figure) for f in figs)
    assert plt.get_fignums() == before  # closed in pyplot: a notebook shows each once
    assert len(figs[0].axes) == (1 + 3) * (1 + 2)


def _fake_run(tmp_path):
    run = tmp_path / "F"
    (run / "grids").mkdir(parents=True)
    rows = [{"tick": i, "kimg": 0.1 * i, "loss_D": 1.0 / i, "loss_G": float(i), "resolution": 8}
            for i in (1, 2)]
    (run / "log.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    Image.fromarray(np.full((8, 8, 3), 9, np.uint8)).save(run / "grids" / "tick-000001.png")
    Image.fromarray(np.full((8, 8, 3), 200, np.uint8)).save(run / "grids" / "tick-000002.png")
    return run


def test_run_figures_read_the_log_and_the_last_grid(tmp_path):
    run = _fake_run(tmp_path)
    assert [r["tick"] for r in curves.read_log(run)] == [1, 2]
    assert curves.latest_grid(run)[0, 0, 0] == 200
    fig = curves.run_figure(run)
    assert len(fig.axes) == 4 and list(fig.axes[1].lines[0].get_ydata()) == [1.0, 0.5]
    assert len(curves.training_curves(run).axes) == 4  # tick, loss_D, loss_G, resolution
    with pytest.raises(FileNotFoundError, match="log.jsonl"):
        curves.read_log(tmp_path)


def test_results_figure_puts_ours_beside_the_paper():
    rows = [{"config": c, "metrics": {"fid256": v}} for c, v in (("A", 30.0), ("F", 20.0))]
    fig = curves.results_figure(rows, "fid256", paper={"A": 8.04, "F": 4.40})
    heights = [p.get_height() for p in fig.axes[0].patches]
    assert heights == [30.0, 20.0] and [p.get_height() for p in fig.axes[1].patches] == [8.04, 4.40]


def test_z_vs_w_figure_pairs_the_bars_and_skips_undefined_values():
    fig = curves.z_vs_w_figure({"yaw": 0.1, "roll": 0.5, "hue": None}, {"yaw": 0.7, "roll": 0.2, "hue": 0.9}, "R²")
    ax = fig.axes[0]
    heights = [p.get_height() for p in ax.patches]
    assert heights == [0.1, 0.5, 0.7, 0.2]  # Z bars first, then W bars; "hue" has no Z value
    assert [t.get_text() for t in ax.get_xticklabels()] == ["yaw", "roll"]
    assert ax.get_ylabel() == "R²"


def test_grid_figure_captions_each_image_and_rejects_a_wrong_count():
    images = torch.zeros(6, 3, 8, 8)
    fig = plots.grid_figure(images, ncols=3, labels=[f"seed {i}" for i in range(6)])
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert texts == [f"seed {i}" for i in range(6)]
    assert fig.axes[0].texts[4].get_position() == (1 * 9 + 0.5, 1 * 9 + 0.5)  # row 1, column 1 (8 px + 1 pad)
    with pytest.raises(ValueError, match="5 labels for 6 images"):
        plots.grid_figure(images, labels=list("abcde"))


def test_labelled_rows_figure_draws_one_titled_row_per_entry():
    rows = {"data": np.zeros((3, 4, 4, 3), np.uint8), "F (seed 0)": np.full((2, 4, 4, 3), 255, np.uint8)}
    fig = plots.labelled_rows_figure(rows)
    assert [ax.get_title(loc="left") for ax in fig.axes] == ["data", "F (seed 0)"]
    np.testing.assert_array_equal(fig.axes[0].images[0].get_array(), plots.image_grid(rows["data"]))
    assert fig.axes[1].images[0].get_array().shape == (4, 2 * 4 + 1, 3)
    with pytest.raises(ValueError, match="no rows"):
        plots.labelled_rows_figure({})
