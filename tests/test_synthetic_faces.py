"""The synthetic faces: determinism, factor tables, locality of each factor, entanglement, exact windows."""

import numpy as np
import pytest

from sgan.data import face_canvas, hashing
from sgan.data import synthetic_faces as sf
from sgan.data.preview import preview_rows, save_preview, sweep

R = 32


def pair(name: str, a: float, b: float, **fixed: float) -> np.ndarray:
    """Two faces differing only in factor name (same stochastic detail): uint8 [2, 3, R, R]."""
    table = sf.default_factors(2, yaw=0.0, roll=0.0, **fixed)
    table[name] = np.array([a, b], dtype=np.float32)
    return sf.render(table, R, seed=0, detail_indices=np.zeros(2, dtype=np.int64))


def changed(images: np.ndarray) -> np.ndarray:
    """bool [R, R]: where the two images differ."""
    return (images[0] != images[1]).any(axis=0)


def test_factor_table_contract():
    names = [f.name for f in sf.FACTORS]
    assert len(set(names)) == len(names)
    assert len(sf.BINARY_FACTORS) >= 6 and len(sf.CONTINUOUS_FACTORS) >= 6
    assert set(sf.BINARY_FACTORS) | set(sf.CONTINUOUS_FACTORS) == set(names)
    for f in sf.FACTORS:
        assert f.kind in ("binary", "continuous") and f.scale in sf.SCALES and f.doc
        assert f.low < f.high
        assert (f.low, f.high) == (0.0, 1.0) or f.kind == "continuous"
    assert {f.scale for f in sf.FACTORS} == set(sf.SCALES)
    with pytest.raises(KeyError, match="known factors"):
        sf.factor("moustache")


def test_same_seed_same_bytes_other_seed_differs():
    a, fa = sf.generate(12, 16, seed=3, progress=False)
    b, fb = sf.generate(12, 16, seed=3, progress=False)
    c, fc = sf.generate(12, 16, seed=4, progress=False)
    assert a.dtype == np.uint8 and a.shape == (12, 3, 16, 16)
    assert np.array_equal(a, b) and all(np.array_equal(fa[k], fb[k]) for k in fa)
    assert not np.array_equal(a, c) and not np.array_equal(fa["yaw"], fc["yaw"])


def test_image_is_keyed_by_seed_and_index_not_by_batch():
    images, factors = sf.generate(12, R, seed=5, progress=False)
    alone = sf.sample_factors(1, seed=5, start_index=7)
    assert all(alone[k][0] == factors[k][7] for k in factors)
    assert np.array_equal(sf.render(alone, R, seed=5, start_index=7)[0], images[7])
    middle = sf.sample_factors(5, seed=5, start_index=4)  # another batch composition and chunking
    assert np.array_equal(sf.render(middle, R, seed=5, start_index=4), images[4:9])


def test_factor_ranges_and_rates():
    n = 4000
    f = sf.sample_factors(n, seed=11)
    for spec in sf.FACTORS:
        v = f[spec.name]
        assert v.dtype == np.float32 and v.shape == (n,)
        assert spec.low <= v.min() and v.max() <= spec.high
        if spec.kind == "binary":
            assert set(np.unique(v)) == {0.0, 1.0}
            assert abs(v.mean() - spec.p) < 4 * np.sqrt(spec.p * (1 - spec.p) / n)
    yaw = sf.factor("yaw")
    middle_half = np.abs(f["yaw"]) < (yaw.high - yaw.low) / 4
    assert 0.70 < middle_half.mean() < 0.80  # triangular: 3/4 of the mass in the middle half (uniform: 1/2)
    pairs = np.corrcoef(np.stack([f[k] for k in sf.FACTOR_NAMES]))
    assert np.abs(pairs - np.eye(len(sf.FACTORS))).max() < 0.08  # independent under entangle="none"


def test_uniform_streams_look_uniform_and_independent():
    u = hashing.uniforms(0, 1, np.arange(20000), 3)
    assert u.min() >= 0 and u.max() < 1
    assert abs(u.mean() - 0.5) < 0.01 and abs(u.var() - 1 / 12) < 0.003
    assert abs(np.corrcoef(u.T)[0, 1]) < 0.03
    other_stream = hashing.uniforms(0, 2, np.arange(20000), 1)[:, 0]
    assert abs(np.corrcoef(u[:, 0], other_stream)[0, 1]) < 0.03


def test_every_factor_changes_the_image():
    for f in sf.FACTORS:
        a, b = (0.0, 1.0) if f.kind == "binary" else (f.low, f.high)
        assert changed(pair(f.name, a, b)).sum() > 4, f.name


def test_glasses_change_only_pixels_near_the_eyes():
    images = pair("glasses", 0.0, 1.0)
    rows, cols = np.nonzero(changed(images))
    eyes = sf.landmarks(sf.default_factors(1, yaw=0.0, roll=0.0), R)
    eye_y = eyes["left_eye"][0, 1]
    assert len(rows) > 20
    assert np.abs(rows - eye_y).max() <= 0.12 * R
    assert cols.min() >= 0.15 * R and cols.max() <= 0.85 * R


