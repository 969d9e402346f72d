"""The run's device and thread count: the one place that decides both.

    run_device()                  # $SGAN_DEVICE, else "auto": the GPU when there is one, else the CPU
    resolve_device("cuda:1")      # a name, validated: DeviceError names the problem and the fix
    process_threads(jobs=2)       # torch threads for each of ``jobs`` processes sharing this machine

Training takes its device from ``TrainConfig.device`` (default "auto"), everything else (``load_generator``,
the model zoo, the teaching notebooks) from ``run_device()``; metrics, projection, editing and the widgets
then follow the generator's device (``device_of(G)``), so nothing computes on the CPU beside an idle GPU. A
process that has the machine to itself uses all its cores; only processes that share the CPU (the course's
ablation runs, two at a time on 2 cores) get a share each.
"""

from __future__ import annotations

import os
import re
from typing import Any

DEVICE_ENV = "SGAN_DEVICE"
DEVICE_NAMES = r"auto|cpu|cuda(:\d+)?"
CHOICES = "choose 'auto', 'cpu', 'cuda' or 'cuda:<index>'"


class DeviceError(ValueError):
    """A device name that is malformed or names a device this machine does not have."""


def check_device_name(name: Any, what: str = "device") -> str:
    """``name`` if it is "auto", "cpu", "cuda" or "cuda:<index>", else a ``DeviceError`` (no CUDA check)."""
    if not isinstance(name, str) or not re.fullmatch(DEVICE_NAMES, name):
        raise DeviceError(f"{what}={name!r}: {CHOICES}.")
    return name


def resolve_device(name: Any = "auto", what: str = "device"):
    """``name`` (or a ``torch.device``) as a ``torch.device``: "auto" is cuda when a GPU is present, else cpu.
    A malformed name, a "cuda" on a machine without CUDA, or a GPU index past the last one raise
    ``DeviceError``; ``what`` is how the message names the setting (e.g. "--device")."""
    import torch

    if isinstance(name, torch.device):  # already a device (any kind: a test may use "meta"); CUDA is checked
        device = name
    else:
        check_device_name(name, what)
        if name == "auto":
            return torch.device("cuda" if torch.cuda.is_available() else "cpu")
        device = torch.device(name)
    if device.type == "cuda":
        if not torch.cuda.is_available():
            raise DeviceError(f"{what}={name!r} but CUDA is not available here: use 'cpu' or 'auto'.")
        if device.index is not None and device.index >= torch.cuda.device_count():
            raise DeviceError(f"{what}={name!r} but this machine has {torch.cuda.device_count()} GPU(s): use "
                              f"'cuda:0' to 'cuda:{torch.cuda.device_count() - 1}' or 'auto'.")
    return device


def run_device():
    """The device of everything but training's own loop: ``$SGAN_DEVICE`` (a device name), else "auto"."""
    return resolve_device(os.environ.get(DEVICE_ENV) or "auto", f"${DEVICE_ENV}")


def device_of(module: Any):
    """Where ``module``'s weights live (the first parameter's device); ``run_device()`` when it has none."""
    p = next(iter(module.parameters()), None) if module is not None else None
    return p.device if p is not None else run_device()


def process_threads(jobs: int = 1) -> int:
    """Torch threads for each of ``jobs`` processes that share this machine: its cores split evenly, at least
    one. ``jobs=1`` (a process alone: the teaching notebooks, metrics, a benchmark) gets every core."""
    if jobs < 1:
        raise ValueError(f"jobs={jobs}: at least one process.")
    return max(1, (os.cpu_count() or 1) // jobs)
