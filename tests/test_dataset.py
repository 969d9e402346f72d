"""ImageDataset and load_dataset: the cache (hit, miss, rebuild, atomicity), batches, mirroring, digits."""

import os

import numpy as np
import pytest
import torch

from sgan.data import cache, load_dataset, mirror_mask
from sgan.data import synthetic_faces as sf
from sgan.data.dataset import ImageDataset


def entries(root):
    return sorted(p.name for p in root.iterdir())


def test_synthetic_matches_generate_and_is_memory_mapped(tmp_path):
    data = load_dataset("synthetic", resolution=16, n=10, seed=2, root=tmp_path, progress=False)
    images, factors = sf.generate(10, 16, seed=2, progress=False)
    assert isinstance(data.images, np.memmap) and data.resolution == 16 and len(data) == 10
    assert np.array_equal(data.images, images)
    assert set(data.factors) == set(sf.FACTOR_NAMES)
    assert all(np.array_equal(data.factors[k], factors[k]) for k in factors)


def test_cache_hit_miss_and_rebuild(tmp_path, monkeypatch):
    calls = []
    real = sf.generate
    monkeypatch.setattr(sf, "generate", lambda *a, **k: calls.append(a) or real(*a, **k))
    load_dataset("synthetic", resolution=16, n=6, root=tmp_path, progress=False)
    first = entries(tmp_path)
    assert len(calls) == 1 and [p.rsplit(".", 1)[1] for p in first] == ["npy", "npz"]
    load_dataset("synthetic", resolution=16, n=6, root=tmp_path, progress=False)
    assert len(calls) == 1 and entries(tmp_path) == first  # hit
    load_dataset("synthetic", resolution=16, n=6, seed=1, root=tmp_path, progress=False)
    assert len(calls) == 2 and len(entries(tmp_path)) == 4  # another parameter: another entry
    monkeypatch.setattr(sf, "RENDERER_VERSION", sf.RENDERER_VERSION + 1)
    load_dataset("synthetic", resolution=16, n=6, root=tmp_path, progress=False)
    assert len(calls) == 3  # a new renderer rebuilds


def test_a_smaller_set_reuses_a_larger_cached_one(tmp_path, monkeypatch):
    big = load_dataset("synthetic", resolution=16, n=9, seed=4, root=tmp_path, progress=False)
    monkeypatch.setattr(sf, "generate", lambda *a, **k: pytest.fail("regenerated a prefix of a cached set"))
    small = load_dataset("synthetic", resolution=16, n=5, seed=4, root=tmp_path, progress=False)
    assert len(small) == 5 and np.array_equal(small.images, big.images[:5]) and len(entries(tmp_path)) == 2
    assert all(np.array_equal(small.factors[k], big.factors[k][:5]) for k in big.factors)
    with pytest.raises(BaseException, match="regenerated"):  # another seed is not a prefix
        load_dataset("synthetic", resolution=16, n=5, seed=5, root=tmp_path, progress=False)


def test_unreadable_cache_is_rebuilt(tmp_path):
    data = load_dataset("synthetic", resolution=16, n=4, root=tmp_path, progress=False)
    expected = np.array(data.images)
    del data
    npy = next(tmp_path.glob("*.npy"))
    npy.write_bytes(b"not an array")
    again = load_dataset("synthetic", resolution=16, n=4, root=tmp_path, progress=False)
    assert np.array_equal(again.images, expected)