def test_mouth_eyes_and_beard_act_where_they_should():
    marks = sf.landmarks(sf.default_factors(1, yaw=0.0, roll=0.0), R)
    rows, _ = np.nonzero(changed(pair("smiling", 0.0, 1.0)))
    assert np.abs(rows - marks["mouth"][0, 1]).max() <= 0.08 * R
    rows, _ = np.nonzero(changed(pair("eyes_open", 0.0, 1.0)))
    assert np.abs(rows - marks["left_eye"][0, 1]).max() <= 0.06 * R
    rows, _ = np.nonzero(changed(pair("beard", 0.0, 1.0)))
    assert rows.min() > marks["left_eye"][0, 1] and rows.max() < 0.85 * R


def test_background_colour_changes_background_not_the_face():
    images = pair("background_hue", 0.0, 1.0)
    diff = changed(images)
    assert diff[:3, :3].all() and diff[:3, -3:].all()  # the corners are background
    cx, cy = sf.landmarks(sf.default_factors(1, yaw=0.0, roll=0.0), R)["nose"][0].round().astype(int)
    assert not diff[cy - 3:cy + 4, cx - 3:cx + 4].any()


def test_stochastic_detail_follows_the_detail_seed_only():
    factors = sf.sample_factors(8, seed=2)
    a = sf.render(factors, 64, seed=2)
    b = sf.render(factors, 64, seed=3)  # same factors, other detail stream
    diff = np.abs(a.astype(int) - b)
    assert diff.max() > 0
    assert diff.mean() < 4.0  # small in amplitude (a few grey levels)
    assert (diff > 48).mean() < 0.01  # and never moves a part of the face


def test_entangle_modes_remove_or_correlate_the_combo():
    n = 6000
    none = sf.sample_factors(n, seed=1)
    gone = sf.sample_factors(n, seed=1, entangle="missing_combo")
    corr = sf.sample_factors(n, seed=1, entangle="correlated")
    a, b = sf.ENTANGLED_PAIR
    p_a, p_b = sf.factor(a).p, sf.factor(b).p
    both = {k: float((t[a] * t[b]).mean()) for k, t in (("none", none), ("gone", gone), ("corr", corr))}
    tol = 4 * np.sqrt(0.25 / n)
    assert abs(both["none"] - p_a * p_b) < tol
    assert both["gone"] == 0.0
    assert abs(both["corr"] - 0.1 * p_a * p_b) < tol and both["corr"] > 0
    for t in (gone, corr):
        assert abs(t[a].mean() - p_a) < tol and abs(t[b].mean() - p_b) < tol  # marginals kept
        assert np.corrcoef(t[a], t[b])[0, 1] < -0.4
        assert np.array_equal(t["smiling"], none["smiling"])  # the other factors are untouched
    with pytest.raises(ValueError, match="entangle"):
        sf.sample_factors(4, entangle="tangled")


def test_windows_change_speed_not_pixels(monkeypatch):
    factors = sf.sample_factors(24, seed=9)
    extremes = {"yaw": [-30.0, 30.0], "roll": [-15.0, 15.0], "head_size": [1.12, 0.88],
                "eye_size": [1.2, 0.8], "glasses": [1.0, 1.0], "beard": [1.0, 0.0], "long_hair": [1.0, 0.0],
                "face_width": [1.15, 0.85]}
    for k, v in extremes.items():
        factors[k][:2] = v
    windowed = sf.render(factors, R, seed=9)
    monkeypatch.setattr(face_canvas, "USE_WINDOWS", False)
    assert np.array_equal(sf.render(factors, R, seed=9), windowed)


def test_worker_processes_give_the_same_bytes(monkeypatch):
    single, _ = sf.generate(40, 16, seed=6, progress=False, workers=1)
    monkeypatch.setattr(sf, "POOL_MIN_PIXELS", 16 * 16 * 8)  # make a tiny job use the pool
    pooled, _ = sf.generate(40, 16, seed=6, progress=False, workers=2)
    assert np.array_equal(single, pooled)


@pytest.mark.parametrize("resolution", [4, 12, 48, 512])
def test_resolution_must_be_a_power_of_two_in_range(resolution):
    with pytest.raises(ValueError, match="power of two"):
        sf.render(sf.default_factors(1), resolution)


def test_all_resolutions_render():
    for resolution in (8, 16, 128):
        img = sf.render(sf.default_factors(1), resolution)
        assert img.shape == (1, 3, resolution, resolution) and img.std() > 10


def test_bad_factor_tables_are_named():
    table = sf.default_factors(2)
    del table["glasses"]
    with pytest.raises(ValueError, match="glasses"):
        sf.render(table, 16)
    with pytest.raises(ValueError, match="yaw"):
        sf.render(sf.default_factors(1, yaw=90.0), 16)
    with pytest.raises(ValueError, match="smiling"):
        sf.render(sf.default_factors(1, smiling=0.5), 16)


def test_preview_rows_and_file(tmp_path):
    table = sweep("eye_colour", 4)
    varied = [k for k in sf.FACTOR_NAMES if len(np.unique(table[k])) > 1]
    assert varied == ["eye_colour"]
    rows = preview_rows(16, columns=4)
    assert len(rows) == 1 + len(sf.FACTORS) + 2 and all(r[2].shape == (4, 3, 16, 16) for r in rows)
    path = save_preview(tmp_path / "docs" / "preview.png", resolution=16, columns=4)
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert [p.name for p in path.parent.iterdir()] == ["preview.png"]
