"""A folder of images as a training set (e.g. FFHQ thumbnails or CelebA, see data/README.md).

Every image (searched recursively, sorted by path) is converted to RGB (greyscale, palette and 16-bit images
too; transparent ones are composited onto white), centre-cropped to a square and resized to the training
resolution with PIL's Lanczos filter (anti-aliased when shrinking). The result is cached under the cache root
as a memory-mapped uint8 array, keyed by the folder, the resolution and every file's name, size and
modification time, so adding or changing a file rebuilds it.

Bad input: a missing or empty folder is an error; non-image files are skipped with a warning that counts them;
a corrupt image is skipped with a warning that names it; images smaller than the resolution are an error that
lists them unless ``upscale=True``.
"""

from __future__ import annotations

import hashlib
import os
import re
import warnings
from pathlib import Path

import numpy as np
from PIL import Image, UnidentifiedImageError
from tqdm.auto import tqdm

from sgan.data import cache

IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg", ".bmp", ".gif", ".webp", ".tif", ".tiff", ".ppm", ".pgm")
MAX_RESOLUTION = 1024
CORRUPT_KEY = "__corrupt__"
_DECODE_ERRORS = (OSError, UnidentifiedImageError, ValueError, SyntaxError, Image.DecompressionBombError)


def _names(paths: list[Path], root: Path, limit: int = 5) -> str:
    shown = ", ".join(str(p.relative_to(root)) for p in paths[:limit])
    return shown + (f" and {len(paths) - limit} more" if len(paths) > limit else "")


def scan(path: str | os.PathLike) -> list[Path]:
    """The image files under path (recursive, sorted); warns about the non-image files it skips."""
    root = Path(path).expanduser()
    if not root.exists():
        raise FileNotFoundError(f"image folder {root} does not exist; see data/README.md for how to get one.")
    if not root.is_dir():
        raise NotADirectoryError(f"{root} is a file; pass the folder that holds the images.")
    files = sorted(p for p in root.rglob("*") if p.is_file() and not p.name.startswith("."))
    images = [p for p in files if p.suffix.lower() in IMAGE_EXTENSIONS]
    others = [p for p in files if p.suffix.lower() not in IMAGE_EXTENSIONS]
    if others:
        warnings.warn(f"{root}: skipped {len(others)} non-image file(s) ({_names(others, root)}); "
                      f"images are {', '.join(IMAGE_EXTENSIONS)}.", stacklevel=3)
    if not images:
        raise ValueError(f"no images in {root} (searched recursively for {', '.join(IMAGE_EXTENSIONS)}).")
    return images


def full_scale(mode: str, values: np.ndarray) -> float:
    """The value that means white in a PIL image of ``mode``: the range of its format, not of its pixels (a
    dark 16-bit image stays dark). 16-bit integers: 65535 ("I" is how 16-bit PNGs open; wider values: 2³²−1);
    floats: 1.0 when every value lies in [0, 1], else 255 (or their maximum, when larger)."""
    if mode == "F":
        top = float(values.max(initial=0.0))
        return 1.0 if top <= 1.0 else max(255.0, top)
    return 65535.0 if values.max(initial=0) <= 65535 else 2.0**32 - 1


def to_rgb(image: Image.Image) -> Image.Image:
    """Any PIL image as 8-bit RGB: transparency composited onto white, 16-bit and float scaled to 8 bits by
    their format's range (``full_scale``)."""
    if image.mode in ("I", "I;16", "I;16B", "I;16L", "F"):
        values = np.asarray(image, dtype=np.float64)
        top = full_scale(image.mode, values)
        image = Image.fromarray(np.clip(np.round(values * (255.0 / top)), 0, 255).astype(np.uint8), mode="L")
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(white, rgba).convert("RGB")
    return image.convert("RGB")


def load_image(path: str | os.PathLike, resolution: int) -> np.ndarray:
    """One image: RGB, centre-cropped to a square, Lanczos-resized: uint8 [3, R, R]."""
    with Image.open(path) as image:
        image.load()
        rgb = to_rgb(image)
    w, h = rgb.size
    side = min(w, h)
    left, top = (w - side) // 2, (h - side) // 2
    square = rgb.crop((left, top, left + side, top + side))
    if side != resolution:
        square = square.resize((resolution, resolution), Image.Resampling.LANCZOS)
    return np.asarray(square, dtype=np.uint8).transpose(2, 0, 1)