@pytest.mark.parametrize("error", [RuntimeError, KeyboardInterrupt])
def test_failed_generation_leaves_nothing(tmp_path, monkeypatch, error):
    def broken(n, resolution, out, **kwargs):
        out[: n // 2] = 7  # half written, then the failure
        raise error("stop")

    monkeypatch.setattr(sf, "generate", broken)
    with pytest.raises(error):
        load_dataset("synthetic", resolution=16, n=8, root=tmp_path, progress=False)
    assert entries(tmp_path) == []


@pytest.mark.skipif(cache.fcntl is None, reason="build locks need flock (not on Windows)")
def test_a_dead_builds_files_go_even_when_its_process_id_was_given_to_another_process(tmp_path):
    import subprocess
    import sys

    params = {"x": 1}
    tag = f"{os.getpid()}.dead0001"  # a live process id (ours), as a fresh container reuses ids
    dead = [tmp_path / f".big.{kind}.{tag}.tmp" for kind in ("images", "table", cache.LOCK_KIND)]
    for f in dead:
        f.write_bytes(b"junk")  # the lock file exists but nobody holds it: its writer died
    # a build in progress in another process: it holds its lock, so its files stay
    live_tag = "123.live0001"
    live = [tmp_path / f".other.{kind}.{live_tag}.tmp" for kind in ("images", cache.LOCK_KIND)]
    live[0].write_bytes(b"half-written")
    holder = subprocess.Popen([sys.executable, "-c", (
        "import fcntl, os, sys, time; fd = os.open(sys.argv[1], os.O_CREAT | os.O_RDWR); "
        "fcntl.flock(fd, fcntl.LOCK_EX); print('locked', flush=True); time.sleep(60)"), str(live[1])],
        stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        cache.build(tmp_path, "entry", params, (2, 3, 8, 8), lambda out: (2, {}))
        assert not any(f.exists() for f in dead)
        assert all(f.exists() for f in live)
    finally:
        holder.kill()
        holder.wait()
    cache.build(tmp_path, "entry2", params, (2, 3, 8, 8), lambda out: (2, {}))  # its writer is gone now
    assert not any(f.exists() for f in live)
    assert not list(tmp_path.glob(".*.tmp"))  # the builds removed their own lock files


def test_orphaned_temporary_files_are_removed(tmp_path):
    params = {"x": 1}
    orphan = tmp_path / ".entry.images.999999999.abcd.tmp"  # a process id that does not exist
    orphan.write_bytes(b"junk")
    images, _ = cache.build(tmp_path, "entry", params, (2, 3, 8, 8), lambda out: (2, {}))
    assert not orphan.exists() and images.shape == (2, 3, 8, 8)
    assert cache.load(tmp_path, "entry", {"x": 2}) is None  # other parameters: a miss


def test_batch_is_the_closed_form_in_range(tmp_path):
    data = load_dataset("synthetic", resolution=16, n=12, root=tmp_path, progress=False)
    idx = np.array([3, 0, 11, 3])
    x = data.batch(idx)
    assert x.dtype == torch.float32 and x.shape == (4, 3, 16, 16)
    assert x.min() >= -1 and x.max() <= 1
    expected = torch.from_numpy(data.images[idx].astype(np.float32) / 127.5 - 1.0)
    torch.testing.assert_close(x, expected, rtol=0, atol=1e-6)
    assert torch.equal(data.batch(torch.tensor(idx)), x) and torch.equal(data.batch(list(idx)), x)
    with pytest.raises(IndexError, match=r"\[0, 12\)"):
        data.batch([12])


def test_mirror_flips_exactly_the_chosen_images():
    images = np.random.default_rng(0).integers(0, 256, (16, 3, 8, 8), dtype=np.uint8)
    data = ImageDataset(images, "random")
    plain = data.batch(np.arange(16))
    mask = mirror_mask(16, torch.Generator().manual_seed(3))
    assert 0 < mask.sum() < 16
    flipped = data.batch(np.arange(16), mirror=True, generator=torch.Generator().manual_seed(3))
    for i in range(16):
        assert torch.equal(flipped[i], plain[i].flip(-1) if mask[i] else plain[i])
    with pytest.raises(ValueError, match="generator"):
        data.batch([0], mirror=True)


def test_default_mirror_and_sample(tmp_path):
    data = load_dataset("synthetic", resolution=16, n=8, root=tmp_path, mirror=True, progress=False)
    g = torch.Generator().manual_seed(5)
    mask = mirror_mask(8, torch.Generator().manual_seed(5))
    x = data.batch(np.arange(8), generator=g)  # mirror=None: the data set's default (True)
    assert torch.equal(x[mask], data.batch(np.arange(8), mirror=False)[mask].flip(-1))
    a = data.sample(6, torch.Generator().manual_seed(1))
    b = data.sample(6, torch.Generator().manual_seed(1))
    assert a.shape == (6, 3, 16, 16) and torch.equal(a, b)


def test_digits_load_offline():
    data = load_dataset("digits", resolution=16)
    assert len(data) == 1797 and data.resolution == 16 and data.factors is None
    assert sorted(set(data.labels.tolist())) == list(range(10))
    img = data.images[0]
    assert np.array_equal(img[0], img[1]) and np.array_equal(img[0], img[2])  # grey as RGB
    assert img[:, 0, 0].min() > 200 and img.min() < 60  # white paper, dark ink
    assert len(load_dataset("digits", resolution=8, n=10)) == 10
    with pytest.raises(ValueError, match="1797"):
        load_dataset("digits", resolution=8, n=5000)


def test_bad_names_and_options():
    with pytest.raises(FileNotFoundError, match="synthetic"):
        load_dataset("ffhq-that-is-not-here", resolution=16)
    with pytest.raises(ValueError, match="synthetic faces only"):
        load_dataset("digits", resolution=16, entangle="missing_combo")
    with pytest.raises(ValueError, match="power of two"):
        load_dataset("digits", resolution=24)
    with pytest.raises(ValueError, match="positive"):
        load_dataset("digits", resolution=16, n=0)
