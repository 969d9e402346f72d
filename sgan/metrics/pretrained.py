"""The standard pretrained feature networks' weight files: where they are looked for, and their checksums.

The paper's metrics use two ImageNet networks whose weights cannot ship with sgan (about 100 MB and 530 MB,
and this course must run offline):

* FID: Inception-v3 from TensorFlow's 2015-12-05 graph, ported to PyTorch by pytorch-fid
  (``pt_inception-2015-12-05-6726825d.pth``; torch-fidelity hosts the same weights as
  ``weights-inception-2015-12-05-6726825d.pth``).
* PPL: LPIPS-VGG16 (Zhang et al. 2018): torchvision's ``vgg16-397923af.pth`` trunk plus the LPIPS linear
  layers, which the ``lpips`` package ships.

A file is used when it is found, in this order: an explicit path argument, the environment variable
(``SGAN_INCEPTION`` / ``SGAN_VGG16``), then torch hub's checkpoint cache
(``torch.hub.get_dir()/checkpoints``), where ``torch.hub.load_state_dict_from_url`` would have stored it. The
file must match its published SHA-256 prefix (the 8 hex digits in its name, torch hub's convention). Without
it, the metrics fall back to sgan's own domain network (``features="domain"``), and asking for the network
by name raises an error that says which file is missing, where to put it and how to get it.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

import torch

from sgan.env import INCEPTION_ENV, VGG16_ENV


@dataclass(frozen=True)
class PretrainedFile:
    """A published weight file: accepted names, SHA-256 prefix, download URL, environment variable."""

    key: str
    description: str
    filenames: tuple[str, ...]
    sha256_prefix: str
    url: str
    env_var: str


INCEPTION = PretrainedFile(
    key="inception",
    description="Inception-v3 FID weights (TensorFlow 2015-12-05 graph, ported by pytorch-fid)",
    filenames=("pt_inception-2015-12-05-6726825d.pth", "weights-inception-2015-12-05-6726825d.pth"),
    sha256_prefix="6726825d",
    url="https://github.com/mseitzer/pytorch-fid/releases/download/fid_weights/pt_inception-2015-12-05-6726825d.pth",
    env_var=INCEPTION_ENV,
)
VGG16 = PretrainedFile(
    key="vgg16",
    description="torchvision VGG16 ImageNet weights (the LPIPS-VGG16 trunk)",
    filenames=("vgg16-397923af.pth",),
    sha256_prefix="397923af",
    url="https://download.pytorch.org/models/vgg16-397923af.pth",
    env_var=VGG16_ENV,
)


class WeightsMissingError(FileNotFoundError):
    """A pretrained weight file is not on this machine."""


class ChecksumError(ValueError):
    """A weight file does not match its published SHA-256 prefix."""


def hub_checkpoint_dir() -> Path:
    """torch hub's cache of downloaded weights (``$TORCH_HOME/hub/checkpoints``; ~/.cache/torch/hub/...)."""
    return Path(torch.hub.get_dir()) / "checkpoints"


def _candidates(spec: PretrainedFile, path: str | os.PathLike | None) -> list[tuple[str, Path]]:
    if path is not None:
        return [("argument", Path(path).expanduser())]
    env = os.environ.get(spec.env_var)
    if env:
        return [(f"${spec.env_var}", Path(env).expanduser())]
    return [("torch hub cache", hub_checkpoint_dir() / name) for name in spec.filenames]


def how_to_get(spec: PretrainedFile) -> str:
    """The commands that put ``spec``'s file where sgan finds it."""
    target = hub_checkpoint_dir() / spec.filenames[0]
    return (
        f"Download it on a machine with internet:\n"
        f"    curl -L --create-dirs -o {target} {spec.url}\n"
        f"(or: python -c \"import torch; torch.hub.load_state_dict_from_url('{spec.url}')\"), copy it to "
        f"{target}, or point {spec.env_var}=/path/to/{spec.filenames[0]} at it."
    )


def find_weights(spec: PretrainedFile, path: str | os.PathLike | None = None) -> Path:
    """The path of ``spec``'s weight file (argument, then environment variable, then hub cache)."""
    tried = _candidates(spec, path)
    for _, candidate in tried:
        if candidate.is_file():
            return candidate
    looked = "; ".join(f"{where}: {p}" for where, p in tried)
    raise WeightsMissingError(
        f"{spec.description} not found (looked at {looked}).\n{how_to_get(spec)}\n"
        "Offline, use sgan's own domain network instead (features='domain' / distance='domain')."
    )


_VERIFIED: dict[tuple[str, int, int], str] = {}


def sha256_of(path: str | os.PathLike) -> str:
    """Hex SHA-256 of a file (memoised per path, size and modification time)."""
    stat = Path(path).stat()
    key = (str(Path(path).resolve()), stat.st_size, stat.st_mtime_ns)
    if key not in _VERIFIED:
        digest = hashlib.sha256()
        with open(path, "rb") as f:
            for chunk in iter(lambda: f.read(1 << 20), b""):
                digest.update(chunk)
        _VERIFIED[key] = digest.hexdigest()
    return _VERIFIED[key]


def verify_weights(spec: PretrainedFile, path: str | os.PathLike) -> Path:
    """``path`` if its SHA-256 starts with ``spec.sha256_prefix``, else a ``ChecksumError`` (what to do)."""
    digest = sha256_of(path)
    if not digest.startswith(spec.sha256_prefix):
        raise ChecksumError(
            f"{path} is not the official {spec.filenames[0]}: its SHA-256 starts with {digest[:8]}, expected "
            f"{spec.sha256_prefix}. The file is corrupt, truncated or a different model; delete it and "
            f"fetch it again.\n{how_to_get(spec)}"
        )
    return Path(path)


def locate_weights(spec: PretrainedFile, path: str | os.PathLike | None = None) -> Path:
    """Find and verify ``spec``'s weight file; raises ``WeightsMissingError`` or ``ChecksumError``."""
    return verify_weights(spec, find_weights(spec, path))


def weights_available(spec: PretrainedFile, path: str | os.PathLike | None = None) -> bool:
    """True when ``spec``'s file is present and verified, False when absent. A present file that fails its
    checksum raises ``ChecksumError``: a corrupt download must not silently switch the metric's network."""
    try:
        found = find_weights(spec, path)
    except WeightsMissingError:
        return False
    verify_weights(spec, found)
    return True