def _reason(path: Path, exc: BaseException) -> str:
    return f"{type(exc).__name__}: {str(exc).replace(str(path), path.name)}"[:100]


def _probe(files: list[Path]) -> tuple[list[Path], list[tuple[int, int]], list[tuple[Path, str]]]:
    """Read every header: (readable files, their sizes, [(corrupt file, reason)])."""
    good, sizes, bad = [], [], []
    for p in files:
        try:
            with Image.open(p) as image:
                sizes.append(image.size)
            good.append(p)
        except _DECODE_ERRORS as exc:
            bad.append((p, _reason(p, exc)))
    return good, sizes, bad


def _warn_corrupt(bad: list[tuple[Path, str]], root: Path) -> None:
    if bad:
        bad = sorted(bad)
        shown = "; ".join(f"{p.relative_to(root)} ({why})" for p, why in bad[:5])
        more = f"; and {len(bad) - 5} more" if len(bad) > 5 else ""
        warnings.warn(f"{root}: skipped {len(bad)} corrupt image(s): {shown}{more}.", stacklevel=3)


def _fingerprint(files: list[Path], root: Path) -> str:
    h = hashlib.sha256()
    for p in files:
        st = p.stat()
        # fsencode: a file name need not be valid UTF-8 (its bytes are hashed as they are on disk)
        h.update(os.fsencode(p.relative_to(root)) + f"\0{st.st_size}\0{st.st_mtime_ns}\n".encode())
    return h.hexdigest()


def load_folder(path: str | os.PathLike, resolution: int, root: str | os.PathLike = "data",
                upscale: bool = False, progress: bool = True) -> tuple[np.ndarray, list[str]]:
    """(images uint8 [N, 3, R, R] memory-mapped from the cache, their file names relative to path)."""
    folder = Path(path).expanduser().resolve()
    files = scan(folder)
    params = {"kind": "folder", "path": str(folder), "resolution": resolution, "upscale": bool(upscale),
              "files": _fingerprint(files, folder)}
    stem = re.sub(r"[^A-Za-z0-9_-]+", "_", f"folder-{folder.name}-{resolution}px-{cache.cache_key(params)}")
    entry = cache.load(root, stem, params)
    if entry is None:
        entry = cache.build(root, stem, params, (len(files), 3, resolution, resolution),
                            lambda out: _fill(out, files, folder, resolution, upscale, progress))
    elif len(entry[1][CORRUPT_KEY]):
        corrupt = entry[1][CORRUPT_KEY]
        warnings.warn(f"{folder}: {len(corrupt)} corrupt image(s) were skipped when the cache was built: "
                      f"{', '.join(map(str, corrupt[:5]))}.", stacklevel=2)
    images, table = entry
    return images, [str(f) for f in table[cache.FILES_KEY]]


def _fill(out: np.ndarray, files: list[Path], folder: Path, resolution: int, upscale: bool,
          progress: bool) -> tuple[int, dict[str, np.ndarray]]:
    good, sizes, bad = _probe(files)
    small = [p for p, (w, h) in zip(good, sizes, strict=True) if min(w, h) < resolution]
    if small and not upscale:
        raise ValueError(f"{len(small)} of {len(good)} images in {folder} are smaller than "
                         f"{resolution}x{resolution} (shorter side): {_names(small, folder)}. "
                         f"Pass upscale=True (--upscale on the command line) to enlarge them, choose a lower "
                         "resolution, or remove them.")
    kept: list[str] = []
    for p in tqdm(good, desc=f"{folder.name} -> {resolution}²", unit="img", disable=not progress):
        try:
            out[len(kept)] = load_image(p, resolution)
        except _DECODE_ERRORS as exc:  # the header was fine, the data is not (e.g. a truncated file)
            bad.append((p, _reason(p, exc)))
            continue
        kept.append(str(p.relative_to(folder)))
    _warn_corrupt(bad, folder)
    if not kept:
        raise ValueError(f"none of the {len(files)} images in {folder} could be read.")
    corrupt = np.array(sorted(str(p.relative_to(folder)) for p, _ in bad), dtype=str)
    return len(kept), {cache.FILES_KEY: np.array(kept, dtype=str), CORRUPT_KEY: corrupt}
