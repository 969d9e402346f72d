"""Image folders as data sets: conversion, crop and resize, caching, and every kind of bad input."""

import warnings

import numpy as np
import pytest
from PIL import Image

from sgan.data import folder, load_dataset


def solid(path, size=(40, 40), colour=(200, 30, 60), mode="RGB"):
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new(mode, size, colour).save(path)
    return path


def load(path, resolution=16, root=None, **kw):
    root = root or path.parent / "cache"
    return load_dataset(str(path), resolution=resolution, root=root, progress=False, **kw)


def test_folder_of_images_loads_and_crops_the_centre(tmp_path):
    imgs = tmp_path / "imgs"
    solid(imgs / "a.png", colour=(200, 30, 60))
    wide = np.zeros((32, 96, 3), dtype=np.uint8)  # red | green | blue thirds, 96 wide, 32 high
    wide[:, :32, 0] = wide[:, 32:64, 1] = wide[:, 64:, 2] = 255
    (imgs / "sub").mkdir()
    Image.fromarray(wide).save(imgs / "sub" / "b.png")
    data = load(imgs)
    assert len(data) == 2 and data.files == ["a.png", "sub/b.png"] and data.name == "imgs"
    assert np.all(data.images[0].reshape(3, -1).T == [200, 30, 60])  # a solid colour survives the resize
    centre = data.images[1].astype(int)
    assert centre[1].min() > 240 and centre[0].max() < 15 and centre[2].max() < 15  # only the green third
    x = data.batch([0, 1])
    assert x.shape == (2, 3, 16, 16) and x.min() >= -1 and x.max() <= 1


def test_modes_are_converted_to_rgb(tmp_path):
    imgs = tmp_path / "imgs"
    solid(imgs / "grey.png", colour=90, mode="L")
    rgba = Image.new("RGBA", (32, 32), (10, 20, 30, 255))
    rgba.paste((0, 0, 0, 0), (0, 0, 16, 32))  # left half fully transparent
    rgba.save(imgs / "rgba.png")
    pal = Image.new("P", (32, 32), 0)
    pal.putpalette([0, 0, 0, 12, 200, 34] + [0] * 762)
    pal.paste(1, (0, 0, 32, 32))
    pal.save(imgs / "palette.png")
    Image.fromarray(np.full((32, 32), 40000, dtype=np.uint16)).save(imgs / "deep.png")
    data = load(imgs)
    by_name = dict(zip(data.files, data.images, strict=True))
    assert np.all(by_name["grey.png"] == 90)
    assert np.all(by_name["palette.png"].reshape(3, -1).T == [12, 200, 34])
    rgba_out = by_name["rgba.png"]
    assert np.all(rgba_out[:, :, :5] == 255) and np.all(rgba_out[:, :, -5:].reshape(3, -1).T == [10, 20, 30])
    assert np.all(np.abs(by_name["deep.png"].astype(int) - round(40000 / 65535 * 255)) <= 1)


def test_missing_and_empty_folders(tmp_path):
    with pytest.raises(FileNotFoundError, match="synthetic"):
        load(tmp_path / "nowhere")
    with pytest.raises(FileNotFoundError, match="does not exist"):
        folder.load_folder(tmp_path / "nowhere", 16, root=tmp_path / "cache")
    (tmp_path / "empty").mkdir()
    with pytest.raises(ValueError, match="no images"):
        load(tmp_path / "empty")
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "readme.txt").write_text("hello")
    with pytest.warns(UserWarning, match="1 non-image"), pytest.raises(ValueError, match="no images"):
        load(notes)
    with pytest.raises(NotADirectoryError):
        load(notes / "readme.txt")


def test_non_image_files_are_counted_and_skipped(tmp_path):
    imgs = tmp_path / "imgs"
    solid(imgs / "a.png")
    solid(imgs / "b.jpg")
    (imgs / "labels.csv").write_text("a,1\n")
    (imgs / "notes.txt").write_text("x")
    with pytest.warns(UserWarning, match=r"skipped 2 non-image file\(s\)"):
        data = load(imgs)
    assert len(data) == 2


def test_corrupt_images_are_named_and_skipped(tmp_path):
    imgs = tmp_path / "imgs"
    solid(imgs / "good.png")
    (imgs / "garbage.png").write_bytes(b"this is not a png")
    solid(imgs / "cut.png", size=(64, 64))
    whole = (imgs / "cut.png").read_bytes()
    (imgs / "cut.png").write_bytes(whole[: len(whole) // 2])  # a readable header, truncated data
    with pytest.warns(UserWarning, match=r"2 corrupt image\(s\).*cut\.png.*garbage\.png"):
        data = load(imgs)
    assert data.files == ["good.png"] and data.images.shape == (1, 3, 16, 16)
    with pytest.warns(UserWarning, match="garbage.png"):
        again = load(imgs)  # from the cache: still says what was skipped
    assert np.array_equal(again.images, data.images)


def test_small_images_are_an_error_unless_upscaled(tmp_path):
    imgs = tmp_path / "imgs"
    solid(imgs / "big.png", size=(40, 40))
    solid(imgs / "tiny1.png", size=(8, 12))
    solid(imgs / "tiny2.png", size=(12, 30))
    cache = tmp_path / "cache"
    with pytest.raises(ValueError, match=r"2 of 3 images .* than 16x16.*tiny1\.png, tiny2\.png.*upscale"):
        load(imgs, root=cache)
    assert list(cache.iterdir()) == []  # nothing half-written
    data = load(imgs, root=cache, upscale=True)
    assert len(data) == 3 and np.all(data.images[1].reshape(3, -1).T == [200, 30, 60])


def test_resolution_must_be_a_power_of_two(tmp_path):
    solid(tmp_path / "imgs" / "a.png")
    with pytest.raises(ValueError, match="power of two"):
        load(tmp_path / "imgs", resolution=24)


def test_cache_hit_and_rebuild_on_change(tmp_path, monkeypatch):
    imgs = tmp_path / "imgs"
    solid(imgs / "a.png")
    first = load(imgs)
    real = folder.load_image
    monkeypatch.setattr(folder, "load_image", lambda *a: pytest.fail("decoded again on a cache hit"))
    assert np.array_equal(load(imgs).images, first.images)
    monkeypatch.setattr(folder, "load_image", real)
    solid(imgs / "b.png", colour=(1, 2, 3))
    assert len(load(imgs)) == 2  # a new file: a new cache entry


def test_no_warning_for_a_clean_folder(tmp_path):
    solid(tmp_path / "imgs" / "a.png")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        load(tmp_path / "imgs")
