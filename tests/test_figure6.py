"""Figure 6 (Karras et al. 2019, Sec. 4): the training set with a missing region, and the measures of
sgan.studies.figure6 on closed-form maps (a linear map is linear, a known curved one is not), seeded."""

import json

import numpy as np
import pytest
import torch

from sgan.data import load_dataset
from sgan.data import synthetic_faces as sf
from sgan.data.dataset import _synthetic_entry
from sgan.studies import figure6


def test_missing_region_removes_exactly_the_region():
    n = 20000
    none = sf.sample_factors(n, seed=3)
    gone = sf.sample_factors(n, seed=3, entangle="missing_region")
    a, b = sf.REGION_PAIR
    # the oracle: the kept faces' own factors
    assert not sf.in_missing_region(gone).any()
    assert 0.22 < sf.in_missing_region(none).mean() < 0.28  # a quarter of the square under independence
    # uniform on the rest: each of the three kept quarters holds a third
    lo_a, lo_b = gone[a] <= 0.5, gone[b] <= 0.5
    for cell in (lo_a & lo_b, ~lo_a & lo_b, lo_a & ~lo_b):
        assert abs(cell.mean() - 1 / 3) < 4 * np.sqrt(2 / 9 / n)
    for k in (a, b):
        assert gone[k].min() >= sf.factor(k).low and gone[k].max() <= sf.factor(k).high
        assert abs(np.histogram(gone[k][gone[k] <= 0.5], bins=5, range=(0, 0.5))[0] / (lo_a.sum() if k == a
                   else lo_b.sum()) - 0.2).max() < 0.02  # uniform inside a half
    for k in sf.FACTOR_NAMES:  # every other factor is the one it has under "none"
        if k not in (a, b):
            assert np.array_equal(gone[k], none[k])
    # deterministic per (seed, index): a later slice is the same faces
    part = sf.sample_factors(100, seed=3, entangle="missing_region", start_index=500)
    assert all(np.array_equal(part[k], gone[k][500:600]) for k in (a, b))


def test_missing_region_is_its_own_cache_entry_and_leaves_the_others_alone(tmp_path):
    # the existing modes' cache keys are untouched: the parameters of "none" hold no new field
    stem, params = _synthetic_entry(32, 10000, 0, "none")
    assert set(params) == {"kind", "n", "resolution", "seed", "entangle", "renderer_version", "factors"}
    assert stem != _synthetic_entry(32, 10000, 0, "missing_region")[0]
    data = load_dataset("synthetic", resolution=8, n=64, root=tmp_path, entangle="missing_region", progress=False)
    assert data.name == "synthetic-missing_region"
    assert not sf.in_missing_region(data.factors).any()
    plain = load_dataset("synthetic", resolution=8, n=64, root=tmp_path, progress=False)
    assert sf.in_missing_region(plain.factors).any()


def test_linear_r2_and_bend_on_closed_form_maps():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2000, 8))
    v = rng.standard_normal(8)
    linear = x @ v + 0.3
    curved = np.tanh(1.5 * x @ v / np.linalg.norm(v)) ** 2  # even in the latent: no linear read-out at all
    assert figure6.linear_r2(x, linear) == pytest.approx(1.0, abs=1e-3)
    assert figure6.linear_r2(x, curved) < 0.05
    bent = np.tanh(x @ v / np.linalg.norm(v))  # monotone but curved: in between
    assert 0.5 < figure6.linear_r2(x, bent) < 0.95

    # straight paths through a linear map stay on their chords; through a curved one they leave them
    a, b = torch.randn(16, 8, generator=torch.Generator().manual_seed(1)).double().chunk(2)
    t = torch.linspace(0, 1, 9).double()
    path = figure6.lerp(a, b, t).numpy()  # [P, T, D]
    M = rng.standard_normal((8, 2))
    assert figure6.chord_deviation(path @ M, np.ones(2)) == pytest.approx(0.0, abs=1e-12)
    assert figure6.chord_deviation(np.tanh(path @ M) ** 2, np.ones(2)) > 0.05
    # a slerp is not straight in the latent, so a linear map of it bends
    assert figure6.chord_deviation(figure6.slerp(a, b, t).numpy() @ M, np.ones(2)) > 0.01
    s = figure6.slerp(a, b, t)
    assert torch.allclose(s[:, 0], a) and torch.allclose(s[:, -1], b)


