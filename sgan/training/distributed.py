"""Data-parallel training across processes (``torchrun --nproc_per_node=N``): set-up and the few collectives.

The global minibatch is split evenly across ranks. Every rank draws the random numbers of the *global* batch
from the same seeded generator and keeps its own slice, so N ranks see the same latents, reals, noise and
mixing as one process would. Gradients are averaged across ranks after each backward:

    g ← (1/N) Σ_ranks g_rank          (one all-reduce of all gradients of a network, flattened)

This is what ``DistributedDataParallel`` does, done by hand: DDP's hooks do not fit R1 / the gradient penalty
(a double backward through D) nor progressive growing (the layers above the current resolution get no
gradient, which DDP would wait for). NCCL on GPU, gloo on CPU; only rank 0 writes files.

Rank r takes the rows r, r + N, r + 2N, ... of the global minibatch (strided, not contiguous). The minibatch
standard deviation is computed per rank, as in the official code; its group g holds the rows i ≡ g (mod M),
M = batch / group_size, so when N divides M every group lies inside one rank and the per-rank statistic
equals the single-process one: N ranks then train exactly as one process with the global minibatch (up to
floating-point summation order). Otherwise the groups are formed within each rank's rows.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import torch
import torch.distributed as dist
from torch import nn


@dataclass(frozen=True)
class DistInfo:
    """This process's place in the job: rank 0 of 1 when not launched by torchrun."""

    rank: int = 0
    world_size: int = 1
    local_rank: int = 0
    owns_group: bool = False  # True when init_distributed created the process group (and shutdown ends it)

    @property
    def is_main(self) -> bool:
        return self.rank == 0

    @property
    def enabled(self) -> bool:
        return self.world_size > 1

    def shard(self, global_batch: int) -> slice:
        """This rank's rows of a global minibatch: every world_size-th row from ``rank`` (strided)."""
        if global_batch % self.world_size:
            raise ValueError(
                f"The minibatch {global_batch} does not split evenly across {self.world_size} processes: "
                "choose batch_sizes that are multiples of the number of processes."
            )
        return slice(self.rank, None, self.world_size)


def init_distributed(device_type: str) -> DistInfo:
    """Join the process group that torchrun describes (RANK, WORLD_SIZE, LOCAL_RANK), or run alone."""
    world_size = int(os.environ.get("WORLD_SIZE", "1"))
    if world_size == 1:
        return DistInfo()
    rank, local_rank = int(os.environ["RANK"]), int(os.environ.get("LOCAL_RANK", "0"))
    owns_group = not dist.is_initialized()
    if owns_group:
        dist.init_process_group(backend="nccl" if device_type == "cuda" else "gloo")
    return DistInfo(rank=rank, world_size=world_size, local_rank=local_rank, owns_group=owns_group)


def broadcast_module(module: nn.Module, info: DistInfo) -> None:
    """Copy rank 0's parameters and buffers to every rank."""
    if info.enabled:
        for tensor in [*module.parameters(), *module.buffers()]:
            dist.broadcast(tensor.data, src=0)


def average_gradients(module: nn.Module, info: DistInfo) -> None:
    """g ← mean over ranks of g, for every parameter that has a gradient (one flattened all-reduce)."""
    if not info.enabled:
        return
    params = [p for p in module.parameters() if p.grad is not None]
    if not params:
        return
    flat = torch.cat([p.grad.reshape(-1) for p in params])
    dist.all_reduce(flat)
    flat /= info.world_size
    offset = 0
    for p in params:
        n = p.grad.numel()
        p.grad.copy_(flat[offset:offset + n].view_as(p.grad))
        offset += n


def average(values: torch.Tensor, info: DistInfo) -> torch.Tensor:
    """The mean of ``values`` over ranks (a copy; the input is left as it was)."""
    values = values.detach().clone()
    if info.enabled:
        dist.all_reduce(values)
        values /= info.world_size
    return values


def barrier(info: DistInfo) -> None:
    if info.enabled:
        dist.barrier()


def shutdown(info: DistInfo) -> None:
    """Leave the process group (only if this module joined one)."""
    if info.owns_group and dist.is_initialized():
        dist.destroy_process_group()
