"""Test-wide settings: one torch thread (tiny tensors on 2 shared cores run 3-10x faster that way)."""

import torch

torch.set_num_threads(1)