def test_plane_r2_and_plane_basis():
    s = np.linspace(-2, 2, 11)
    g1, g2 = np.meshgrid(s, s, indexing="ij")
    assert figure6.plane_r2(0.2 + 0.1 * g1 - 0.3 * g2, s, s) == pytest.approx(1.0)
    assert figure6.plane_r2(np.hypot(g1, g2), s, s) < 0.1  # a cone: no plane fits it
    rng = np.random.default_rng(1)
    x = rng.standard_normal((3000, 6)) * np.array([1, 2, 1, 1, 3, 1])
    mean, basis, scale = figure6.plane_basis(x, [x[:, 1], x[:, 1] + x[:, 4]])
    assert np.allclose(basis @ basis.T, np.eye(2), atol=1e-9)
    assert abs(basis[0, 1]) == pytest.approx(1.0, abs=1e-6)  # the first factor's own axis
    assert abs(basis[1, 4]) == pytest.approx(1.0, abs=1e-6)  # the second's, made orthogonal to it
    assert scale == pytest.approx([2.0, 3.0], rel=0.05)


def _tiny_generator():
    from sgan.config import make_config
    from sgan.generator import Generator

    return Generator(make_config("F", "smoke").model, seed=0).eval()


def test_measure_is_seeded_and_the_figure_draws_from_json(tmp_path):
    from sgan.metrics.domain_net import load_domain_net

    G, net = _tiny_generator(), load_domain_net("cpu")
    kw = dict(n=96, paths=3, steps=4, grid=5)
    m1 = figure6.measure(G, net, seed=7, **kw)
    m2 = figure6.measure(G, net, seed=7, **kw)
    assert json.dumps(m1, sort_keys=True) == json.dumps(m2, sort_keys=True)
    assert set(m1["r2"]) == {"z", "w"} and set(m1["bend"]) == {"z", "w"}
    assert np.asarray(m1["plane"]["w"]["values"][sf.REGION_PAIR[0]]).shape == (5, 5)
    runs = {"F": {"7": m1, "8": figure6.measure(G, net, seed=8, **kw)}}
    data = load_dataset("synthetic", resolution=8, n=64, root=tmp_path, entangle="missing_region",
                        progress=False)
    results = json.loads(json.dumps({"runs": runs, "summary": figure6.summarize(runs), "mapping": {"F": True},
                                     "data": figure6.data_summary(data)}))  # what the notebook reads
    assert results["data"]["hole_fraction"] == 0.0
    assert results["summary"]["F"]["seeds"][0] == 2
    assert "| F | W | 2 |" in figure6.table_markdown(results)
    figure6.figure(results).savefig(tmp_path / "f.png")


def test_the_report_is_computed_from_the_results():
    row = {"seeds": [2, 0.0], "r2_z": [0.4, 0.03], "r2_w": [0.8, 0.03], "bend_z": [0.5, 0.04],
           "bend_w": [0.2, 0.02], "plane_r2_z": [0.7, 0.1], "plane_r2_w": [0.8, 0.1], "hole_fraction": [0.03, 0.01]}
    results = {"summary": {"F": row}, "mapping": {"F": True}, "data": {"n": 100, "hole_fraction": 0.0}}
    text = figure6.report_markdown(results)
    assert "from z: 0.400 ± 0.030; from w: 0.800 ± 0.030. W is the more linear here (the seed bands separate)" in text
    assert "on 3 of the three measures, with separate seed bands on 2 of them" in text
    flipped = {**row, "r2_z": row["r2_w"], "r2_w": row["r2_z"], "bend_z": row["bend_w"], "bend_w": row["bend_z"]}
    text = figure6.report_markdown({**results, "summary": {"F": flipped}})
    assert "Z is the more linear here" in text and "W is ahead of Z on 1 of the three" in text
