"""Counting the floating-point operations of a piece of PyTorch code (for the benchmark's FLOP/s figures).

``count_flops()`` is a context manager that records every ATen operator the code under it runs and adds up
the FLOPs of those that ``torch.utils.flop_counter`` has a formula for (matrix products and convolutions,
forward and backward; one multiply-add counts 2 FLOPs):

    conv2d  [N, C_in, H, W] * [C_out, C_in/g, k, k] -> [N, C_out, H', W']:  2 · N·C_out·H'·W' · (C_in/g)·k²
    linear  [N, in] -> [N, out]:  2 · N · in · out

Element-wise work (activations, normalisations, noise) is not counted, as in the usual convention.

Why not ``torch.utils.flop_counter.FlopCounterMode`` itself: its module tracker hooks every module's inputs
and breaks ``torch.autograd.grad`` with respect to a leaf input, which R1 needs. This counter is a bare
``TorchDispatchMode`` over the same formula registry, with no module hooks, so it counts R1's double backward
too. Count the plain fp32 path (no compile, no autocast): a speed path then shows as a throughput gain, never
as an inflated count.
"""

from __future__ import annotations

from collections import Counter

import torch
from torch.utils._python_dispatch import TorchDispatchMode
from torch.utils.flop_counter import flop_registry

_IGNORED = {torch.ops.prim.device.default}


class count_flops(TorchDispatchMode):  # noqa: N801 (used like a function: ``with count_flops() as c``)
    """``with count_flops() as counter: ...`` then ``counter.total`` (FLOPs) and ``counter.by_op``."""

    def __init__(self) -> None:
        super().__init__()
        self.by_op: Counter[str] = Counter()

    @property
    def total(self) -> int:
        return int(sum(self.by_op.values()))

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        packet = func._overloadpacket
        if packet not in flop_registry and func not in _IGNORED:
            # composite ops without a formula (e.g. some conv variants) may decompose into ops that have one
            with self:
                out = func.decompose(*args, **kwargs)
            if out is not NotImplemented:
                return out
        out = func(*args, **kwargs)
        if packet in flop_registry:
            self.by_op[str(packet).split(".")[-1]] += int(flop_registry[packet](*args, **kwargs, out_val=out))
        return out
