"""Where this code runs: in a Jupyter kernel, and whether a person watches it.

A leaf module (no sgan imports), so that training, the ablation runs, the live view and the course runner can all
ask without importing one another.
"""

from __future__ import annotations

import os

from sgan.env import LIVE_ENV


def kernel_shell():
    """The IPython shell of the Jupyter kernel this code runs in, or None (plain Python, IPython terminal)."""
    try:
        from IPython import get_ipython
    except ImportError:
        return None
    shell = get_ipython()
    return shell if shell is not None and getattr(shell, "kernel", None) is not None else None


def in_live_frontend() -> bool:
    """Whether a person watches this kernel: a Jupyter kernel that a Jupyter server (JupyterLab, Notebook)
    started for a notebook, which names it in ``JPY_SESSION_NAME``. Kernels run by papermill or nbval (nbclient)
    have no such session, nor has plain Python. ``SGAN_LIVE=0`` / ``SGAN_LIVE=1`` overrides the guess."""
    forced = os.environ.get(LIVE_ENV, "").strip()
    if forced in ("0", "1"):
        return forced == "1"
    return kernel_shell() is not None and bool(os.environ.get("JPY_SESSION_NAME"))
