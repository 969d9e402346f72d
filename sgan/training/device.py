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
import sys
from typing import Any

from sgan.env import DEVICE_ENV

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


def bf16_supported(device) -> bool:
    """Whether bf16 autocast runs natively on ``device``: the CPU (tested against fp32) and GPUs of compute
    capability 8.0 or later (A100, H100, RTX 30xx on); not a T4 or V100, where it would be emulated or refused."""
    import torch

    if device.type == "cuda":
        return torch.cuda.get_device_capability(device) >= (8, 0)
    return device.type == "cpu"


def process_threads(jobs: int = 1) -> int:
    """Torch threads for each of ``jobs`` processes that share this machine: its cores split evenly, at least
    one. ``jobs=1`` (a process alone: the teaching notebooks, metrics, a benchmark) gets every core."""
    if jobs < 1:
        raise ValueError(f"jobs={jobs}: at least one process.")
    return max(1, (os.cpu_count() or 1) // jobs)


# ----- the device guard: the CPU tests' stand-in for a GPU run -----
FACTORIES = frozenset({"zeros", "ones", "empty", "full", "rand", "randn", "randint", "randperm", "normal",
                       "arange", "linspace", "logspace", "eye", "tensor", "as_tensor", "zeros_like", "ones_like",
                       "empty_like", "full_like", "rand_like", "randn_like", "randint_like"})
CROSS_DEVICE_OK = frozenset({"to", "copy_", "cpu", "cuda", "__getitem__", "__setitem__", "index_select",
                             "__get__", "__set__", "type", "clone", "detach", "numpy", "tolist", "item"})


_PACKAGE = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep  # the sgan package


class DeviceMixError(RuntimeError):
    """Tensors on two devices met in one operation, or project code made a tensor without naming its device."""


def _project_frame():
    """The innermost caller's frame outside torch and the installed libraries (the project's code: the sgan
    package, a script, a notebook cell), None when the call comes from a library's own code."""
    frame = sys._getframe(2)
    while frame is not None:
        name = frame.f_code.co_filename
        if "site-packages" not in name and "/torch/" not in name and not name.endswith("device.py"):
            return frame
        if "site-packages" in name and "/torch/" not in name:
            return None  # numpy, sklearn, ...: their own business
        frame = frame.f_back
    return None


def _checked(filename: str) -> bool:
    """Code whose factories must name their device: the sgan package and notebook cells (a kernel's cell files,
    ``.../ipykernel_<pid>/<hash>.py``), where a CPU tensor would meet a GPU run's generator."""
    return filename.startswith(_PACKAGE) or "ipykernel_" in filename


def _where(frame) -> str:
    return f"{frame.f_code.co_filename}:{frame.f_lineno}" if frame is not None else "library code"


def _constructing(frame) -> bool:
    """Whether ``frame`` is a module's ``__init__`` (initial weights and buffers: moved later with ``.to``)."""
    import torch

    return frame.f_code.co_name == "__init__" and isinstance(frame.f_locals.get("self"), torch.nn.Module)


def device_guard():
    """A ``TorchFunctionMode`` that fails, with ``DeviceMixError`` naming the call, when (1) tensors of more
    than one element on two devices meet in one operation (what CUDA refuses or silently syncs; moves, copies
    and indexing excepted), or (2) the project's code calls a tensor factory (``torch.zeros``, ``torch.randn``,
    ...) without ``device=`` in the sgan package or a notebook cell, which would put the tensor on the default
    device instead of the run's (except in a module's ``__init__``: initial weights, moved with the module).
    A notebook's demonstration tensors say ``device="cpu"``; those that meet G take G's device.

    On a CPU-only machine a GPU run's device mix-ups cannot happen, so the tests run training, metrics,
    projection, editing and the widgets under this guard: a factory that forgets its device fails here as it
    would put a CPU tensor beside a CUDA one there. ``with device_guard(): ...``"""
    from torch.overrides import TorchFunctionMode

    class DeviceGuard(TorchFunctionMode):
        def __torch_function__(self, func, types, args=(), kwargs=None):
            kwargs = kwargs or {}
            name = getattr(func, "__name__", str(func))
            if name in FACTORIES and "device" not in kwargs and not name.endswith("_like"):
                frame = _project_frame()
                if frame is not None and _checked(frame.f_code.co_filename) and not _constructing(frame):
                    raise DeviceMixError(f"torch.{name}(...) without device= at {_where(frame)}: name the device "
                                         "(the run's, e.g. x.device, or \"cpu\" for a draw from a CPU generator).")
            if name not in CROSS_DEVICE_OK:
                devices = {t.device for t in _tensors(args, kwargs) if t.numel() > 1}
                if len(devices) > 1:
                    raise DeviceMixError(f"{name}: tensors on {', '.join(sorted(map(str, devices)))} meet at "
                                         f"{_where(_project_frame())}: move one first (.to(device)).")
            return func(*args, **kwargs)

    return DeviceGuard()


def _tensors(args: Any, kwargs: dict) -> list:
    import torch

    out, stack = [], [*args, *kwargs.values()]
    while stack:
        item = stack.pop()
        if isinstance(item, torch.Tensor):
            out.append(item)
        elif isinstance(item, list | tuple):
            stack.extend(item)
    return out
